import Foundation
import PokedexRecovery
import PokedexSessions
import PokedexSettings

/// The measured operations of `pokedex-bench sessions`, each on its own database file.
struct SessionsWorkload {
    let directory: URL
    let durability: SessionsConfiguration.Durability

    /// A typical chat line.
    static let content = String(repeating: "Is WS-1234 contained? Checking Falcon status. ", count: 4)

    private func configuration(_ name: String) -> SessionsConfiguration {
        var configuration = SessionsConfiguration()
        configuration.database = directory.appendingPathComponent(name).path
        configuration.durability = durability
        return configuration
    }

    /// One writer, durable appends: raw SQLite (one INSERT per transaction through the C API, into
    /// the store's own schema) against the store (each append awaited: one transaction, one fsync).
    /// The two alternate in rounds so that drift in the disk's speed hits both alike.
    /// - Returns: appends per second of the baseline and of the store.
    func singleWriterAppends(count: Int, rounds: Int = 10) async throws -> (baseline: Double, store: Double) {
        let baselineSettings = configuration("baseline.db")
        try SQLiteSessionStore(configuration: baselineSettings).close()  // creates the schema
        let raw = try RawSQLite(path: baselineSettings.database)
        try raw.execute("PRAGMA journal_mode = WAL; PRAGMA synchronous = \(durability == .full ? "FULL" : "NORMAL")")
        try raw.execute("INSERT INTO session (user, room, created_at, last_activity) VALUES ('u', 'r', 0, 0)")
        let insert = try raw.prepare(
            "INSERT INTO message (session_id, role, content, created_at) VALUES (1, 'user', ?, ?)")
        let body = Data(Self.content.utf8)

        let store = try SQLiteSessionStore(configuration: configuration("single.db"))
        let key = SessionKey(user: "analyst", room: "bench")

        var baselineTime = Duration.zero
        var storeTime = Duration.zero
        let perRound = max(1, count / rounds)
        for round in 0..<rounds {
            let start = ContinuousClock.now
            for index in 0..<perRound { try insert.run([body, Int64(round * perRound + index)]) }
            baselineTime += ContinuousClock.now - start
            let (_, elapsed) = try await timed {
                for _ in 0..<perRound { try await store.append(.user, Self.content, to: key) }
            }
            storeTime += elapsed
        }
        let total = Double(perRound * rounds)
        return (total / baselineTime.seconds, total / storeTime.seconds)
    }

    /// Many sessions appending at once; group commit lets them share transactions.
    func concurrentAppends(sessions: Int, each: Int) async throws -> Double {
        let store = try SQLiteSessionStore(configuration: configuration("concurrent.db"))
        let (_, elapsed) = try await timed {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for session in 0..<sessions {
                    group.addTask {
                        let key = SessionKey(user: "analyst\(session)", room: "bench")
                        for _ in 0..<each { try await store.append(.user, Self.content, to: key) }
                    }
                }
                try await group.waitForAll()
            }
        }
        return Double(sessions * each) / elapsed.seconds
    }

    /// Fills a database through the C API: `sessions` sessions of `messages` messages stamped `at`.
    private func populate(_ path: String, sessions: Int, messages: Int, prefix: String, at milliseconds: Int64) throws {
        let raw = try RawSQLite(path: path)
        try raw.execute("PRAGMA synchronous = OFF; BEGIN")
        let session = try raw.prepare(
            "INSERT INTO session (user, room, created_at, last_activity) VALUES (?, 'bench', ?, ?) RETURNING id")
        let message = try raw.prepare(
            "INSERT INTO message (session_id, role, content, created_at) SELECT id, ?, ?, ? FROM session WHERE user = ? AND room = 'bench'"
        )
        let body = Data(Self.content.utf8)
        for index in 0..<sessions {
            let user = "\(prefix)\(index)"
            try session.run([user, milliseconds, milliseconds])
            for turn in 0..<messages {
                try message.run([turn.isMultiple(of: 2) ? "user" : "assistant", body, milliseconds, user])
            }
        }
        try raw.execute("COMMIT")
    }

    /// Context reads of random sessions among `sessions × messages` rows: the store against the
    /// equivalent query through the C API.
    func contextLatency(
        sessions: Int, messages: Int, samples: Int
    ) async throws
        -> (Duration, Duration, Duration, Duration)
    {
        let settings = configuration("context.db")
        try SQLiteSessionStore(configuration: settings).close()
        try populate(
            settings.database, sessions: sessions, messages: messages, prefix: "user",
            at: Timestamp.milliseconds(Date()))
        let store = try SQLiteSessionStore(configuration: settings)
        var generator = SystemRandomNumberGenerator()
        var latencies = Latencies()
        for _ in 0..<samples {
            let key = SessionKey(user: "user\(Int.random(in: 0..<sessions, using: &generator))", room: "bench")
            let (context, elapsed) = try await timed { try await store.context(for: key) }
            guard context.count == min(messages, settings.contextMessages) else {
                throw BenchmarkError("context of \(key) has \(context.count) messages")
            }
            latencies.record(elapsed)
        }
        let raw = try RawSQLite(path: settings.database)
        let query = try raw.prepare(
            """
            SELECT content FROM message WHERE session_id = (SELECT id FROM session WHERE user = ? AND room = 'bench')
            AND created_at >= ? ORDER BY id DESC LIMIT 30
            """)
        var baseline = Latencies()
        let cutoff = Timestamp.milliseconds(Date()) - 86_400_000
        for _ in 0..<samples {
            let user = "user\(Int.random(in: 0..<sessions, using: &generator))"
            let start = ContinuousClock.now
            try query.run([user, cutoff])
            baseline.record(ContinuousClock.now - start)
        }
        return (
            latencies.percentile(0.5), latencies.percentile(0.99), baseline.percentile(0.5), baseline.percentile(0.99)
        )
    }

    /// Cleanup of `expired` messages while one writer keeps appending; returns the cleanup's
    /// duration and count, the longest append it caused, the appends made meanwhile, and the p99
    /// append latency with no cleanup running, for comparison.
    func cleanupUnderLoad(
        expired: Int
    ) async throws
        -> (seconds: Double, removed: Int, longest: Duration, appends: Int, quietP99: Duration)
    {
        let settings = configuration("cleanup.db")
        try SQLiteSessionStore(configuration: settings).close()
        let perSession = 20
        let old = Timestamp.milliseconds(Date()) - 2 * 86_400_000
        try populate(settings.database, sessions: expired / perSession, messages: perSession, prefix: "old", at: old)
        let store = try SQLiteSessionStore(configuration: settings)
        let key = SessionKey(user: "analyst", room: "live")

        var quiet = Latencies()
        for _ in 0..<300 {
            let (_, elapsed) = try await timed { try await store.append(.user, Self.content, to: key) }
            quiet.record(elapsed)
        }

        let appender = Task {
            var during = Latencies()
            while !Task.isCancelled {
                let (_, elapsed) = try await timed { try await store.append(.user, Self.content, to: key) }
                during.record(elapsed)
            }
            return during
        }
        let (removed, elapsed) = try await timed { try await store.cleanup() }
        appender.cancel()
        let during = try await appender.value
        return (elapsed.seconds, removed, during.maximum, during.samples.count, quiet.percentile(0.99))
    }
}
