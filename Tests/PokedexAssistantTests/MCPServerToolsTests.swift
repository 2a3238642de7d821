import Foundation
import PokedexLLM
import PokedexRecovery
import PokedexSessions
import PokedexTesting
import PokedexTools
import Testing

@testable import PokedexAssistant

/// The Python interpreter with the official `mcp` package, when the run has one (`.ci/run` does).
enum MCPTestPython {
    static let path = ProcessInfo.processInfo.environment["POKEDEX_TEST_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
}

/// Another MCP server's tools inside Pokedex: a small server written with the official Python
/// SDK's server API, started over stdio as configured, its tools offered to the model and routed
/// directly, under a recovery policy and breaker of its own.
@Suite(
    "MCP servers as tools",
    .enabled(if: MCPTestPython.path != nil, "set POKEDEX_TEST_PYTHON to a Python with the mcp package (.ci/run does)"))
struct MCPServerToolsTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/intel_server.py").path
    static let bad = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

    final class Fixture: Sendable {
        let directory: TemporaryDirectory
        let clock = ManualClock()
        let runtime: PokedexRuntime
        let llm: ScriptedLLMServer?

        init(script: [ScriptedLLMServer.Step]? = nil) async throws {
            directory = try TemporaryDirectory(prefix: "pokedex-mcp-tools")
            var configuration = PokedexConfiguration()
            try configuration.set("database", to: directory.path("pokedex.db"))
            try configuration.set("weather.enabled", to: "false")
            try configuration.set("runbooks.dir", to: directory.path("none"))
            try configuration.set("mcp.servers.intel.command", to: MCPTestPython.path ?? "python3")
            try configuration.set("mcp.servers.intel.args", to: MCPServerToolsTests.script)
            try configuration.set("mcp.servers.intel.env.STATE_DIR", to: directory.path(""))
            try configuration.set("mcp.servers.intel.deny", to: "debug_dump")
            try configuration.set("mcp.servers.intel.route.hash_lookup", to: #"\b([0-9a-fA-F]{64})\b"#)
            try configuration.set("recovery.mcp_intel.threshold", to: "2")
            try configuration.set("recovery.mcp_intel.max_retries", to: "0")
            let store = try SQLiteSessionStore(configuration: configuration.sessions)
            let recovery = Recovery(configuration: PokedexRuntime.recoveryConfiguration(configuration), clock: clock)
            if let script { llm = try await ScriptedLLMServer.start(script) } else { llm = nil }
            let model = llm.map { OpenAIChatModel(baseURL: $0.openAIURL, model: "scripted", apiKey: nil) }
            runtime = try await PokedexRuntime.assemble(
                configuration, store: store, recovery: recovery, auditLog: nil, model: model)
        }

        var calls: [String] {
            ((try? String(contentsOfFile: directory.path("calls"), encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }

        func ask(_ question: String) async -> Reply {
            await runtime.assistant.respond(Turn(user: "alice", room: "soc", message: question, caller: .unverified(channel: "test")))
        }

        /// The server goes down: it is killed, and while the flag file exists it will not start.
        func takeDown() throws {
            try Data().write(to: URL(fileURLWithPath: directory.path("down")))
            if let pid = Int32((try? String(contentsOfFile: directory.path("pid"), encoding: .utf8)) ?? "") { kill(pid, SIGKILL) }
        }

        func bringBack() throws { try FileManager.default.removeItem(atPath: directory.path("down")) }

        func finish() {
            Task { [directory, llm] in
                try? await llm?.stop()
                directory.remove()
            }
        }
    }

    @Test func itsToolsJoinTheRegistryFilteredAndAnnotated() async throws {
        let fixture = try await Fixture()
        defer { fixture.finish() }
        let tools = fixture.runtime.tools.registry.tools.filter { $0.name.rawValue.hasPrefix("intel_") }
        #expect(tools.map(\.name.rawValue).sorted() == ["intel_hash_lookup", "intel_quarantine_file"])
        #expect(tools.first { $0.name == "intel_hash_lookup" }?.effect == .readOnly)
        #expect(tools.first { $0.name == "intel_quarantine_file" }?.effect == .destructive)
        #expect(tools.allSatisfy { $0.service == "mcp_intel" })
    }

    @Test func theModelCallsItAndTheAnswerRestsOnItsResult() async throws {
        let fixture = try await Fixture(script: [
            .toolCall("intel_hash_lookup", #"{"sha256":"\#(Self.bad)"}"#), .text("That file is known bad."),
        ])
        defer { fixture.finish() }
        let reply = await fixture.ask("have we seen the attachment of the phishing mail before?")
        #expect(fixture.calls == ["hash_lookup \(Self.bad)"])
        #expect(reply.evidence.contains { $0.tool == "intel_hash_lookup" && $0.result.contains("Emotet") }, "\(reply.evidence)")
    }

    @Test func aQuestionMatchingItsRouteGoesStraightToIt() async throws {
        let fixture = try await Fixture()  // no model: degraded mode
        defer { fixture.finish() }
        let reply = await fixture.ask("is \(Self.bad) known?")
        #expect(reply.text.contains("Emotet loader"), "\(reply.text)")
        #expect(fixture.calls == ["hash_lookup \(Self.bad)"])
    }

    @Test func aServerThatDiesCostsItsFallbackThenLeavesAndComesBackWithItsProbe() async throws {
        let fixture = try await Fixture()
        defer { fixture.finish() }
        #expect(await fixture.ask("is \(Self.bad) known?").text.contains("Emotet"))
        try fixture.takeDown()
        // No retries here (max_retries 0): each question is one failed attempt and its fallback.
        for _ in 0..<3 {  // more failures than the threshold (2) take it out of service
            let answer = await fixture.ask("is \(Self.bad) known?")
            #expect(answer.text.contains("The intel service is not answering"), "\(answer.text)")
        }
        #expect(!fixture.runtime.tools.registry.available.contains { $0.name == "intel_hash_lookup" })
        try fixture.bringBack()
        fixture.clock.advance(by: .seconds(61))  // the cool-down: the next question is the probe
        #expect(await fixture.ask("is \(Self.bad) known?").text.contains("Emotet"))
        #expect(fixture.runtime.tools.registry.available.contains { $0.name == "intel_hash_lookup" })
    }

    @Test func aToolThatActsIsNotRunForAnotherServer() async throws {
        let fixture = try await Fixture(script: [
            .toolCall("intel_quarantine_file", #"{"sha256":"\#(Self.bad)"}"#), .text("Done."),
        ])
        defer { fixture.finish() }
        let reply = await fixture.ask("quarantine the file \(Self.bad) everywhere")
        #expect(!fixture.calls.contains { $0.hasPrefix("quarantine_file") })
        #expect(reply.evidence.contains { $0.result.contains("Nothing was done") }, "\(reply.evidence)")
    }
}
