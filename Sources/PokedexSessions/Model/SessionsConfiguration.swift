import Foundation
import PokedexSettings

/// The session layer's settings. Every number is a configuration key (`sessions.*` in the file,
/// `POKEDEX_SESSIONS_*` in the environment); the defaults are those of the specification.
public struct SessionsConfiguration: Sendable, Equatable {
    /// How hard a write is pushed to disk before it is acknowledged.
    public enum Durability: String, Sendable, CaseIterable {
        /// Survives `kill -9` and power loss: WAL with `synchronous=FULL` (fsync on every commit).
        case full
        /// Survives `kill -9`; the last commits may be lost on power loss (`synchronous=NORMAL`).
        case normal
    }

    /// What one conversation is in a Webex room.
    public enum Scope: String, Sendable, CaseIterable {
        /// One conversation per user and room, threads included.
        case room
        /// One conversation per user and thread (a message outside a thread starts one).
        case thread
    }

    /// SQLite file path (or, with the PostgreSQL backend, a `postgres://` URL). `POKEDEX_DATABASE`.
    public var database = "./.pokedex/pokedex.db"
    /// Messages kept per session; the newest are kept. `sessions.max_messages`.
    public var maxMessages = 30
    /// Age after which messages leave the context and are deleted by cleanup. `sessions.timeout`.
    public var timeout: Duration = .seconds(24 * 3600)
    /// Most messages handed to the model. `sessions.context_messages`.
    public var contextMessages = 20
    /// Most characters handed to the model. `sessions.context_chars`.
    public var contextCharacters = 4000
    /// How often the background janitor runs cleanup. `sessions.cleanup_interval`.
    public var cleanupInterval: Duration = .seconds(600)
    /// Messages deleted per cleanup transaction, so cleanup never holds the writer for long.
    /// `sessions.cleanup_batch`.
    public var cleanupBatchSize = 2000
    /// `sessions.durability`.
    public var durability = Durability.full
    /// How long a write waits for another process holding the database lock. `sessions.busy_timeout`.
    public var busyTimeout: Duration = .seconds(10)
    /// Largest message accepted, in UTF-8 bytes. `sessions.max_message_bytes`.
    public var maxMessageBytes = 1_048_576
    /// `sessions.scope`.
    public var scope = Scope.room

    public init() {}

    /// Every `sessions.*` setting (and `database`), declared once.
    public static let settings = SettingsTable<SessionsConfiguration>([
        .text("database", "POKEDEX_DATABASE", \.database, required: true),
        .integer("sessions.max_messages", "POKEDEX_SESSIONS_MAX_MESSAGES", \.maxMessages, in: 1...10_000_000),
        // Shorter than a minute would expire a conversation while it is going on.
        .duration("sessions.timeout", "POKEDEX_SESSIONS_TIMEOUT", \.timeout, in: .seconds(60)...SettingParser.durations.upperBound),
        .integer("sessions.context_messages", "POKEDEX_SESSIONS_CONTEXT_MESSAGES", \.contextMessages, in: 1...10_000_000),
        .integer("sessions.context_chars", "POKEDEX_SESSIONS_CONTEXT_CHARS", \.contextCharacters, in: 1...100_000_000),
        .duration("sessions.cleanup_interval", "POKEDEX_SESSIONS_CLEANUP_INTERVAL", \.cleanupInterval),
        .integer("sessions.cleanup_batch", "POKEDEX_SESSIONS_CLEANUP_BATCH", \.cleanupBatchSize, in: 1...1_000_000),
        .choice("sessions.durability", "POKEDEX_SESSIONS_DURABILITY", \.durability),
        .duration("sessions.busy_timeout", "POKEDEX_SESSIONS_BUSY_TIMEOUT", \.busyTimeout, in: .milliseconds(1)...(.seconds(3600))),
        .integer("sessions.max_message_bytes", "POKEDEX_SESSIONS_MAX_MESSAGE_BYTES", \.maxMessageBytes, in: 1...(256 << 20)),
        .choice("sessions.scope", "POKEDEX_SESSIONS_SCOPE", \.scope),
    ])

    /// Applies one `key = value` setting, as read from a file or the environment.
    /// - Throws: ``SessionStoreError/invalidConfiguration(_:)`` naming the key and the accepted values.
    public mutating func set(_ key: String, to value: String) throws(SessionStoreError) {
        do throws(SettingError) {
            guard try Self.settings.set(key, to: value, in: &self) else {
                throw SettingError(key: key, message: "is not a sessions setting")
            }
        } catch {
            throw .invalidConfiguration(error.description)
        }
    }

    /// Reads every `POKEDEX_*` variable this layer knows from an environment, then validates.
    public mutating func apply(environment: [String: String]) throws(SessionStoreError) {
        do throws(SettingError) {
            try Self.settings.apply(environment: environment, to: &self)
        } catch {
            throw .invalidConfiguration(error.description)
        }
        try validate()
    }

    /// Every key and its value as text, for `config check`.
    public var values: [(key: String, value: String)] { Self.settings.values(of: self) }

    /// Messages stamped before this instant (milliseconds since 1970) are expired at `now`.
    public func expiryCutoff(at now: Date) -> Int64 {
        Timestamp.milliseconds(now) - timeout.milliseconds
    }

    /// Checks messages about to be appended to a session: a valid key, and no message over
    /// `maxMessageBytes`. Every store calls this before it writes anything.
    public func checkAppend(
        _ messages: [(role: MessageRole, content: String)], to key: SessionKey
    )
        throws(SessionStoreError)
    {
        try key.validate()
        for message in messages where message.content.utf8.count > maxMessageBytes {
            throw .messageTooLarge(bytes: message.content.utf8.count, limit: maxMessageBytes)
        }
    }

    /// Checks that the values fit together.
    public func validate() throws(SessionStoreError) {
        if database.isEmpty { throw .invalidConfiguration("database must not be empty") }
        if contextMessages > maxMessages {
            throw .invalidConfiguration(
                "sessions.context_messages (\(contextMessages)) cannot exceed sessions.max_messages (\(maxMessages))")
        }
        if timeout <= .zero || cleanupInterval <= .zero {
            throw .invalidConfiguration("sessions.timeout and sessions.cleanup_interval must be positive")
        }
    }
}

/// Printed (in a log line that shows a service, by `dump`) as its database without the password.
extension SessionsConfiguration: CustomReflectable {
    public var customMirror: Mirror {
        Mirror(self, children: ["database": Secret.maskingPassword(in: database)], displayStyle: .struct)
    }
}
