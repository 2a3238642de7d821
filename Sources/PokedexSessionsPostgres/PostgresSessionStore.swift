import Foundation
import Logging
import PokedexSessions
import PostgresNIO
import ServiceLifecycle

/// Sessions in PostgreSQL (SPEC 1), for several Pokedex instances sharing state. Same behaviour as
/// the SQLite store (the same conformance suite passes against a real server); selected with
/// `POKEDEX_DATABASE=postgres://…`.
///
/// Writes to one session are serialised with a transaction-scoped advisory lock on the session's
/// key, so sequence numbers follow commit order and trimming never races; whole turns are kept
/// apart across replicas by ``withExclusiveTurn(_:_:)`` (a session-level advisory lock). Appends
/// arriving together are committed together (``PostgresAppendQueue``).
public final class PostgresSessionStore: SessionStore, Service, Sendable, CustomStringConvertible {
    /// ServiceLifecycle logs services by their description: a name, never the connection settings.
    public var description: String { "PostgresSessionStore" }

    public let configuration: SessionsConfiguration
    let client: PostgresClient
    let clock: any WallClock
    let logger: Logger
    private let appends: PostgresAppendQueue
    private let turnPermits = TurnPermits(PostgresURL.turnsAtOnce)
    private let running: Task<Void, Never>

    /// Connects (the pool runs until ``close()``) and brings the schema up to date.
    public init(
        configuration: SessionsConfiguration, clock: any WallClock = SystemWallClock(),
        logger: Logger = Logger(label: "pokedex.sessions.postgres")
    ) async throws {
        let url = try PostgresURL(configuration.database)
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        let client = PostgresClient(configuration: url.clientConfiguration, backgroundLogger: logger)
        self.client = client
        appends = PostgresAppendQueue { [cap = configuration.maxMessages, limit = configuration.busyTimeout] batch in
            try await Self.guarded("cannot store message", within: limit) {
                try await Self.write(batch, cap: cap, on: client, logger: logger)
            }
        }
        // Migrate only once the pool runs (a lease before that works, but PostgresNIO warns).
        let (started, start) = AsyncStream<Void>.makeStream()
        running = Task {
            start.finish()
            await client.run()
        }
        for await _ in started {}
        do {
            // One connection of its own first: the pool would keep retrying an unreachable server,
            // a rejected certificate or a wrong password, where an operator needs the reason now.
            try await Self.guarded(
                "cannot open \(PostgresURL.masked(configuration.database))", within: configuration.busyTimeout
            ) {
                let probe = try await PostgresConnection.connect(
                    configuration: try url.connectionConfiguration(), id: 0, logger: Logger.quiet)
                try? await probe.close()
            }
            try await PostgresSchema.migrate(client, logger: logger)
        } catch {
            running.cancel()
            throw Self.storageError(error, context: "cannot open \(PostgresURL.masked(configuration.database))")
        }
    }

    /// Closes the connection pool.
    public func close() { running.cancel() }

    /// As a service, the store keeps its pool open until the service group shuts down, then
    /// closes it. Listed first in the group, it is shut down last: turns finishing during the
    /// grace period are still stored.
    public func run() async throws {
        try? await gracefulShutdown()
        close()
    }

    deinit { running.cancel() }

    // MARK: Writing

    @discardableResult
    public func append(
        _ messages: [(role: MessageRole, content: String)], to key: SessionKey
    ) async throws
        -> [StoredMessage]
    {
        try configuration.checkAppend(messages, to: key)
        guard !messages.isEmpty else { return [] }
        let now = Timestamp.milliseconds(clock.currentDate)
        let ids = try await appends.append(
            PostgresAppendQueue.Append(
                key: key, roles: messages.map(\.role.rawValue),
                contents: messages.map { ByteBuffer(string: $0.content) },
                created: now))
        guard ids.count == messages.count else {
            throw SessionStoreError.storage("cannot store message: \(ids.count) ids for \(messages.count) messages")
        }
        return zip(ids, messages).map { id, message in
            StoredMessage(
                sequence: id, role: message.role, content: message.content, timestamp: Timestamp.date(milliseconds: now)
            )
        }
    }

    /// Stores a batch of appends in one round trip and one transaction (migration 4).
    private static func write(
        _ batch: [PostgresAppendQueue.Append], cap: Int, on client: PostgresClient, logger: Logger
    ) async throws -> [[Int64]] {
        var owners: [Int32] = []
        for (slot, append) in batch.enumerated() {
            owners += Array(repeating: Int32(slot + 1), count: append.roles.count)
        }
        let users = batch.map(\.key.user)
        let rooms = batch.map(\.key.room)
        let created = batch.map(\.created)
        let roles = batch.flatMap(\.roles)
        let contents = batch.flatMap(\.contents)
        let rows = try await client.query(
            """
            SELECT slot, message_id FROM pokedex_append_batch(
                \(users), \(rooms), \(created), \(owners), \(roles), \(contents), \(Int32(clamping: cap)))
            """, logger: logger)
        var ids = Array(repeating: [Int64](), count: batch.count)
        for try await (slot, id) in rows.decode((Int32, Int64).self) {
            guard ids.indices.contains(Int(slot) - 1) else {
                throw SessionStoreError.storage("unexpected slot \(slot)")
            }
            ids[Int(slot) - 1].append(id)
        }
        return ids
    }

    @discardableResult
    public func clear(_ key: SessionKey) async throws -> Int {
        try key.validate()
        let cutoff = cutoffMilliseconds()
        let cap = configuration.maxMessages
        return try await transaction("cannot clear the session") { connection in
            try await Self.lock(key, on: connection)
            guard let session = try await Self.sessionID(key, on: connection) else { return 0 }
            let live = try await Self.newestMessages(session: session, since: cutoff, limit: cap, on: connection).count
            try await connection.query("DELETE FROM message WHERE session_id = \(session)", logger: self.logger)
            return live
        }
    }

    @discardableResult
    public func delete(_ key: SessionKey) async throws -> Bool {
        try key.validate()
        return try await transaction("cannot delete the session") { connection in
            try await Self.lock(key, on: connection)
            let rows = try await connection.query(
                "DELETE FROM session WHERE user_name = \(key.user) AND room = \(key.room) RETURNING id",
                logger: self.logger)
            var deleted = false
            for try await _ in rows.decode(Int64.self) { deleted = true }
            return deleted
        }
    }

    public func checkWritable() async throws {
        let now = Timestamp.milliseconds(clock.currentDate)
        try await guarded("the store cannot be written") {
            try await client.query(
                """
                INSERT INTO health_check (id, checked_at) VALUES (1, \(now))
                ON CONFLICT (id) DO UPDATE SET checked_at = EXCLUDED.checked_at
                """, logger: logger)
        }
    }

    /// Runs `body` while holding the session's advisory lock on a connection of its own, so that a
    /// turn of this session on another replica waits until this one is stored. At most
    /// `PostgresURL.turnsAtOnce` turns hold a lock at once; later ones wait their turn here.
    public func withExclusiveTurn<T: Sendable>(_ key: SessionKey, _ body: () async throws -> T) async throws -> T {
        try await turnPermits.acquire()
        do {
            let value = try await lockedTurn(key, body)
            await turnPermits.release()
            return value
        } catch {
            await turnPermits.release()
            throw error
        }
    }

    private func lockedTurn<T: Sendable>(_ key: SessionKey, _ body: () async throws -> T) async throws -> T {
        let lockKey = Self.lockKey(key)
        // The turn itself is not time-limited here (the assistant's deadline does that), so check
        // first, within the busy timeout, that PostgreSQL answers at all.
        try await guarded("cannot lock the session") { try await client.query("SELECT 1", logger: logger) }
        do {
            return try await client.withConnection { connection in
                try await connection.run(
                    "SELECT pg_advisory_lock(hashtextextended(\(lockKey), \(Self.turnLockSeed)))", logger: logger)
                // Once the turn has run, nothing may throw: the caller must not run it again. (If
                // the unlock cannot be sent, the server drops the lock with the connection.)
                let value: Result<T, any Error>
                do {
                    value = .success(try await body())
                } catch {
                    value = .failure(error)
                }
                try? await connection.run(
                    "SELECT pg_advisory_unlock(hashtextextended(\(lockKey), \(Self.turnLockSeed)))", logger: logger)
                return try value.get()
            }
        } catch {
            throw Self.storageError(error, context: "cannot lock the session")
        }
    }

    // MARK: Reading

    public func history(of key: SessionKey) async throws -> [StoredMessage] {
        try key.validate()
        let cutoff = cutoffMilliseconds()
        let cap = configuration.maxMessages
        // One round trip: the context read is on every turn's path.
        return try await guarded("cannot read the session") {
            let rows = try await client.query(
                """
                SELECT m.id, m.role, m.content, m.created_at FROM message m JOIN session s ON s.id = m.session_id
                WHERE s.user_name = \(key.user) AND s.room = \(key.room) AND m.created_at >= \(cutoff)
                ORDER BY m.id DESC LIMIT \(cap)
                """, logger: logger)
            return try await Self.messages(rows).reversed()
        }
    }

    // MARK: Helpers

    /// Turn locks and write locks of a session are different locks (a turn's own writes must not
    /// wait for the turn): the same key hashed with another seed.
    static let turnLockSeed: Int64 = 1

    /// The session's key as one text (a unit separator between user and room, which a valid key
    /// cannot contain), for advisory locks.
    static func lockKey(_ key: SessionKey) -> String { key.user + "\u{1F}" + key.room }

    /// Serialises writers of one session until the transaction ends.
    static func lock(_ key: SessionKey, on connection: PostgresConnection) async throws {
        try await connection.run(
            "SELECT pg_advisory_xact_lock(hashtextextended(\(lockKey(key)), 0))", logger: Logger.quiet)
    }

    static func upsertSession(
        _ key: SessionKey, activity: Int64, on connection: PostgresConnection
    ) async throws
        -> Int64
    {
        let rows = try await connection.query(
            """
            INSERT INTO session (user_name, room, created_at, last_activity)
            VALUES (\(key.user), \(key.room), \(activity), \(activity))
            ON CONFLICT (user_name, room) DO UPDATE
                SET last_activity = GREATEST(session.last_activity, EXCLUDED.last_activity)
            RETURNING id
            """, logger: Logger.quiet)
        for try await id in rows.decode(Int64.self) { return id }
        throw SessionStoreError.storage("the session row was not created")
    }

    static func sessionID(_ key: SessionKey, on connection: PostgresConnection) async throws -> Int64? {
        let rows = try await connection.query(
            "SELECT id FROM session WHERE user_name = \(key.user) AND room = \(key.room)", logger: Logger.quiet)
        for try await id in rows.decode(Int64.self) { return id }
        return nil
    }

    /// Deletes all but the newest `cap` messages of a session.
    static func trim(session: Int64, to cap: Int, on connection: PostgresConnection) async throws {
        try await connection.query(
            """
            DELETE FROM message WHERE session_id = \(session) AND id <=
                (SELECT id FROM message WHERE session_id = \(session) ORDER BY id DESC OFFSET \(cap) LIMIT 1)
            """, logger: Logger.quiet)
    }

    /// The newest live messages of a session, oldest first.
    static func newestMessages(
        session: Int64, since cutoff: Int64, limit: Int, on connection: PostgresConnection
    ) async throws -> [StoredMessage] {
        let rows = try await connection.query(
            """
            SELECT id, role, content, created_at FROM message
            WHERE session_id = \(session) AND created_at >= \(cutoff) ORDER BY id DESC LIMIT \(limit)
            """, logger: Logger.quiet)
        return try await messages(rows).reversed()
    }

    /// Rows of (id, role, content, created_at) as messages, in the rows' order.
    static func messages(_ rows: PostgresRowSequence) async throws -> [StoredMessage] {
        var messages: [StoredMessage] = []
        for try await (id, roleText, content, created) in rows.decode((Int64, String, ByteBuffer, Int64).self) {
            guard let role = MessageRole(rawValue: roleText) else {
                throw SessionStoreError.storage("unknown role '\(roleText)' in message \(id)")
            }
            messages.append(
                StoredMessage(
                    sequence: id, role: role, content: String(buffer: content),
                    timestamp: Timestamp.date(milliseconds: created)))
        }
        return messages
    }

    func cutoffMilliseconds() -> Int64 {
        configuration.expiryCutoff(at: clock.currentDate)
    }

    /// Runs `body` in one transaction on a pooled connection.
    func transaction<T: Sendable>(_ context: String, _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await guarded(context) {
            try await client.withTransaction(logger: logger) { connection in try await body(connection) }
        }
    }

    /// Runs a store operation within `sessions.busy_timeout`: while PostgreSQL is down the pool
    /// keeps trying to connect, and a caller must get a clear error instead of waiting forever.
    @discardableResult
    func guarded<T: Sendable>(_ context: String, _ operation: () async throws -> T) async throws -> T {
        try await Self.guarded(context, within: configuration.busyTimeout, operation)
    }

    static func guarded<T: Sendable>(
        _ context: String, within limit: Duration, _ operation: () async throws -> T
    ) async throws -> T {
        do {
            return try await withoutActuallyEscaping(operation) { operation in
                // The child task ends before this scope does, so handing it the closure is safe.
                let work = UncheckedBox(operation)
                return try await withThrowingTaskGroup(of: T?.self) { group in
                    group.addTask { try await work.value() }
                    group.addTask {
                        try await Task.sleep(for: limit)
                        return nil
                    }
                    defer { group.cancelAll() }
                    guard let first = try await group.next(), let value = first else {
                        throw SessionStoreError.storage("\(context): PostgreSQL did not answer within \(limit)")
                    }
                    return value
                }
            }
        } catch {
            throw storageError(error, context: context)
        }
    }

    /// Why a connection failed, in an operator's words (the underlying error names host and port,
    /// never the password).
    static func connectionProblem(_ error: PSQLError) -> String {
        switch error.code {
        case .sslUnsupported:
            return "the server does not offer TLS, which this sslmode requires"
        case .connectionError, .failedToAddSSLHandler:
            let underlying = error.underlying.map { "\($0)" } ?? "no detail"
            if error.underlying is NIOSSLError || underlying.contains("CERTIFICATE_VERIFY_FAILED") {
                return "the TLS handshake failed (\(underlying)); with sslmode verify-ca or verify-full the "
                    + "server's certificate must be signed by a CA in sslrootcert or the system's trust store"
            }
            return "cannot connect (\(underlying))"
        default:
            return "PostgreSQL is unreachable or closed the connection"
        }
    }

    /// A ``SessionStoreError`` with the server's own message: never the SQL, its arguments (which
    /// hold message text) or the password.
    static func storageError(_ error: any Error, context: String) -> any Error {
        switch error {
        case let error as SessionStoreError: return error
        case is CancellationError: return error
        case let error as PSQLError:
            if let message = error.serverInfo?[.message] {
                return SessionStoreError.storage("\(context): \(message)")
            }
            return SessionStoreError.storage("\(context): \(connectionProblem(error))")
        case let error as PostgresTransactionError:
            return storageError(
                error.closureError ?? error.beginError ?? error.commitError ?? error.rollbackError ?? error,
                context: context)
        default:
            return SessionStoreError.storage("\(context): \(type(of: error))")
        }
    }
}

extension PostgresConnection {
    /// Runs a statement to its end. `query` returns as soon as a result's columns are known; what a
    /// function does (a lock taken) and its errors arrive with the rows.
    func run(_ query: PostgresQuery, logger: Logger) async throws {
        for try await _ in try await self.query(query, logger: logger) {}
    }
}

extension Logger {
    /// For queries whose failures are reported as errors anyway.
    static let quiet = Logger(label: "pokedex.sessions.postgres.query", factory: { _ in SwiftLogNoOpLogHandler() })
}

/// A value passed to a child task that provably ends before the value's scope.
private struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
