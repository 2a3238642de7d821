import Foundation

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

    /// Checks keys, sizes and dates of a whole archive before anything is written.
    /// - Throws: ``SessionStoreError/invalidArchive(_:)`` naming the session and field.
    public static func validate(
        _ sessions: [ArchivedSession], maxMessageBytes: Int, now: Date
    ) throws(SessionStoreError) {
        for (index, session) in sessions.enumerated() {
            if let problem = session.problem(maxMessageBytes: maxMessageBytes, now: now) {
                let field = "sessions[\(index)]" + (problem.field.isEmpty ? "" : "." + problem.field)
                throw .invalidArchive(SessionArchiveError(field: field, reason: problem.reason))
            }
        }
    }
}
