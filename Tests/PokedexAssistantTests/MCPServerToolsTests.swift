import Foundation
import PokedexAudit
import PokedexLLM
import PokedexRecovery
import PokedexSessions
import PokedexSettings
import PokedexTesting
import PokedexTools
import Testing

@testable import PokedexAssistant

/// The Python interpreter with the official `mcp` package, when the run has one (`.ci/run` does).
enum MCPTestPython {
    static let path = ProcessInfo.processInfo.environment["POKEDEX_TEST_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
}

/// Another MCP server's tools inside Pokedex: a small server written with the official Python
/// SDK's server API, started over stdio (or reached over Streamable HTTP) as configured, its tools
/// offered to the model and routed directly, under a recovery policy and breaker of its own.
@Suite(
    "MCP servers as tools", .serialized,  // one Python server starting at a time: each costs a second of CPU
    .enabled(if: MCPTestPython.path != nil, "set POKEDEX_TEST_PYTHON to a Python with the mcp package (.ci/run does)"))
struct MCPServerToolsTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/intel_server.py").path
    static let bad = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    static let alice = Caller(principal: "alice", channel: "test", verified: true)

    final class Fixture: Sendable {
        let directory: TemporaryDirectory
        let clock = ManualClock()
        let runtime: PokedexRuntime
        let llm: ScriptedLLMServer?
        let httpServer: ChildProcess?

        /// - Parameters:
        ///   - http: reach the server over Streamable HTTP with this token (the server expects
        ///     `serverToken`), instead of starting it over stdio.
        ///   - before: runs on the state directory before Pokedex starts (flags for the server).
        init(
            script: [ScriptedLLMServer.Step]? = nil, responders: String? = nil, http token: String? = nil,
            serverToken: String = "intel-token", settings: [String: String] = [:],
            before: (TemporaryDirectory) throws -> Void = { _ in }
        ) async throws {
            directory = try TemporaryDirectory(prefix: "pokedex-mcp-tools")
            try before(directory)
            var configuration = PokedexConfiguration()
            try configuration.set("database", to: directory.path("pokedex.db"))
            try configuration.set("weather.enabled", to: "false")
            try configuration.set("runbooks.dir", to: directory.path("none"))
            if let token {
                // Through env, so that the interpreter sees its full path and finds its virtual environment.
                let server = try ChildProcess(
                    URL(fileURLWithPath: "/usr/bin/env"),
                    arguments: [MCPTestPython.path ?? "python3", MCPServerToolsTests.script, "--http", serverToken],
                    environment: ["STATE_DIR": directory.path("")])
                var lines = server.lines.makeAsyncIterator()
                guard let port = await lines.next() else { throw FixtureError.serverDidNotStart }
                httpServer = server
                try Data(token.utf8).write(to: URL(fileURLWithPath: directory.path("token")))
                try configuration.set("mcp.servers.intel.url", to: "http://127.0.0.1:\(port)/mcp")
                try configuration.set("mcp.servers.intel.token_file", to: directory.path("token"))
            } else {
                httpServer = nil
                try configuration.set(
                    "mcp.servers.intel.command", to: "\(MCPTestPython.path ?? "python3"),\(MCPServerToolsTests.script)")
                try configuration.set("mcp.servers.intel.env.STATE_DIR", to: directory.path(""))
            }
            try configuration.set("mcp.servers.intel.deny", to: "debug_dump")
            try configuration.set("mcp.servers.intel.route.hash_lookup", to: #"\b([0-9a-fA-F]{64})\b"#)
            try configuration.set("recovery.mcp_intel.threshold", to: "2")
            try configuration.set("recovery.mcp_intel.max_retries", to: "0")
            if let responders { try configuration.set("mcp.responders", to: responders) }
            for (key, value) in settings { try configuration.set(key, to: value) }
            try configuration.set("audit.log", to: directory.path("audit.log"))
            if let script { llm = try await ScriptedLLMServer.start(script) } else { llm = nil }
            let model = llm.map { OpenAIChatModel(baseURL: $0.openAIURL, model: "scripted", apiKey: nil) }
            runtime = try await PokedexRuntime.start(configuration, clock: clock, model: model)
        }

        enum FixtureError: Error { case serverDidNotStart }

        var server: MCPServerConnection { runtime.tools.registry.sources[0] as! MCPServerConnection }

        var calls: [String] {
            ((try? String(contentsOfFile: directory.path("calls"), encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }

        var offered: [String] { runtime.tools.registry.available.map(\.name.rawValue).filter { $0.hasPrefix("intel_") }.sorted() }

        var audit: [AuditRecord] { (try? AuditLog.records(at: directory.path("audit.log"))) ?? [] }

        func ask(_ question: String, as caller: Caller = .unverified(channel: "test"), user: String = "alice") async -> Reply {
            await runtime.assistant.respond(Turn(user: user, room: "soc", message: question, caller: caller))
        }

        /// The running (or last) server's process id.
        var pid: Int32? { Int32((try? String(contentsOfFile: directory.path("pid"), encoding: .utf8)) ?? "") }

        /// Kills the server, and returns once Pokedex has noticed (its next need starts it again,
        /// as the flag files then say).
        func restart() async throws {
            if let pid { kill(pid, SIGKILL) }
            for _ in 0..<500 where server.status.connected { try await Task.sleep(for: .milliseconds(10)) }
            #expect(!server.status.connected)
        }

        func flag(_ name: String) throws { try Data().write(to: URL(fileURLWithPath: directory.path(name))) }

        func unflag(_ name: String) throws { try FileManager.default.removeItem(atPath: directory.path(name)) }

        func finish() {
            httpServer?.kill()
            Task { [directory, llm, server] in
                await server.disconnect()
                try? await llm?.stop()
                directory.remove()
            }
        }
    }

    @Test func itsToolsJoinTheRegistryFilteredAndAnnotated() async throws {
        let fixture = try await Fixture(responders: "alice")
        defer { fixture.finish() }
        let tools = fixture.runtime.tools.registry.tools.filter { $0.name.rawValue.hasPrefix("intel_") }
        #expect(tools.map(\.name.rawValue).sorted() == ["intel_enable_feeds", "intel_hash_lookup", "intel_quarantine_file"])
        #expect(tools.first { $0.name == "intel_hash_lookup" }?.effect == .readOnly)
        #expect(tools.first { $0.name == "intel_quarantine_file" }?.effect == .destructive)
        #expect(tools.allSatisfy { $0.service == "mcp_intel" })
        let status = fixture.server.status
        #expect(status.connected)
        #expect(status.notOffered == ["debug_dump": "left out by allow/deny"])
    }

    /// Only the server's word that a tool only reads makes it read-only: a tool without
    /// annotations is treated as one that acts.
    @Test func aToolWithoutAnnotationsIsTreatedAsActing() async throws {
        let fixture = try await Fixture(responders: "alice", settings: ["mcp.servers.intel.deny": ""])
        defer { fixture.finish() }
        let dump = try #require(fixture.runtime.tools.registry.tools.first { $0.name == "intel_debug_dump" })
        #expect(dump.effect == .destructive)
        // Run as the model would call it: held for the responder's confirmation, not run.
        let result = await dump.run(
            try ToolArguments([:], for: dump.name, dump.parameters),
            context: ToolContext(question: "dump it", user: "alice", room: "soc", caller: Self.alice))
        #expect(result.confirmation == "confirm intel_debug_dump", "\(result.text)")
        #expect(!fixture.calls.contains { $0.hasPrefix("debug_dump") })
    }

    @Test func withoutRespondersItsToolsThatActAreNotOffered() async throws {
        let fixture = try await Fixture(script: [
            .toolCall("intel_quarantine_file", #"{"sha256":"\#(Self.bad)"}"#), .text("Done."),
        ])
        defer { fixture.finish() }
        #expect(fixture.offered == ["intel_enable_feeds", "intel_hash_lookup"])
        #expect(fixture.server.status.notOffered["quarantine_file"]?.contains("mcp.responders") == true)
        _ = await fixture.ask("quarantine the file \(Self.bad) everywhere", as: Self.alice)
        #expect(!fixture.calls.contains { $0.hasPrefix("quarantine_file") })
    }

    @Test func theModelCallsItAndTheAnswerRestsOnItsResult() async throws {
        let fixture = try await Fixture(script: [
            .toolCall("intel_hash_lookup", #"{"sha256":"\#(Self.bad)"}"#), .text("That file is known bad."),
        ])
        defer { fixture.finish() }
        let reply = await fixture.ask("have we seen the attachment of the phishing mail before?")
        #expect(fixture.calls == ["hash_lookup \(Self.bad)"])
        #expect(reply.evidence.contains { $0.tool == "intel_hash_lookup" && $0.result.contains("Emotet") }, "\(reply.evidence)")
        #expect(fixture.llm?.received.first?.tools.contains("intel_hash_lookup") == true)
    }

    @Test func aQuestionMatchingItsRouteGoesStraightToIt() async throws {
        let fixture = try await Fixture()  // no model: degraded mode
        defer { fixture.finish() }
        let reply = await fixture.ask("is \(Self.bad) known?")
        #expect(reply.text.contains("Emotet loader"), "\(reply.text)")
        #expect(fixture.calls == ["hash_lookup \(Self.bad)"])
    }

    @Test func aToolThatTakesAHashGetsEveryHashAQuestionNamesHoweverItIsAsked() async throws {
        // No route: the tool declares the kind of thing it looks up, as Falcon does hosts.
        let fixture = try await Fixture(settings: [
            "mcp.servers.intel.route.hash_lookup": "^(never-matches)$", "mcp.servers.intel.entity.hash_lookup": "hash",
        ])
        defer { fixture.finish() }
        let other = String(repeating: "a1", count: 32)
        let reply = await fixture.ask("two files on the share, \(Self.bad) and \(other): seen before?")
        #expect(reply.text.contains("Emotet loader"), "\(reply.text)")
        #expect(fixture.calls.sorted() == ["hash_lookup \(other)", "hash_lookup \(Self.bad)"].sorted())
        // A setting that names no kind of entity stops start-up with the kinds it takes.
        var configuration = PokedexConfiguration()
        #expect(throws: SettingError.self) { try configuration.set("mcp.servers.intel.entity.hash_lookup", to: "malware") }
    }

    @Test func aServerThatDiesCostsItsFallbackThenLeavesAndComesBackWithItsProbe() async throws {
        let fixture = try await Fixture()
        defer { fixture.finish() }
        #expect(await fixture.ask("is \(Self.bad) known?").text.contains("Emotet"))
        try fixture.flag("down")
        try await fixture.restart()
        // No retries here (max_retries 0): each failure is one attempt.
        for _ in 0..<3 {  // more failures than the threshold (2) take it out of service
            let answer = await fixture.ask("is \(Self.bad) known?")
            #expect(answer.text.contains("The intel service is not answering"), "\(answer.text)")
        }
        #expect(fixture.offered.isEmpty)
        #expect(fixture.server.status.connected == false)
        try fixture.unflag("down")
        fixture.clock.advance(by: .seconds(61))  // the cool-down: the next question is the probe
        #expect(await fixture.ask("is \(Self.bad) known?").text.contains("Emotet"))
        #expect(fixture.offered.contains("intel_hash_lookup"))
        #expect(fixture.calls.filter { $0.hasPrefix("hash_lookup") }.count == 2)
    }

    @Test func statusSaysWhetherEachServerIsConnected() async throws {
        let fixture = try await Fixture()
        defer { fixture.finish() }
        var status = await fixture.ask("status").text
        #expect(status.contains("• MCP server intel: ✅ connected, 2 tools ("), "\(status)")
        try fixture.flag("down")
        try await fixture.restart()
        status = await fixture.ask("status").text
        #expect(status.contains("• MCP server intel: ❌ not connected"), "\(status)")
        #expect(status.contains("System online, but degraded"), "\(status)")
    }

    @Test func aServerDownAtStartUpJoinsWhenItComesUp() async throws {
        let fixture = try await Fixture { try Data().write(to: URL(fileURLWithPath: $0.path("down"))) }
        defer { fixture.finish() }
        #expect(fixture.runtime.tools.registry.tools.filter { $0.name.rawValue.hasPrefix("intel_") }.isEmpty)
        #expect(fixture.server.status.lastError != nil)
        try fixture.unflag("down")
        let reply = await fixture.ask("is \(Self.bad) known?")
        #expect(reply.text.contains("Emotet"), "\(reply.text)")
        #expect(fixture.offered.contains("intel_hash_lookup"))
    }

    @Test func aServerThatAnswersGarbageCostsOnlyItsFallback() async throws {
        let fixture = try await Fixture(settings: ["recovery.mcp_intel.timeout": "5s"])
        defer { fixture.finish() }
        try fixture.flag("garbage")
        try await fixture.restart()
        // The restarted server writes garbage and never answers: each handshake waits out its time
        // limit. Time moves whenever another server has started (its time limit is running by then).
        let text = await withTaskGroup(of: String?.self) { group in
            group.addTask { await fixture.ask("is \(Self.bad) known?").text }
            group.addTask {
                var pid = fixture.pid
                while !Task.isCancelled {
                    if fixture.pid != pid {
                        pid = fixture.pid
                        fixture.clock.advance(by: .seconds(5))
                    }
                    try? await Task.sleep(for: .milliseconds(10))
                }
                return nil
            }
            for await case let text? in group {
                group.cancelAll()
                return text
            }
            return ""
        }
        #expect(text.contains("The intel service is not answering"), "\(text)")
    }

    @Test func aCallThatTakesTooLongIsCancelledAndTheConnectionStays() async throws {
        let fixture = try await Fixture(settings: ["recovery.mcp_intel.timeout": "5s"])
        defer { fixture.finish() }
        let pid = fixture.pid
        try fixture.flag("slow")
        let answer = Task { await fixture.ask("is \(Self.bad) known?") }
        // Once the server has the call, its time limit is running.
        for _ in 0..<500 where fixture.calls.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        fixture.clock.advance(by: .seconds(5))
        let text = await answer.value.text
        #expect(text.contains("The intel service is not answering"), "\(text)")
        // The server was told to stop (notifications/cancelled), and the same process answers next.
        for _ in 0..<500 where !fixture.calls.contains("hash_lookup cancelled") { try await Task.sleep(for: .milliseconds(10)) }
        #expect(fixture.calls.contains("hash_lookup cancelled"), "\(fixture.calls)")
        try fixture.unflag("slow")
        #expect(await fixture.ask("is \(Self.bad) known?").text.contains("Emotet"))
        #expect(fixture.pid == pid)
    }

    @Test func aToolListThatChangesIsPickedUp() async throws {
        let fixture = try await Fixture(script: [.toolCall("intel_enable_feeds", "{}"), .text("Feeds are on.")])
        defer { fixture.finish() }
        #expect(!fixture.offered.contains("intel_feed_lookup"))
        _ = await fixture.ask("turn on the threat feeds")
        // The server said its list changed: the next turn reads it again.
        _ = await fixture.ask("hello there")
        #expect(fixture.offered.contains("intel_feed_lookup"), "\(fixture.offered)")
    }

    @Test func aServerStartedAgainWithOtherToolsIsReadAgain() async throws {
        let fixture = try await Fixture()
        defer { fixture.finish() }
        #expect(!fixture.offered.contains("intel_feed_lookup"))
        try fixture.flag("feeds")  // the next start of the server offers one more tool
        try await fixture.restart()
        #expect(await fixture.ask("is \(Self.bad) known?").text.contains("Emotet"))  // connects again
        #expect(fixture.offered.contains("intel_feed_lookup"), "\(fixture.offered)")
    }

    @Test func aToolThatActsRunsOnlyForAVerifiedResponderWhoConfirms() async throws {
        let request = ScriptedLLMServer.Step.toolCall("intel_quarantine_file", #"{"sha256":"\#(Self.bad)"}"#)
        let fixture = try await Fixture(
            script: [request, .text("Please confirm."), request, .text("Refused."), request, .text("Please confirm.")],
            responders: "alice")
        defer { fixture.finish() }
        // Not verified: refused, nothing held.
        var reply = await fixture.ask("quarantine \(Self.bad) everywhere")
        #expect(reply.evidence.contains { $0.result.contains("identity proven by your credentials") }, "\(reply.evidence)")
        // Verified but not a responder.
        reply = await fixture.ask(
            "quarantine \(Self.bad) everywhere", as: Caller(principal: "bob", channel: "test", verified: true), user: "bob")
        #expect(reply.evidence.contains { $0.result.contains("restricted to responders") }, "\(reply.evidence)")
        // A responder: asked to confirm; nothing reaches the server until she does.
        reply = await fixture.ask("quarantine \(Self.bad) everywhere", as: Self.alice)
        #expect(reply.evidence.contains { $0.result.contains("`confirm intel_quarantine_file`") }, "\(reply.evidence)")
        #expect(!fixture.calls.contains { $0.hasPrefix("quarantine_file") })
        // Someone else's confirmation does nothing.
        reply = await fixture.ask(
            "confirm intel_quarantine_file", as: Caller(principal: "bob", channel: "test", verified: true), user: "bob")
        #expect(!fixture.calls.contains { $0.hasPrefix("quarantine_file") })
        reply = await fixture.ask("confirm intel_quarantine_file", as: Self.alice)
        #expect(reply.text.contains("quarantined \(Self.bad) on 12 hosts"), "\(reply.text)")
        #expect(fixture.calls.filter { $0.hasPrefix("quarantine_file") } == ["quarantine_file \(Self.bad)"])
        // Confirmed once: a second confirmation finds nothing.
        reply = await fixture.ask("confirm intel_quarantine_file", as: Self.alice)
        #expect(reply.text.contains("no pending"), "\(reply.text)")
        #expect(fixture.calls.filter { $0.hasPrefix("quarantine_file") }.count == 1)
        let outcomes = fixture.audit.filter { $0.action == "mcp.intel_quarantine_file" }.map(\.outcome)
        #expect(
            outcomes == [
                "refused_unverified", "refused_not_responder", "awaiting_confirmation", "refused_not_responder", "sending",
                "accepted", "refused_unconfirmed",
            ], "\(outcomes)")
    }

    @Test func overHTTPWithItsTokenFromAFile() async throws {
        let fixture = try await Fixture(http: "intel-token")
        defer { fixture.finish() }
        #expect(fixture.offered == ["intel_enable_feeds", "intel_hash_lookup"])
        let reply = await fixture.ask("is \(Self.bad) known?")
        #expect(reply.text.contains("Emotet loader"), "\(reply.text)")
        #expect(fixture.calls.contains("hash_lookup \(Self.bad)"))
    }

    @Test func overHTTPAWrongTokenIsRefusedAndSaidSo() async throws {
        let fixture = try await Fixture(http: "stale-token")
        defer { fixture.finish() }
        #expect(fixture.offered.isEmpty)
        #expect(fixture.server.status.lastError?.contains("refused Pokedex's token") == true, "\(fixture.server.status)")
        #expect(fixture.calls.contains("refused Bearer stale-token"))
        let reply = await fixture.ask("is \(Self.bad) known?")
        #expect(!reply.text.contains("Emotet"))
    }
}
