import Foundation
import GRDB

extension SQLiteSessionStore {
    public func importSessions(_ sessions: [ArchivedSession]) async throws -> ImportSummary {
        try ImportPlan.validate(sessions, maxMessageBytes: configuration.maxMessageBytes)
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

/// How one archived session merges into what is stored: which messages are new, duplicate or expired,
/// and whether they can simply be appended. Shared by every backend.
public struct ImportPlan {
    /// Messages to add, in file order.
    public private(set) var added: [ArchivedMessage] = []
    public private(set) var duplicates = 0
    public private(set) var expired = 0
    /// True when every added message is no older than the newest stored one.
    public let appendsInOrder: Bool
    /// Stored and added messages together, in time order (stored first on equal times).
    public let merged: [ArchivedMessage]

    /// - Parameters:
    ///   - existing: the session's stored messages, oldest first.
    ///   - incoming: the archive's messages for that session, in file order.
    ///   - cutoff: messages stamped earlier (milliseconds since 1970) are expired.
    public init(existing: [StoredMessage], incoming: [ArchivedMessage], cutoff: Int64) {
        struct Identity: Hashable {
            var milliseconds: Int64
            var role: MessageRole
            var content: String
        }
        func identity(_ message: ArchivedMessage) -> Identity {
            Identity(
                milliseconds: Timestamp.milliseconds(message.timestamp), role: message.role, content: message.content)
        }
        let stored = existing.map(ArchivedMessage.init)
        var seen = Set(stored.map(identity))
        for message in incoming {
            if Timestamp.milliseconds(message.timestamp) < cutoff {
                expired += 1
            } else if seen.insert(identity(message)).inserted {
                added.append(message)
            } else {
                duplicates += 1
            }
        }
        let newestStored = stored.map { Timestamp.milliseconds($0.timestamp) }.max() ?? Int64.min
        appendsInOrder = added.allSatisfy { Timestamp.milliseconds($0.timestamp) >= newestStored }
        merged =
            appendsInOrder
            ? stored + added
            : (stored + added).enumerated()
                .sorted { ($0.element.timestamp, $0.offset) < ($1.element.timestamp, $1.offset) }
                .map(\.element)
    }

    /// Checks keys and sizes of a whole archive before anything is written.
    /// - Throws: ``SessionStoreError/invalidArchive(_:)`` naming the session and field.
    public static func validate(_ sessions: [ArchivedSession], maxMessageBytes: Int) throws(SessionStoreError) {
        for (index, session) in sessions.enumerated() {
            do {
                try session.key.validate()
            } catch {
                throw .invalidArchive(SessionArchiveError(field: "sessions[\(index)]", reason: error.description))
            }
            for (position, message) in session.messages.enumerated() where message.content.utf8.count > maxMessageBytes
            {
                throw .invalidArchive(
                    SessionArchiveError(
                        field: "sessions[\(index)].messages[\(position)].content",
                        reason: "message is \(message.content.utf8.count) bytes; the limit is \(maxMessageBytes)"))
            }
        }
    }
}
