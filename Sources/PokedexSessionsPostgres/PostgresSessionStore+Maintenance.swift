import Foundation
import PokedexSessions
import PostgresNIO

extension PostgresSessionStore {
    // MARK: Statistics

    public func statistics() async throws -> StoreStatistics {
        let activeSince = cutoffMilliseconds()
        let database = PostgresURL.masked(configuration.database)
        return try await guarded("cannot read the statistics") {
            let rows = try await client.query(
                """
                SELECT (SELECT count(*) FROM session), (SELECT count(*) FROM message),
                       (SELECT count(*) FROM session WHERE last_activity >= \(activeSince)),
                       (SELECT min(created_at) FROM message), (SELECT max(created_at) FROM message),
                       pg_database_size(current_database())
                """, logger: logger)
            for try await (sessions, messages, active, oldest, newest, size) in rows.decode(
                (Int64, Int64, Int64, Int64?, Int64?, Int64).self)
            {
                return StoreStatistics(
                    totalSessions: Int(sessions), totalMessages: Int(messages), activeSessions: Int(active),
                    oldestMessage: oldest.map(Timestamp.date(milliseconds:)),
                    newestMessage: newest.map(Timestamp.date(milliseconds:)), database: database,
                    databaseSizeBytes: size)
            }
            throw SessionStoreError.storage("no statistics")
        }
    }

    public func statistics(for key: SessionKey) async throws -> SessionStatistics? {
        try key.validate()
        let cutoff = cutoffMilliseconds()
        let cap = configuration.maxMessages
        return try await guarded("cannot read the session") {
            try await client.withConnection { connection in
                guard let session = try await Self.sessionID(key, on: connection) else { return nil }
                let live = try await Self.newestMessages(session: session, since: cutoff, limit: cap, on: connection)
                return SessionStatistics(
                    user: key.user, room: key.room, messageCount: live.count, firstMessage: live.first?.timestamp,
                    lastMessage: live.last?.timestamp, recentMessages: Array(live.suffix(SessionStatistics.recentCount))
                )
            }
        }
    }

    public func sessions(after cursor: SessionKey?, limit: Int) async throws -> [SessionSummary] {
        try await livePage(after: cursor, limit: limit).map { key, messages in
            SessionSummary(
                user: key.user, room: key.room, messageCount: messages.count, firstMessage: messages.first?.timestamp,
                lastMessage: messages.last?.timestamp)
        }
    }

    public func archivedSessions(after cursor: SessionKey?, limit: Int) async throws -> [ArchivedSession] {
        try await livePage(after: cursor, limit: limit).map(ArchivedSession.init)
    }

    /// A page of sessions in byte order of (user, room) — the order SQLite uses — with their live
    /// messages, read in one repeatable-read transaction.
    private func livePage(after cursor: SessionKey?, limit: Int) async throws -> [(SessionKey, [StoredMessage])] {
        let cutoff = cutoffMilliseconds()
        let cap = configuration.maxMessages
        let user = cursor?.user ?? ""
        let room = cursor?.room ?? ""
        return try await transaction("cannot list the sessions") { connection in
            let rows = try await connection.query(
                """
                SELECT id, user_name, room FROM session
                WHERE (user_name COLLATE "C", room COLLATE "C") > (\(user), \(room))
                ORDER BY user_name COLLATE "C", room COLLATE "C" LIMIT \(limit)
                """, logger: self.logger)
            var keys: [(Int64, SessionKey)] = []
            for try await (id, user, room) in rows.decode((Int64, String, String).self) {
                keys.append((id, SessionKey(user: user, room: room)))
            }
            var page: [(SessionKey, [StoredMessage])] = []
            for (id, key) in keys {
                page.append(
                    (key, try await Self.newestMessages(session: id, since: cutoff, limit: cap, on: connection)))
            }
            return page
        }
    }

    // MARK: Import

    public func importSessions(_ sessions: [ArchivedSession]) async throws -> ImportSummary {
        try ImportPlan.validate(sessions, maxMessageBytes: configuration.maxMessageBytes, now: clock.currentDate)
        let cutoff = cutoffMilliseconds()
        let cap = configuration.maxMessages
        let now = Timestamp.milliseconds(clock.currentDate)
        return try await transaction("the archive was not imported") { connection in
            var summary = ImportSummary()
            summary.sessions = sessions.count
            // All at once and in the order batched appends use, so the two cannot deadlock.
            try await connection.run(
                "SELECT pokedex_lock_sessions(\(sessions.map(\.key.user)), \(sessions.map(\.key.room)))",
                logger: self.logger)
            for session in sessions {
                let id = try await Self.sessionID(session.key, on: connection)
                var existing: [StoredMessage] = []
                if let id {
                    existing = try await Self.newestMessages(
                        session: id, since: Int64.min, limit: Int(Int32.max), on: connection)
                }
                let plan = ImportPlan(existing: existing, incoming: session.messages, cutoff: cutoff)
                summary.duplicates += plan.duplicates
                summary.expired += plan.expired
                summary.imported += plan.added.count
                guard !plan.added.isEmpty else { continue }
                let newest = plan.added.map { Timestamp.milliseconds($0.timestamp) }.max() ?? now
                let sessionID = try await Self.upsertSession(session.key, activity: newest, on: connection)
                var rows = plan.added
                if !plan.appendsInOrder {
                    // Older messages arrived: rebuild the session in time order.
                    try await connection.query(
                        "DELETE FROM message WHERE session_id = \(sessionID)", logger: self.logger)
                    rows = plan.merged
                }
                for message in rows {
                    try await connection.query(
                        """
                        INSERT INTO message (session_id, role, content, created_at)
                        VALUES (\(sessionID), \(message.role.rawValue), \(ByteBuffer(string: message.content)),
                                \(Timestamp.milliseconds(message.timestamp)))
                        """, logger: self.logger)
                }
                try await Self.trim(session: sessionID, to: cap, on: connection)
            }
            return summary
        }
    }

    // MARK: Cleanup

    /// Deletes expired messages, then idle empty sessions, in transactions of at most
    /// `sessions.cleanup_batch` rows. Rows another replica is deleting at the same moment are
    /// skipped (`SKIP LOCKED`), so cleanups on every replica at once neither wait nor collide.
    @discardableResult
    public func cleanup() async throws -> Int {
        let cutoff = cutoffMilliseconds()
        let batch = configuration.cleanupBatchSize
        var removed = 0
        while true {
            let deleted = try await deleteBatch(
                """
                DELETE FROM message WHERE id IN (
                    SELECT id FROM message WHERE created_at < \(cutoff) ORDER BY created_at LIMIT \(batch)
                    FOR UPDATE SKIP LOCKED)
                RETURNING id
                """)
            removed += deleted
            if deleted < batch { break }
        }
        while true {
            let deleted = try await deleteBatch(
                """
                DELETE FROM session WHERE id IN (
                    SELECT id FROM session WHERE last_activity < \(cutoff)
                    AND NOT EXISTS (SELECT 1 FROM message WHERE message.session_id = session.id)
                    LIMIT \(batch) FOR UPDATE SKIP LOCKED)
                RETURNING id
                """)
            if deleted < batch { break }
        }
        let now = Timestamp.milliseconds(clock.currentDate)
        while true {
            let deleted = try await deleteBatch(
                """
                DELETE FROM held WHERE (user_name, room, kind) IN (
                    SELECT user_name, room, kind FROM held WHERE expires_at <= \(now) LIMIT \(batch)
                    FOR UPDATE SKIP LOCKED)
                RETURNING expires_at
                """)
            if deleted < batch { break }
        }
        while true {
            let deleted = try await deleteBatch(
                """
                DELETE FROM delivery WHERE id IN (
                    SELECT id FROM delivery WHERE expires_at <= \(now) LIMIT \(batch) FOR UPDATE SKIP LOCKED)
                RETURNING expires_at
                """)
            if deleted < batch { break }
        }
        return removed
    }

    private func deleteBatch(_ query: PostgresQuery) async throws -> Int {
        try await guarded("cleanup failed") {
            var count = 0
            for try await _ in try await client.query(query, logger: logger).decode(Int64.self) { count += 1 }
            return count
        }
    }
}
