import Foundation

/// Figures for the whole store (SPEC 1.4 `stats`). Counts are of what is stored; messages past
/// `sessions.timeout` are included until cleanup removes them.
public struct StoreStatistics: Sendable, Equatable, Codable {
    public var totalSessions: Int
    public var totalMessages: Int
    /// Sessions with a message in the last `sessions.timeout`.
    public var activeSessions: Int
    public var oldestMessage: Date?
    public var newestMessage: Date?
    /// The database file path, or its URL without the password.
    public var database: String
    /// The database on disk, including its write-ahead log.
    public var databaseSizeBytes: Int64

    public init(
        totalSessions: Int, totalMessages: Int, activeSessions: Int, oldestMessage: Date?,
        newestMessage: Date?, database: String, databaseSizeBytes: Int64
    ) {
        self.totalSessions = totalSessions
        self.totalMessages = totalMessages
        self.activeSessions = activeSessions
        self.oldestMessage = oldestMessage
        self.newestMessage = newestMessage
        self.database = database
        self.databaseSizeBytes = databaseSizeBytes
    }

    enum CodingKeys: String, CodingKey {
        case totalSessions = "total_sessions", totalMessages = "total_messages"
        case activeSessions = "active_sessions", oldestMessage = "oldest_message"
        case newestMessage = "newest_message", database, databaseSizeBytes = "database_size_bytes"
    }
}

/// One session as an operator sees it (SPEC 1.4 per-session `stats`); only live messages count.
public struct SessionStatistics: Sendable, Equatable, Codable {
    public var user: String
    public var room: String
    public var messageCount: Int
    public var firstMessage: Date?
    public var lastMessage: Date?
    /// The newest five messages, oldest first.
    public var recentMessages: [StoredMessage]

    public init(
        user: String, room: String, messageCount: Int, firstMessage: Date?, lastMessage: Date?,
        recentMessages: [StoredMessage]
    ) {
        self.user = user
        self.room = room
        self.messageCount = messageCount
        self.firstMessage = firstMessage
        self.lastMessage = lastMessage
        self.recentMessages = recentMessages
    }

    /// How many recent messages the statistics carry.
    public static let recentCount = 5

    enum CodingKeys: String, CodingKey {
        case user, room, messageCount = "message_count", firstMessage = "first_message"
        case lastMessage = "last_message", recentMessages = "recent_messages"
    }
}

/// One line of a session listing.
public struct SessionSummary: Sendable, Equatable, Codable {
    public var user: String
    public var room: String
    public var messageCount: Int
    public var firstMessage: Date?
    public var lastMessage: Date?

    public init(user: String, room: String, messageCount: Int, firstMessage: Date?, lastMessage: Date?) {
        self.user = user
        self.room = room
        self.messageCount = messageCount
        self.firstMessage = firstMessage
        self.lastMessage = lastMessage
    }

    enum CodingKeys: String, CodingKey {
        case user, room, messageCount = "message_count", firstMessage = "first_message"
        case lastMessage = "last_message"
    }
}

/// What an import did.
public struct ImportSummary: Sendable, Equatable, Codable {
    /// Sessions in the file.
    public var sessions = 0
    /// Messages added.
    public var imported = 0
    /// Messages already present (the same time, role and content), so not added again.
    public var duplicates = 0
    /// Messages older than `sessions.timeout`, which are not imported.
    public var expired = 0

    public init() {}
}
