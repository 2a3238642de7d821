import Foundation
import Logging
import PokedexSessions
import PokedexSessionsPostgres
import PostgresNIO

/// The PostgreSQL part of `pokedex-bench sessions --database postgres://…`: durable appends with one
/// and with 64 writers, and context reads at 1,000,000 rows. It works in a database of its own,
/// created beside the one the URL names and dropped at the end.
struct PostgresSessionsBenchmark {
    let url: String

    struct Figures {
        var singleWriterAppendsPerSecond = 0.0
        var concurrentAppendsPerSecond = 0.0
        var contextRows = 0
        var contextP50 = Duration.zero
        var contextP99 = Duration.zero

        var dictionary: [String: Any] {
            [
                "single_writer_appends_per_second": singleWriterAppendsPerSecond,
                "concurrent_appends_per_second": concurrentAppendsPerSecond, "context_rows": contextRows,
                "context_p50_ms": contextP50.milliseconds, "context_p99_ms": contextP99.milliseconds,
                "targets_met": contextP99 <= .milliseconds(2) && concurrentAppendsPerSecond >= 5000,
            ]
        }
    }

    func run(
        appends: Int, sessions: Int, each: Int, contextSessions: Int, messages: Int, samples: Int
    ) async throws
        -> Figures
    {
        guard var components = URLComponents(string: url) else { throw BenchmarkError("not a URL: \(url)") }
        let name = "pokedex_bench_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased()
        let admin = try await AdminConnection(url: url)
        try await admin.execute("CREATE DATABASE \(name)")
        defer { Task { try? await admin.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") } }
        components.path = "/" + name
        var configuration = SessionsConfiguration()
        configuration.database = components.string ?? url
        let store = try await PostgresSessionStore(configuration: configuration)
        defer { store.close() }
        var figures = Figures()

        print("PostgreSQL: durable appends, one writer (\(appends))…")
        let single = SessionKey(user: "writer", room: "bench")
        let (_, singleTime) = try await timed {
            for number in 0..<appends { try await store.append(.user, "message \(number)", to: single) }
        }
        figures.singleWriterAppendsPerSecond = Double(appends) / singleTime.seconds

        print("PostgreSQL: durable appends, \(sessions) sessions at once…")
        let (_, concurrentTime) = try await timed {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for session in 0..<sessions {
                    group.addTask {
                        let key = SessionKey(user: "user-\(session)", room: "concurrent")
                        for number in 0..<each { try await store.append(.user, "message \(number)", to: key) }
                    }
                }
                try await group.waitForAll()
            }
        }
        figures.concurrentAppendsPerSecond = Double(sessions * each) / concurrentTime.seconds

        print("PostgreSQL: context window at \(contextSessions * messages) rows…")
        let now = Timestamp.milliseconds(Date())
        let database = try await AdminConnection(url: configuration.database)
        try await database.execute(
            """
            INSERT INTO session (user_name, room, created_at, last_activity)
            SELECT 'context-' || g, 'room', \(now), \(now) FROM generate_series(1, \(contextSessions)) g
            """)
        try await database.execute(
            """
            INSERT INTO message (session_id, role, content, created_at)
            SELECT s.id, CASE WHEN m % 2 = 0 THEN 'assistant' ELSE 'user' END,
                   convert_to('Message ' || m || ': is WS-1234 contained, and what does the runbook say next?', 'UTF8'),
                   \(now)
            FROM session s, generate_series(1, \(messages)) m WHERE s.user_name LIKE 'context-%'
            """)
        try await database.execute("ANALYZE")
        database.close()
        figures.contextRows = contextSessions * messages
        var latencies = Latencies()
        for sample in 0..<samples {
            let key = SessionKey(user: "context-\(1 + (sample * 7919) % contextSessions)", room: "room")
            let (_, time) = try await timed { try await store.context(for: key) }
            latencies.record(time)
        }
        figures.contextP50 = latencies.percentile(0.5)
        figures.contextP99 = latencies.percentile(0.99)
        return figures
    }
}

/// A connection for set-up statements (creating databases, bulk inserts).
final class AdminConnection: Sendable {
    private let client: PostgresClient
    private let running: Task<Void, Never>

    init(url: String) async throws {
        guard let components = URLComponents(string: url), let host = components.host else {
            throw BenchmarkError("not a postgres:// URL")
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        client = PostgresClient(
            configuration: .init(
                host: host, port: components.port ?? 5432, username: components.user ?? "postgres",
                password: components.password, database: database.isEmpty ? nil : database, tls: .disable))
        let client = self.client
        running = Task { await client.run() }
    }

    func execute(_ sql: String) async throws {
        try await client.query(PostgresQuery(unsafeSQL: sql))
    }

    func close() { running.cancel() }
}
