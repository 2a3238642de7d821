import Foundation

/// A session in the export/import format (`{"user","room","messages":[…]}`).
public struct ArchivedSession: Sendable, Equatable, Codable {
    public var user: String
    public var room: String
    public var messages: [ArchivedMessage]

    public init(user: String, room: String, messages: [ArchivedMessage]) {
        self.user = user
        self.room = room
        self.messages = messages
    }

    public init(key: SessionKey, messages: [StoredMessage]) {
        self.init(user: key.user, room: key.room, messages: messages.map(ArchivedMessage.init))
    }

    public var key: SessionKey { SessionKey(user: user, room: room) }

    /// How far ahead of this machine's clock a message may be dated (another machine's clock).
    public static let clockSkew: TimeInterval = 300

    /// The first reason this session cannot be stored, if any: the field (empty for the key itself,
    /// else relative, e.g. `messages[2].content`) and the reason. A message dated in the future
    /// would never expire.
    func problem(maxMessageBytes: Int, now: Date) -> (field: String, reason: String)? {
        do {
            try key.validate()
        } catch {
            return ("", error.description)
        }
        for (index, message) in messages.enumerated() where message.timestamp > now.addingTimeInterval(Self.clockSkew) {
            return (
                "messages[\(index)].timestamp",
                "\(Timestamp.iso8601(message.timestamp)) is in the future (more than 5 minutes ahead of this machine's clock)"
            )
        }
        for (index, message) in messages.enumerated() where message.content.utf8.count > maxMessageBytes {
            return (
                "messages[\(index)].content",
                "message is \(message.content.utf8.count) bytes; the limit is \(maxMessageBytes)"
            )
        }
        return nil
    }
}

/// A message in the export/import format (`{"role","content","timestamp"}`); the timestamp is
/// ISO 8601 UTC with milliseconds.
public struct ArchivedMessage: Sendable, Equatable, Codable {
    public var role: MessageRole
    public var content: String
    public var timestamp: Date

    public init(role: MessageRole, content: String, timestamp: Date) {
        self.role = role
        self.content = content
        self.timestamp = timestamp
    }

    public init(_ message: StoredMessage) {
        self.init(role: message.role, content: message.content, timestamp: message.timestamp)
    }

    enum CodingKeys: String, CodingKey { case role, content, timestamp }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let roleText = try container.decode(String.self, forKey: .role)
        guard let role = MessageRole(rawValue: roleText) else {
            throw DecodingError.dataCorruptedError(
                forKey: .role, in: container,
                debugDescription: "unknown role '\(roleText)' (expected one of \(MessageRole.accepted))")
        }
        let stamp = try container.decode(String.self, forKey: .timestamp)
        guard let date = Timestamp.parse(stamp) else {
            throw DecodingError.dataCorruptedError(
                forKey: .timestamp, in: container,
                debugDescription: "'\(stamp)' is not an ISO 8601 time such as 2026-11-25T09:11:40.123Z")
        }
        self.role = role
        self.content = try container.decode(String.self, forKey: .content)
        self.timestamp = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(role, forKey: .role)
        try container.encode(content, forKey: .content)
        try container.encode(Timestamp.iso8601(timestamp), forKey: .timestamp)
    }
}
