import Foundation
import GRDB

extension SQLiteSessionStore {
    public func importSessions(_ sessions: [ArchivedSession]) async throws -> ImportSummary {
        try ImportPlan.validate(sessions, maxMessageBytes: configuration.maxMessageBytes, now: clock.currentDate)
        let cutoff = cutoffMilliseconds()
        let cap = configuration.maxMessages
        let now = Timestamp.milliseconds(clock.currentDate)
        return try await guarded {
            try await pool.write { db in
                var summary = ImportSummary()
                summary.sessions = sessions.count
                for session in sessions {
                    try Self.importSession(session, cutoff: cutoff, cap: cap, now: now, into: db, summary: &summary)
                }
                return summary
            }
        }
    }

    private static func importSession(
        _ session: ArchivedSession, cutoff: Int64, cap: Int, now: Int64, into db: Database,
        summary: inout ImportSummary
    ) throws {
        let id = try sessionID(session.key, in: db)
        let existing = try id.map { try newestMessages(session: $0, since: Int64.min, limit: Int.max, in: db) } ?? []
        let plan = ImportPlan(existing: existing, incoming: session.messages, cutoff: cutoff)
        summary.duplicates += plan.duplicates
        summary.expired += plan.expired
        summary.imported += plan.added.count
        guard !plan.added.isEmpty else { return }

        let newest = plan.added.map { Timestamp.milliseconds($0.timestamp) }.max() ?? now
        let sessionID = try upsertSession(session.key, activity: newest, in: db)
        let rows: [ArchivedMessage]
        if plan.appendsInOrder {
            rows = plan.added
        } else {
            // Older messages arrived: rebuild the session in time order (stable, so ties keep their order).
            try db.execute(sql: "DELETE FROM message WHERE session_id = ?", arguments: [sessionID])
            rows = plan.merged
        }
        let insert = try db.cachedStatement(
            sql: "INSERT INTO message (session_id, role, content, created_at) VALUES (?, ?, coalesce(?, X''), ?)")
        for message in rows {
            try insert.execute(arguments: [
                sessionID, message.role.rawValue, Data(message.content.utf8), Timestamp.milliseconds(message.timestamp),
            ])
        }
        try trim(session: sessionID, to: cap, in: db)
    }
}
