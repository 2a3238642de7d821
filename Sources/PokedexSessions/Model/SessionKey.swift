/// Identifies one conversation: a (user, room) pair, stored as two separate columns so that
/// `("a_b", "c")` and `("a", "b_c")` can never collide.
public struct SessionKey: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The longest user or room identifier accepted, in UTF-8 bytes.
    public static let maxComponentBytes = 512

    /// The user (for Webex: the person's email or id; for the CLI: the OS user).
    public let user: String
    /// The room (for Webex: the room id, optionally scoped to a thread).
    public let room: String

    /// Creates a key; it is checked by ``validate()`` before any store uses it.
    public init(user: String, room: String) {
        self.user = user
        self.room = room
    }

    public var description: String { "user '\(user)' in room '\(room)'" }

    /// Checks that both parts are usable identifiers.
    /// - Throws: ``SessionStoreError/invalidSessionKey(_:)`` naming the part and the problem.
    public func validate() throws(SessionStoreError) {
        try Self.check(user, name: "user")
        try Self.check(room, name: "room")
    }

    /// Checks one part (`name` is `user` or `room`), so a channel can say which field is wrong.
    public static func check(_ value: String, name: String) throws(SessionStoreError) {
        if value.isEmpty {
            throw .invalidSessionKey("\(name) must not be empty")
        }
        if value.utf8.count > maxComponentBytes {
            throw .invalidSessionKey("\(name) is \(value.utf8.count) bytes; the limit is \(maxComponentBytes)")
        }
        // Control characters in identifiers are never legitimate and break logs and tables.
        if value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw .invalidSessionKey("\(name) must not contain control characters")
        }
    }
}
