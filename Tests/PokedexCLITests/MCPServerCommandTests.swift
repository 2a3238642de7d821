import AsyncHTTPClient
import Foundation
import NIOCore
import PokedexAudit
import PokedexTesting
import Testing

/// The Python interpreter with the official `mcp` package, when the run has one.
enum MCPPython {
    static let path = ProcessInfo.processInfo.environment["POKEDEX_TEST_PYTHON"].flatMap { $0.isEmpty ? nil : $0 }
}

/// Pokedex as an MCP server, driven by a client nobody here wrote: the official Python SDK
/// (`mcp` from PyPI, in the virtual environment `.ci/run` creates; `POKEDEX_TEST_PYTHON` names its
/// interpreter). Over stdio (`pokedex mcp`, the client starts it) and over Streamable HTTP
/// (`/mcp` on `pokedex serve`, with a principal's token).
@Suite(
    "MCP server (CLI)", .serialized,  // one Python client starting at a time: each costs a second of CPU
    .enabled(
        if: MCPPython.path != nil,
        "MCP cases skipped: set POKEDEX_TEST_PYTHON to a Python with the mcp package (.ci/run does)"))
struct MCPServerCommandTests {
    static let python = MCPPython.path
    static let client = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("Fixtures/mcp_client.py").path

    struct Report: Decodable {
        struct Listed: Decodable {
            var name: String
            var annotations: [String: Bool]
        }
        struct Call: Decodable {
            var tool: String
            var text: String
            var is_error: Bool
        }
        var tools: [Listed]
        var calls: [Call]
        var elicitations: [String]

        func call(_ tool: String) -> Call? { calls.first { $0.tool == tool } }
    }

    /// Runs the Python client with calls, one JSON object per line.
    /// - Parameter elicit: `accept` or `decline`: the client supports elicitation and answers so.
    static func run(
        _ arguments: [String], calls: [String], elicit: String? = nil
    ) async throws -> (report: Report?, outcome: ChildProcess.Outcome) {
        let outcome = try await ChildProcess.run(
            // Through env, so that Python sees the path it was started by and finds its venv.
            executable: URL(fileURLWithPath: "/usr/bin/env"), [python ?? "false", client] + arguments,
            environment: elicit.map { ["MCP_ELICIT": $0] } ?? [:],
            stdin: Data((calls.joined(separator: "\n") + "\n").utf8), timeLimit: .seconds(120))
        let report = try? JSONDecoder().decode(Report.self, from: Data(outcome.stdout.utf8))
        return (report, outcome)
    }

    static let calls = [
        #"{"tool": "document_search", "arguments": {"query": "ransomware first 15 minutes"}}"#,
        #"{"tool": "crowdstrike", "arguments": {"hostname": "WS-1234", "lookup": "status"}}"#,
        #"{"tool": "crowdstrike_containment", "arguments": {"hostname": "WS-1234", "action": "contain"}}"#,
        #"{"tool": "crowdstrike", "arguments": {"hostname": "WS-1234", "lookup": "sideways"}}"#,
        #"{"tool": "ask", "arguments": {"question": "is WS-1234 contained?"}}"#,
    ]

    /// A workspace with runbooks, Falcon (containment on: the read-only profile must still hide it)
    /// and an audit log, as a configuration file (a stdio client passes no environment through).
    static func workspace(_ falcon: FalconSimulator, extra: String = "") throws -> (TemporaryDirectory, String) {
        let directory = try TemporaryDirectory(prefix: "pokedex-mcp")
        try FileManager.default.copyItem(
            at: RunbooksCommandTests.samples, to: directory.url.appendingPathComponent("runbooks"))
        let file = directory.path("pokedex.toml")
        try Data(
            """
            database = "\(directory.path("pokedex.db"))"
            [llm]
            provider = "none"
            [weather]
            enabled = false
            [runbooks]
            dir = "\(directory.path("runbooks"))"
            index = "\(directory.path("runbooks.db"))"
            [falcon]
            base_url = "\(falcon.baseURL)"
            client_id = "\(FalconSimulator.clientID)"
            client_secret = "\(FalconSimulator.clientSecret)"
            [falcon.containment]
            enabled = true
            responders = ["\(NSUserName())"]
            [audit]
            log = "\(directory.path("audit.jsonl"))"
            \(extra)
            """.utf8
        ).write(to: URL(fileURLWithPath: file))
        return (directory, file)
    }

    static func http(_ method: String, _ url: String, body: String? = nil) async throws -> (status: Int, body: String) {
        var request = HTTPClientRequest(url: url)
        request.method = .init(rawValue: method)
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json, text/event-stream")
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 22)))
    }

    static func startFalcon() async throws -> FalconSimulator {
        try await FalconSimulator.start(hosts: [
            .init(id: "a1b2c3d4e5f60718293a4b5c6d7e8f90", hostname: "WS-1234", status: "contained", online: "online")
        ])
    }

    /// What both transports must show: the read-only profile's tools with honest annotations,
    /// real results through the tools, containment neither listed nor callable, bad arguments
    /// an error result, and `ask` a whole turn with its evidence.
    static func checkReadOnlyProfile(_ report: Report) {
        let names = report.tools.map(\.name)
        #expect(Set(names) == ["crowdstrike", "document_search", "ask"], "\(names)")
        let search = report.tools.first { $0.name == "document_search" }
        #expect(search?.annotations["readOnlyHint"] == true && search?.annotations["destructiveHint"] == false)
        #expect(report.tools.first { $0.name == "ask" }?.annotations["readOnlyHint"] == false)
        #expect(report.call("document_search")?.text.contains("ransomware") == true, "\(report.calls)")
        #expect(report.call("document_search")?.is_error == false)
        let lookups = report.calls.filter { $0.tool == "crowdstrike" }
        #expect(lookups.first?.text.contains("Contained") == true, "\(lookups)")
        #expect(lookups.last?.is_error == true && lookups.last?.text.contains("lookup") == true, "\(lookups)")
        let containment = report.call("crowdstrike_containment")
        #expect(containment?.is_error == true && containment?.text.contains("no tool") == true, "\(String(describing: containment))")
        #expect(report.call("ask")?.text.contains("Contained") == true, "\(report.calls)")
    }

    @Test func thePythonClientUsesPokedexOverStdio() async throws {
        let falcon = try await Self.startFalcon()
        defer { Task { try? await falcon.stop() } }
        let (directory, file) = try Self.workspace(falcon)
        defer { directory.remove() }
        let (report, outcome) = try await Self.run(
            ["stdio", ChildProcess.builtProduct("pokedex").path, "mcp", "--config", file], calls: Self.calls)
        let shown = try #require(report, "status \(outcome.status): \(outcome.stdout)\n\(outcome.stderr)")
        Self.checkReadOnlyProfile(shown)
        #expect(falcon.filters.first == "hostname:['WS-1234']", "\(falcon.filters)")
        let audit = try String(contentsOfFile: directory.path("audit.jsonl"), encoding: .utf8)
        #expect(audit.contains(#""action":"mcp.call document_search""#) && audit.contains("refused: not offered"), "\(audit)")
        #expect(audit.contains(#""channel":"mcp""#))
    }

    /// A profile that enables containment lists it as destructive; a call asks for the same
    /// confirmation as in chat (nothing reaches Falcon's action endpoint), and the confirmation
    /// phrase sent through `ask` in the caller's session carries it out, audited.
    @Test func theResponderProfileContainsOnlyAfterTheConfirmation() async throws {
        let falcon = try await FalconSimulator.start(hosts: [
            .init(id: "a1b2c3d4e5f60718293a4b5c6d7e8f90", hostname: "WS-1234", status: "normal", online: "online")
        ])
        defer { Task { try? await falcon.stop() } }
        let (directory, file) = try Self.workspace(falcon, extra: "[mcp]\nprofile = \"responder\"")
        defer { directory.remove() }
        let (report, outcome) = try await Self.run(
            ["stdio", ChildProcess.builtProduct("pokedex").path, "mcp", "--config", file],
            calls: [
                #"{"tool": "crowdstrike_containment", "arguments": {"hostname": "WS-1234", "action": "contain"}}"#,
                #"{"tool": "ask", "arguments": {"question": "confirm contain WS-1234"}}"#,
            ])
        let shown = try #require(report, "status \(outcome.status): \(outcome.stdout)\n\(outcome.stderr)")
        let containment = shown.tools.first { $0.name == "crowdstrike_containment" }
        #expect(containment?.annotations["destructiveHint"] == true && containment?.annotations["readOnlyHint"] == false)
        let request = try #require(shown.call("crowdstrike_containment"))
        #expect(request.text.contains("confirm contain WS-1234"), "\(request.text)")
        #expect(shown.call("ask")?.text.contains("WS-1234") == true, "\(shown.calls)")
        #expect(falcon.actionsReceived == ["contain a1b2c3d4e5f60718293a4b5c6d7e8f90"], "\(falcon.actionsReceived)")
        let audit = try String(contentsOfFile: directory.path("audit.jsonl"), encoding: .utf8)
        #expect(audit.contains(#""channel":"mcp""#) && audit.contains("WS-1234"), "\(audit)")
    }

    /// A client that supports elicitation is asked to confirm there and then (the confirmation
    /// still goes through the desk: same responder check, same audit); declining does nothing.
    @Test func theResponderProfileConfirmsByElicitationWhenTheClientCanAsk() async throws {
        let falcon = try await FalconSimulator.start(hosts: [
            .init(id: "a1b2c3d4e5f60718293a4b5c6d7e8f90", hostname: "WS-1234", status: "normal", online: "online")
        ])
        defer { Task { try? await falcon.stop() } }
        let (directory, file) = try Self.workspace(falcon, extra: "[mcp]\nprofile = \"responder\"")
        defer { directory.remove() }
        let contain = #"{"tool": "crowdstrike_containment", "arguments": {"hostname": "WS-1234", "action": "contain"}}"#
        let arguments = ["stdio", ChildProcess.builtProduct("pokedex").path, "mcp", "--config", file]

        let (declinedReport, declinedOutcome) = try await Self.run(arguments, calls: [contain], elicit: "decline")
        let declined = try #require(declinedReport, "\(declinedOutcome.stdout)\n\(declinedOutcome.stderr)")
        #expect(declined.elicitations.count == 1 && declined.elicitations[0].contains("WS-1234"), "\(declined.elicitations)")
        #expect(declined.call("crowdstrike_containment")?.text.contains("Not confirmed") == true, "\(declined.calls)")
        #expect(falcon.actionsReceived.isEmpty)

        let (acceptedReport, acceptedOutcome) = try await Self.run(arguments, calls: [contain], elicit: "accept")
        let accepted = try #require(acceptedReport, "\(acceptedOutcome.stdout)\n\(acceptedOutcome.stderr)")
        #expect(accepted.elicitations.count == 1)
        #expect(accepted.call("crowdstrike_containment")?.text.contains("Falcon accepted") == true, "\(accepted.calls)")
        #expect(falcon.actionsReceived == ["contain a1b2c3d4e5f60718293a4b5c6d7e8f90"], "\(falcon.actionsReceived)")
        let audit = try AuditLog.records(at: directory.path("audit.jsonl")).filter { $0.action == "contain" }.map(\.outcome)
        #expect(audit == ["awaiting_confirmation", "awaiting_confirmation", "sending", "accepted"], "\(audit)")
    }

    @Test func thePythonClientUsesPokedexOverHTTPWithAPrincipalOnly() async throws {
        let falcon = try await Self.startFalcon()
        defer { Task { try? await falcon.stop() } }
        let token = "mcp-client-token-0123456789abcdef"
        let (directory, file) = try Self.workspace(
            falcon, extra: "[server.principals.analyst]\nrole = \"user\"\nidentity = \"analyst@example.com\"\ntoken = \"\(token)\"")
        defer { directory.remove() }
        let (process, port) = try await ServeProcess.start(environment: ["POKEDEX_CONFIG": file, "POKEDEX_LOG_LEVEL": "warning"])
        defer { process.kill(SIGTERM) }
        let url = "http://127.0.0.1:\(port)/mcp"
        let (report, outcome) = try await Self.run(["http", url, token], calls: Self.calls)
        let shown = try #require(report, "status \(outcome.status): \(outcome.stdout)\n\(outcome.stderr)")
        Self.checkReadOnlyProfile(shown)

        // Without a credential, or with a wrong one, nothing is listed or called (the client only
        // says the server answered with an error; the raw request shows it is a 401).
        for wrong in ["", "not-the-token-0123456789abcdef"] {
            let refused = try await Self.run(["http", url, wrong], calls: [Self.calls[0]])
            #expect(refused.report == nil && refused.outcome.status != 0)
            #expect(refused.outcome.stderr.contains("MCPError"), "\(refused.outcome.stderr)")
        }
        let before = falcon.apiRequests.count
        let call = #"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"crowdstrike","arguments":{"hostname":"WS-1234","lookup":"status"}}}"#
        let raw = try await Self.http("POST", "http://127.0.0.1:\(port)/mcp", body: call)
        #expect(raw.status == 401, "\(raw.body)")
        #expect(falcon.apiRequests.count == before)

        // The calls went through recovery and show in the metrics; the audit names the principal.
        let metrics = try await Self.http("GET", "http://127.0.0.1:\(port)/metrics").body
        #expect(metrics.contains(#"pokedex_tool_calls_total{tool="crowdstrike"}"#), "\(metrics)")
        let audit = try String(contentsOfFile: directory.path("audit.jsonl"), encoding: .utf8)
        #expect(audit.contains(#""principal":"analyst""#) && audit.contains(#""channel":"mcp""#), "\(audit)")
    }
}

/// Pokedex as an MCP client, as an operator meets it: an MCP server added to the configuration
/// file in three lines (`[[mcp.servers]]`, its name, its command), listed by `pokedex mcp tools`,
/// answering `pokedex ask`, and passed on to an MCP client of Pokedex's own.
@Suite(
    "MCP servers (CLI)", .serialized,  // one Python server starting at a time
    .enabled(
        if: MCPPython.path != nil,
        "MCP cases skipped: set POKEDEX_TEST_PYTHON to a Python with the mcp package (.ci/run does)"))
struct MCPClientCommandTests {
    static let intel = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../PokedexAssistantTests/Fixtures/intel_server.py").standardizedFileURL.path
    static let bad = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

    static func workspace(responders: [String] = []) throws -> (TemporaryDirectory, String) {
        let directory = try TemporaryDirectory(prefix: "pokedex-mcp-client")
        let file = directory.path("pokedex.toml")
        try Data(
            """
            database = "\(directory.path("pokedex.db"))"
            [audit]
            log = "\(directory.path("audit.jsonl"))"
            \(responders.isEmpty ? "" : "[mcp]\nresponders = [\(responders.map { "\"\($0)\"" }.joined(separator: ", "))]")
            [llm]
            provider = "none"
            [weather]
            enabled = false
            [runbooks]
            dir = "\(directory.path("none"))"

            [[mcp.servers]]
            name = "intel"
            command = ["\(MCPPython.path ?? "python3")", "\(intel)"]
            env.STATE_DIR = "\(directory.path(""))"
            deny = ["debug_dump"]
            route.hash_lookup = '\\b([0-9a-f]{64})\\b'
            """.utf8
        ).write(to: URL(fileURLWithPath: file))
        return (directory, file)
    }

    @Test func mcpToolsListsWhatEachServerOffers() async throws {
        let (directory, file) = try Self.workspace()
        defer { directory.remove() }
        let outcome = try await ChildProcess.run(["mcp", "tools", "--config", file])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let lines = outcome.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("intel: connected, 2 tools") == true, "\(outcome.stdout)")
        #expect(lines.contains("  intel_hash_lookup  read-only"), "\(outcome.stdout)")
        #expect(lines.contains("  (debug_dump not offered: left out by allow/deny)"), "\(outcome.stdout)")
        #expect(lines.contains { $0.contains("quarantine_file not offered") && $0.contains("mcp.responders") })

        // A server that cannot start is said so, with a failing exit status.
        try Data().write(to: URL(fileURLWithPath: directory.path("down")))
        let down = try await ChildProcess.run(["mcp", "tools", "--config", file])
        #expect(down.status != 0)
        #expect(down.stdout.hasPrefix("intel: not connected"), "\(down.stdout)")
    }

    @Test func askIsAnsweredByTheServersTool() async throws {
        let (directory, file) = try Self.workspace()
        defer { directory.remove() }
        let outcome = try await ChildProcess.run(["ask", "--config", file, "is \(Self.bad) known?"])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("Emotet loader"), "\(outcome.stdout)")
        let calls = try String(contentsOfFile: directory.path("calls"), encoding: .utf8)
        #expect(calls == "hash_lookup \(Self.bad)\n")
    }

    /// Both ways at once: the official Python client, through `pokedex mcp`, calls a tool of the
    /// Python server Pokedex is a client of.
    @Test func anMCPClientOfPokedexReachesTheServersTools() async throws {
        let (directory, file) = try Self.workspace()
        defer { directory.remove() }
        let (report, outcome) = try await MCPServerCommandTests.run(
            ["stdio", ChildProcess.builtProduct("pokedex").path, "mcp", "--config", file],
            calls: [#"{"tool": "intel_hash_lookup", "arguments": {"sha256": "\#(Self.bad)"}}"#])
        let shown = try #require(report, "status \(outcome.status): \(outcome.stdout)\n\(outcome.stderr)")
        #expect(shown.tools.contains { $0.name == "intel_hash_lookup" && $0.annotations["readOnlyHint"] == true })
        #expect(shown.call("intel_hash_lookup")?.text.contains("Emotet loader") == true, "\(shown.calls)")
    }

    /// An MCP server's tool that acts works from the terminal for a verified responder — the
    /// operator's own login — after their confirmation, audited: the terminal opens the audit log
    /// as `serve` does (it used to refuse with "the audit log cannot be written").
    @Test func aToolThatActsWorksFromTheTerminalForAResponder() async throws {
        let login = NSUserName()
        let (directory, file) = try Self.workspace(responders: [login])
        defer { directory.remove() }
        let request = ScriptedLLMServer.Step.toolCall("intel_quarantine_file", #"{"sha256":"\#(Self.bad)"}"#)
        let llm = try await ScriptedLLMServer.start([request, .text("Please confirm.")], otherwise: .text("Done."))
        defer { Task { try await llm.stop() } }
        let environment = [
            "POKEDEX_LLM_PROVIDER": "openai", "POKEDEX_LLM_URL": llm.openAIURL, "POKEDEX_LLM_MODEL": "scripted",
        ]
        let asked = try await ChildProcess.run(
            ["ask", "--config", file, "--user", login, "quarantine \(Self.bad) everywhere"], environment: environment)
        #expect(asked.status == 0, "\(asked.stderr)")
        #expect(asked.stdout.contains("confirm intel_quarantine_file"), "\(asked.stdout)")
        #expect(!((try? String(contentsOfFile: directory.path("calls"), encoding: .utf8)) ?? "").contains("quarantine_file"))
        let confirmed = try await ChildProcess.run(
            ["ask", "--config", file, "--user", login, "confirm intel_quarantine_file"], environment: environment)
        #expect(confirmed.status == 0, "\(confirmed.stderr)")
        #expect(confirmed.stdout.contains("quarantined \(Self.bad) on 12 hosts"), "\(confirmed.stdout)")
        let calls = try String(contentsOfFile: directory.path("calls"), encoding: .utf8)
        #expect(calls.split(separator: "\n").filter { $0.hasPrefix("quarantine_file") } == ["quarantine_file \(Self.bad)"])
        let audit = try String(contentsOfFile: directory.path("audit.jsonl"), encoding: .utf8)
        #expect(audit.contains("awaiting_confirmation") && audit.contains("accepted"), "\(audit)")
    }
}
