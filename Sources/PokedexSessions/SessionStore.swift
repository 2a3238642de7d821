import Foundation

/// Persistent conversations (SPEC section 1). Every backend (SQLite, PostgreSQL) implements this
/// and passes the same conformance suite.
///
/// Reads never return more than `maxMessages` messages of a session nor any message older than
/// `timeout`; both are enforced by every read, not only by cleanup.
public protocol SessionStore: Sendable {
    /// The settings the store was opened with.
    var configuration: SessionsConfiguration { get }

    /// Stores several messages of one session together (a turn: the question and its answer),
    /// in order and all or none; when this returns, they are durable.
    @discardableResult
    func append(
        _ messages: [(role: MessageRole, content: String)], to key: SessionKey
    ) async throws
        -> [StoredMessage]

    /// The live messages of a session, oldest first, at most `maxMessages`.
    func history(of key: SessionKey) async throws -> [StoredMessage]

    /// Removes a session's messages but keeps the session.
    /// - Returns: how many live messages were removed.
    @discardableResult
    func clear(_ key: SessionKey) async throws -> Int

    /// Removes a session and its messages.
    /// - Returns: whether the session existed.
    @discardableResult
    func delete(_ key: SessionKey) async throws -> Bool

    /// Figures for the whole store.
    func statistics() async throws -> StoreStatistics

    /// Figures for one session, or nil when it does not exist.
    func statistics(for key: SessionKey) async throws -> SessionStatistics?

    /// Sessions in (user, room) order, after `cursor`, at most `limit` — a page of a listing.
    func sessions(after cursor: SessionKey?, limit: Int) async throws -> [SessionSummary]

    /// Sessions with their live messages in (user, room) order, after `cursor`, at most `limit`:
    /// a page of an export.
    func archivedSessions(after cursor: SessionKey?, limit: Int) async throws -> [ArchivedSession]

    /// Adds the sessions of an archive in one transaction: everything or, on any error, nothing.
    /// Messages already present are not added twice.
    func importSessions(_ sessions: [ArchivedSession]) async throws -> ImportSummary

    /// Deletes expired messages (and sessions left empty) in bounded batches.
    /// - Returns: how many messages were removed.
    @discardableResult
    func cleanup() async throws -> Int

    /// Writes to the store (not to any session) and waits until it is durable: the `status`
    /// command's proof that the store can take new messages.
    func checkWritable() async throws

    /// Keeps a small value for a session until `expires` (replacing one of the same `kind`), where
    /// every process sharing the store finds it: a containment request waiting for the user's
    /// confirmation, which may arrive at another replica.
    func hold(_ value: Data, as kind: String, for key: SessionKey, until expires: Date) async throws

    /// Removes and returns the value held for a session, or nil when there is none or it expired
    /// before `now`. A held value is taken at most once, even by processes racing for it.
    func takeHeld(_ kind: String, for key: SessionKey, at now: Date) async throws -> Data?

    /// Records that a delivery (a Webex message id) is being answered, and says whether this is
    /// the first time: true once per id until `expires`, across restarts and every process sharing
    /// the store, so a message delivered again (Webex and proxies retry) is answered once.
    func claimDelivery(_ id: String, until expires: Date, at now: Date) async throws -> Bool

    /// Takes or renews a lease (one holder among the processes sharing the store, such as the one
    /// that holds the Webex websocket): true when `holder` holds `name` until `expires` — it was
    /// free, expired before `now`, or already `holder`'s. A holder that dies loses it when it expires.
    func holdLease(_ name: String, holder: String, until expires: Date, at now: Date) async throws -> Bool

    /// Gives a lease up at once (a clean shutdown), if `holder` holds it.
    func releaseLease(_ name: String, holder: String) async throws

    /// Runs one turn of a session (read the context, answer, store) so that no other process
    /// sharing the store runs a turn of the same session meanwhile. Within one process the
    /// assistant already queues a session's turns; a store shared by several processes adds a lock.
    func withExclusiveTurn<T: Sendable>(_ key: SessionKey, _ body: () async throws -> T) async throws -> T
}

extension SessionStore {
    /// Stores a message; when this returns, the message is durable.
    /// - Returns: the stored message with its sequence number and timestamp.
    /// - Throws: ``SessionStoreError`` for an invalid key, an oversized message or a storage failure.
    @discardableResult
    public func append(_ role: MessageRole, _ content: String, to key: SessionKey) async throws -> StoredMessage {
        try await append([(role, content)], to: key)[0]
    }

    /// One process per store: the assistant's own queue is enough.
    public func withExclusiveTurn<T: Sendable>(_ key: SessionKey, _ body: () async throws -> T) async throws -> T {
        try await body()
    }

    /// The messages the language model receives for a session (SPEC 1.3).
    public func context(for key: SessionKey) async throws -> [StoredMessage] {
        ContextWindow(configuration).select(from: try await history(of: key))
    }

    /// One session as an archive entry, or nil when it does not exist.
    public func archivedSession(_ key: SessionKey) async throws -> ArchivedSession? {
        guard try await statistics(for: key) != nil else { return nil }
        return ArchivedSession(key: key, messages: try await history(of: key))
    }
}
