import Foundation
import PokedexSessions
import PokedexTesting
import Testing

/// Crash safety and multi-process use of one database, with real `pokedex` processes.
@Suite("Reliability with real processes", .serialized, .timeLimit(.minutes(5)))
struct ProcessReliabilityTests {
    /// Children keep every message (no cap), so every acknowledged message can be checked.
    static let uncapped = ["POKEDEX_SESSIONS_MAX_MESSAGES": "1000000"]

    @Test func acknowledgedMessagesSurviveSIGKILL() async throws {
        let directory = try TemporaryDirectory(prefix: "pokedex-kill")
        defer { directory.remove() }
        let database = directory.path("kill.db")
        var generator = SystemRandomNumberGenerator()
        var acknowledged: [String: Int] = [:]

        for round in 0..<20 {
            let room = "round-\(round)"
            let child = try ChildProcess(
                arguments: ["sessions", "add", "--database", database, "--user", "analyst", "--room", room, "--stdin"],
                environment: Self.uncapped)
            child.write(Data((0..<2000).map { "m\(round)-\($0)\n" }.joined().utf8))
            let killAfter = Int.random(in: 1...40, using: &generator)
            var acks = 0
            for await line in child.lines {
                guard line.hasPrefix("ok ") else { continue }
                acks += 1
                if acks == killAfter { child.kill(SIGKILL) }
            }
            let outcome = await child.outcome()
            #expect(outcome.wasSignalled, "round \(round) exited by itself: \(outcome.stderr)")
            acknowledged[room] = acks
        }

        let store = try SQLiteSessionStore(configuration: configuration(database))
        #expect(try await store.integrityCheck() == "ok")
        for (room, acks) in acknowledged.sorted(by: { $0.key < $1.key }) {
            let stored = try await store.history(of: SessionKey(user: "analyst", room: room)).map(\.content)
            let round = room.dropFirst("round-".count)
            // Every acknowledged message is there, in order; at most the one in flight follows.
            #expect(Array(stored.prefix(acks)) == (0..<acks).map { "m\(round)-\($0)" })
            #expect(stored.count <= acks + 1)
        }
    }

    @Test func twoWritersAndACleanupShareOneDatabase() async throws {
        let directory = try TemporaryDirectory(prefix: "pokedex-multi")
        defer { directory.remove() }
        let database = directory.path("shared.db")

        // Seed expired messages for the cleanup to delete while the writers append.
        let past = ManualClock(start: Date().addingTimeInterval(-3 * 86_400))
        let seeder = try SQLiteSessionStore(configuration: configuration(database), clock: past)
        let expired = (0..<500).map { session in
            ArchivedSession(
                user: "old-\(session)", room: "r",
                messages: (0..<40).map {
                    ArchivedMessage(role: .user, content: "old \($0)", timestamp: past.currentDate)
                })
        }
        #expect(try await seeder.importSessions(expired).imported == 20_000)
        try seeder.close()

        let perWriter = 1500
        let writers = try ["writer-a", "writer-b"].map { room in
            let child = try ChildProcess(
                arguments: ["sessions", "add", "--database", database, "--user", "analyst", "--room", room, "--stdin"],
                environment: Self.uncapped)
            child.write(Data((0..<perWriter).map { "\(room) \($0)\n" }.joined().utf8))
            child.closeInput()
            return child
        }
        var removed = 0
        for _ in 0..<3 {
            let cleanup = try await ChildProcess.run(
                ["sessions", "cleanup", "--json", "--database", database],
                environment: Self.uncapped.merging(["POKEDEX_SESSIONS_CLEANUP_BATCH": "50"]) { $1 })
            #expect(cleanup.status == 0, "\(cleanup.stderr)")
            #expect(!cleanup.stderr.contains("locked"))
            let figures = try JSONSerialization.jsonObject(with: Data(cleanup.stdout.utf8)) as? [String: Int]
            removed += figures?["removed"] ?? 0
        }
        for writer in writers {
            let outcome = await writer.outcome()
            #expect(outcome.status == 0, "\(outcome.stderr)")
            #expect(!outcome.stderr.contains("locked"))
            #expect(outcome.stdout.split(separator: "\n").count == perWriter)
        }

        #expect(removed == 20_000)
        let store = try SQLiteSessionStore(configuration: configuration(database))
        for room in ["writer-a", "writer-b"] {
            let stored = try await store.history(of: SessionKey(user: "analyst", room: room)).map(\.content)
            #expect(stored == (0..<perWriter).map { "\(room) \($0)" })
        }
        let stats = try await store.statistics()
        #expect(stats.totalMessages == 2 * perWriter)
        #expect(stats.totalSessions == 2)
        #expect(try await store.integrityCheck() == "ok")
    }

    private func configuration(_ database: String) -> SessionsConfiguration {
        var configuration = SessionsConfiguration()
        configuration.database = database
        configuration.maxMessages = 1_000_000
        return configuration
    }
}
