import Foundation
import GRDB

extension SQLiteSessionStore {
    public func statistics() async throws -> StoreStatistics {
        let activeSince = cutoffMilliseconds()
        let database = path
        let size = databaseSizeBytes()
        return try await guarded {
            try await pool.read { db in
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT (SELECT count(*) FROM session) AS sessions,
                               (SELECT count(*) FROM message) AS messages,
                               (SELECT count(*) FROM session WHERE last_activity >= ?) AS active,
                               (SELECT min(created_at) FROM message) AS oldest,
                               (SELECT max(created_at) FROM message) AS newest
                        """,
                    arguments: [activeSince])
                return StoreStatistics(
                    totalSessions: row?["sessions"] ?? 0,
                    totalMessages: row?["messages"] ?? 0,
                    activeSessions: row?["active"] ?? 0,
                    oldestMessage: (row?["oldest"] as Int64?).map(Timestamp.date(milliseconds:)),
                    newestMessage: (row?["newest"] as Int64?).map(Timestamp.date(milliseconds:)),
                    database: database,
                    databaseSizeBytes: size)
            }
        }
    }

    /// The main file plus its write-ahead log, as the file system reports them.
    func databaseSizeBytes() -> Int64 {
        [path, path + "-wal"].reduce(0) { total, file in
            let size = (try? FileManager.default.attributesOfItem(atPath: file)[.size] as? NSNumber)?.int64Value
            return total + (size ?? 0)
        }
    }

    public func statistics(for key: SessionKey) async throws -> SessionStatistics? {
        try key.validate()
        let cutoff = cutoffMilliseconds()
        let cap = configuration.maxMessages
        return try await guarded {
            try await pool.read { db in
                guard let id = try Self.sessionID(key, in: db) else { return nil }
                let live = try Self.newestMessages(session: id, since: cutoff, limit: cap, in: db)
                return SessionStatistics(
                    user: key.user, room: key.room, messageCount: live.count,
                    firstMessage: live.first?.timestamp, lastMessage: live.last?.timestamp,
                    recentMessages: Array(live.suffix(SessionStatistics.recentCount)))
            }
        }
    }

    public func sessions(after cursor: SessionKey?, limit: Int) async throws -> [SessionSummary] {
        try await livePage(after: cursor, limit: limit).map { key, messages in
            SessionSummary(
                user: key.user, room: key.room, messageCount: messages.count,
                firstMessage: messages.first?.timestamp, lastMessage: messages.last?.timestamp)
        }
    }

    public func archivedSessions(after cursor: SessionKey?, limit: Int) async throws -> [ArchivedSession] {
        try await livePage(after: cursor, limit: limit).map(ArchivedSession.init)
    }

    /// A page of sessions in (user, room) order with their live messages, read in one transaction.
    private func livePage(after cursor: SessionKey?, limit: Int) async throws -> [(SessionKey, [StoredMessage])] {
        let cutoff = cutoffMilliseconds()
        let cap = configuration.maxMessages
        return try await guarded {
            try await pool.read { db in
                let rows = try Row.fetchAll(
                    db,
                    sql: "SELECT id, user, room FROM session WHERE (user, room) > (?, ?) ORDER BY user, room LIMIT ?",
                    arguments: [cursor?.user ?? "", cursor?.room ?? "", limit])
                return try rows.map { row in
                    let messages = try Self.newestMessages(session: row["id"], since: cutoff, limit: cap, in: db)
                    return (SessionKey(user: row["user"], room: row["room"]), messages)
                }
            }
        }
    }

    /// Runs SQLite's `PRAGMA integrity_check`.
    /// - Returns: `"ok"` for a sound database, otherwise SQLite's list of problems.
    public func integrityCheck() async throws -> String {
        try await guarded {
            try await pool.read { db in
                try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "\n")
            }
        }
    }
}
