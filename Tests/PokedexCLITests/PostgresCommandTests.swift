import AsyncHTTPClient
import Foundation
import NIOCore
import PokedexTesting
import Testing

/// PostgreSQL with real processes: SQLite → PostgreSQL → SQLite migration through the CLI, and two
/// `pokedex serve` replicas sharing one session.
@Suite(
    "PostgreSQL deployments (CLI)",
    .enabled(
        if: PostgresTestDatabase.serverURL != nil,
        "PostgreSQL cases skipped: set POKEDEX_TEST_POSTGRES_URL (.ci/run starts a server on loopback)"))
struct PostgresCommandTests {
    @Test func exportFromSQLiteImportIntoPostgresAndBackRoundTripsExactly() async throws {
        let directory = try TemporaryDirectory(prefix: "pokedex-pg-cli")
        defer { directory.remove() }
        let sqlite = directory.path("source.db")
        let postgres = try await PostgresTestDatabase.make(prefix: "pokedex_cli_").url
        let back = directory.path("back.db")
        for (user, room, text) in [
            ("alice", "soc", "hello"), ("alice", "soc", "NUL \u{0} and emoji 🛡️"), ("bob", "b/r", "hi"),
        ] {
            let added = try await ChildProcess.run(
                ["sessions", "add", "--database", sqlite, "--user", user, "--room", room, "--role", "user", "--stdin"],
                stdin: Data(text.utf8))
            #expect(added.status == 0, "\(added.stderr)")
        }
        let original = try await ChildProcess.run(["sessions", "export", "--database", sqlite]).stdout
        let file = directory.path("sessions.json")
        try Data(original.utf8).write(to: URL(fileURLWithPath: file))
        let imported = try await ChildProcess.run(["sessions", "import", "--database", postgres, file])
        #expect(imported.status == 0, "\(imported.stderr)")
        let fromPostgres = try await ChildProcess.run(["sessions", "export", "--database", postgres]).stdout
        #expect(fromPostgres == original)
        try Data(fromPostgres.utf8).write(to: URL(fileURLWithPath: file))
        _ = try await ChildProcess.run(["sessions", "import", "--database", back, file])
        #expect(try await ChildProcess.run(["sessions", "export", "--database", back]).stdout == original)
        let stats = try await ChildProcess.run(["sessions", "stats", "--database", postgres])
        #expect(stats.stdout.contains("postgres://"), "\(stats.stdout)")
    }

    @Test func aPostgresRestartIsAClearRetriableErrorAndTheServerRecoversByItself() async throws {
        let postgres = OwnPostgres()
        let url = try await postgres.run("start")
        defer { Task { _ = try? await postgres.run("stop") } }
        let server = try await ServeCommandTests.Server.start([
            "POKEDEX_DATABASE": url, "POKEDEX_SESSIONS_BUSY_TIMEOUT": "2s",
        ])
        defer {
            server.process.kill(SIGTERM)
            server.directory.remove()
        }
        func ask(_ text: String) async throws -> (status: Int, body: String) {
            try await server.request("POST", "/api/v1/chat", body: #"{"user":"erin","room":"r","message":"\#(text)"}"#)
        }
        #expect(try await ask("before the restart").status == 200)
        _ = try await postgres.run("halt")
        let during = try await ask("while it is down")
        #expect(during.status == 503)
        #expect(during.body.contains("the session store is unavailable, so this message was not saved"))
        #expect(!during.body.contains("postgres://"))
        _ = try await postgres.run("resume")
        var after = 0
        for _ in 0..<100 where after != 200 {
            after = try await ask("after the restart").status
            if after != 200 { try await Task.sleep(for: .milliseconds(200)) }
        }
        #expect(after == 200)
        let history = try await ChildProcess.run(["sessions", "export", "--database", url]).stdout
        #expect(history.contains("before the restart") && history.contains("after the restart"))
        #expect(!history.contains("while it is down"))
    }

    @Test func twoReplicasShareOneSessionInOrder() async throws {
        let llm = try await ScriptedLLMServer.start(otherwise: .text("noted"))
        defer { Task { try await llm.stop() } }
        llm.faults.use(FaultPlan().delayed(by: .milliseconds(100)))
        let database = try await PostgresTestDatabase.make(prefix: "pokedex_cli_").url
        let environment = [
            "POKEDEX_DATABASE": database, "POKEDEX_LLM_PROVIDER": "openai", "POKEDEX_LLM_URL": llm.openAIURL,
        ]
        let first = try await ServeCommandTests.Server.start(environment)
        let second = try await ServeCommandTests.Server.start(environment)
        defer {
            for server in [first, second] {
                server.process.kill(SIGTERM)
                server.directory.remove()
            }
        }
        func ask(_ server: ServeCommandTests.Server, _ text: String) async throws -> Int {
            try await server.request(
                "POST", "/api/v1/chat", body: #"{"user":"dana","room":"war-room","message":"\#(text)"}"#
            )
            .status
        }
        // Alternating turns.
        for turn in 0..<6 {
            #expect(try await ask(turn % 2 == 0 ? first : second, "turn \(turn)") == 200)
        }
        // Simultaneous turns on both replicas.
        try await withThrowingTaskGroup(of: Int.self) { group in
            for turn in 6..<16 {
                group.addTask { try await ask(turn % 2 == 0 ? first : second, "turn \(turn)") }
            }
            for try await status in group { #expect(status == 200) }
        }
        let history = try await ChildProcess.run(["sessions", "export", "--database", database]).stdout
        let archive = try #require(try JSONSerialization.jsonObject(with: Data(history.utf8)) as? [String: Any])
        let messages = try #require(((archive["sessions"] as? [[String: Any]])?.first)?["messages"] as? [[String: Any]])
        // The cap keeps the newest 30; every question is followed by its own answer, never by another question.
        let roles = messages.map { $0["role"] as? String ?? "" }
        #expect(roles == Array(repeating: ["user", "assistant"], count: roles.count / 2).flatMap { $0 })
        let questions = messages.compactMap { $0["role"] as? String == "user" ? $0["content"] as? String : nil }
        #expect(Set(questions).count == questions.count)
        #expect(questions.count == 15)
        // Each turn saw every earlier turn, whichever replica ran it: no two turns saw the same
        // history (as they would if they had overlapped). The context window caps at 20 messages.
        let seen = llm.received.map { $0.messages.count - 2 }.sorted()  // minus the system prompt and the question
        #expect(seen == (0..<16).map { min($0 * 2, 20) })
    }
}

/// A PostgreSQL server of one test's own (so it can be stopped without disturbing the others),
/// driven by `.ci/postgres.sh`.
struct OwnPostgres {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".ci/postgres.sh")
    let state: String

    init() { state = "/tmp/pokedex-pg-" + UUID().uuidString.prefix(8) }

    func run(_ command: String) async throws -> String {
        let outcome = try await ChildProcess.run(
            executable: URL(fileURLWithPath: "/bin/bash"), [Self.script.path, command],
            environment: ["POKEDEX_TEST_POSTGRES_STATE": state])
        guard outcome.status == 0 else {
            throw PostgresTestError("postgres.sh \(command): \(outcome.stderr)")
        }
        return outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
