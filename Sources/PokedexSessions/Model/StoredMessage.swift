import Foundation

/// A message as the store holds it.
public struct StoredMessage: Sendable, Equatable, Codable {
    /// Strictly increasing within a session (and across the store); the only ordering used.
    public var sequence: Int64
    public var role: MessageRole
    public var content: String
    /// When the message was stored, UTC, millisecond precision.
    public var timestamp: Date

    public init(sequence: Int64, role: MessageRole, content: String, timestamp: Date) {
        self.sequence = sequence
        self.role = role
        self.content = content
        self.timestamp = timestamp
    }
}
