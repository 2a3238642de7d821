/// Everything a session store can refuse or fail at, with messages an operator can act on.
public enum SessionStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The user or room identifier is unusable.
    case invalidSessionKey(String)
    /// The message is larger than `sessions.max_message_bytes`.
    case messageTooLarge(bytes: Int, limit: Int)
    /// A configuration value is out of range or unreadable.
    case invalidConfiguration(String)
    /// An import file was rejected; nothing was changed.
    case invalidArchive(SessionArchiveError)
    /// The database could not be opened, read or written. The text never contains message content.
    case storage(String)

    public var description: String {
        switch self {
        case .invalidSessionKey(let reason):
            "invalid session: \(reason)"
        case .messageTooLarge(let bytes, let limit):
            "message is \(bytes) bytes; the limit is \(limit) bytes (sessions.max_message_bytes)"
        case .invalidConfiguration(let reason):
            "invalid configuration: \(reason)"
        case .invalidArchive(let error):
            error.description
        case .storage(let reason):
            "session storage failed: \(reason)"
        }
    }
}
