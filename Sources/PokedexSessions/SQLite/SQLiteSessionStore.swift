import Foundation
import GRDB
import PokedexSettings

/// The default ``SessionStore``: one SQLite file in WAL mode, written through GRDB's single writer
/// with group commit, read through a pool of concurrent readers.
///
/// Other processes (the CLI running `sessions cleanup` while the server runs) may use the same file:
/// writes take the lock up front (`BEGIN IMMEDIATE`) and wait up to `sessions.busy_timeout` for it.
public final class SQLiteSessionStore: SessionStore {
    public let configuration: SessionsConfiguration
    /// The absolute path of the database file.
    public let path: String
    let pool: DatabasePool
    let clock: any WallClock
    let appends: GroupCommit<PendingAppend, [StoredMessage]>

    /// Opens (creating if needed) the database at `configuration.database` and migrates it.
    /// - Parameters:
    ///   - configuration: the `sessions.*` settings.
    ///   - clock: the source of timestamps and of "now" for expiry.
    /// - Throws: ``SessionStoreError`` when the settings are invalid or the file cannot be opened.
    public init(configuration: SessionsConfiguration = .init(), clock: any WallClock = SystemWallClock()) throws {
        try configuration.validate()
        if let scheme = configuration.database.range(of: "://").map({ configuration.database[..<$0.lowerBound] }) {
            // Never echo the URL: it may carry a password.
            throw SessionStoreError.invalidConfiguration(
                "database is a \(scheme):// URL; the SQLite store needs a file path")
        }
        let url = URL(fileURLWithPath: configuration.database).standardizedFileURL
        self.configuration = configuration
        self.path = url.path
        self.clock = clock
        do {
            try FileManager.default.createDirectory(
                at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            pool = try DatabasePool(path: url.path, configuration: Self.grdbConfiguration(configuration))
            let synchronous = configuration.durability == .full ? "FULL" : "NORMAL"
            try pool.writeWithoutTransaction { db in
                // GRDB sets synchronous=NORMAL when it enables WAL; all writes go through this one
                // connection, so setting it here decides the durability of every commit.
                try db.execute(sql: "PRAGMA synchronous = \(synchronous)")
                // Lets cleanup hand pages back to the disk. A new file needs a VACUUM for it to take
                // effect, because GRDB's WAL set-up has already created (and dropped) a table.
                if try !db.tableExists("session"), try Int.fetchOne(db, sql: "PRAGMA auto_vacuum") != 2 {
                    try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL; VACUUM")
                }
            }
            try SQLiteSchema.migrator.migrate(pool)
        } catch {
            throw Self.storageError(error, context: "cannot open \(url.path)")
        }
        let cap = configuration.maxMessages
        appends = GroupCommit(pool: pool, mapError: { Self.storageError($0, context: "cannot store message") }) {
            db, requests in try requests.map { try Self.insert($0, into: db, cap: cap) }
        }
    }

    private static func grdbConfiguration(_ settings: SessionsConfiguration) -> Configuration {
        var configuration = Configuration()
        configuration.label = "pokedex-sessions"
        configuration.busyMode = .timeout(Double(settings.busyTimeout.milliseconds) / 1000)
        configuration.prepareDatabase { db in
            // Keep the write-ahead log from staying large after a burst of writes or a cleanup.
            try db.execute(sql: "PRAGMA journal_size_limit = 67108864")
        }
        return configuration
    }

    /// Closes the database; later calls fail.
    public func close() throws {
        try pool.close()
    }

    // MARK: Writing

    /// One or more messages of one session, committed together.
    struct PendingAppend: Sendable {
        var key: SessionKey
        var messages: [(role: MessageRole, content: String)]
        var milliseconds: Int64
    }

    @discardableResult
    public func append(
        _ messages: [(role: MessageRole, content: String)], to key: SessionKey
    ) async throws
        -> [StoredMessage]
    {
        try configuration.checkAppend(messages, to: key)
        guard !messages.isEmpty else { return [] }
        let now = Timestamp.milliseconds(clock.currentDate)
        return try await appends.submit(PendingAppend(key: key, messages: messages, milliseconds: now))
    }

    private static func insert(_ request: PendingAppend, into db: Database, cap: Int) throws -> [StoredMessage] {
        let sessionID = try upsertSession(request.key, activity: request.milliseconds, in: db)
        var stored: [StoredMessage] = []
        for message in request.messages {
            try db.cachedStatement(
                sql: "INSERT INTO message (session_id, role, content, created_at) VALUES (?, ?, coalesce(?, X''), ?)"
            ).execute(arguments: [sessionID, message.role.rawValue, Data(message.content.utf8), request.milliseconds])
            stored.append(
                StoredMessage(
                    sequence: db.lastInsertedRowID, role: message.role, content: message.content,
                    timestamp: Timestamp.date(milliseconds: request.milliseconds)))
        }
        try trim(session: sessionID, to: cap, in: db)
        return stored
    }

    /// The session's row id, creating the row on first use. `last_activity` is rewritten only when
    /// it is a minute old, so most appends leave the session row (and its page) untouched.
    static func upsertSession(_ key: SessionKey, activity: Int64, in db: Database) throws -> Int64 {
        let existing = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT id, last_activity FROM session WHERE user = ? AND room = ?"),
            arguments: [key.user, key.room])
        if let existing {
            let id: Int64 = existing["id"]
            if activity - (existing["last_activity"] as Int64) >= activityResolution {
                try db.cachedStatement(sql: "UPDATE session SET last_activity = ? WHERE id = ?")
                    .execute(arguments: [activity, id])
            }
            return id
        }
        try db.cachedStatement(sql: "INSERT INTO session (user, room, created_at, last_activity) VALUES (?, ?, ?, ?)")
            .execute(arguments: [key.user, key.room, activity, activity])
        return db.lastInsertedRowID
    }

    /// How stale `session.last_activity` may be, in milliseconds (it feeds "active sessions" and
    /// the removal of idle empty sessions, neither of which needs more precision).
    static let activityResolution: Int64 = 60_000

    /// Deletes all but the newest `cap` messages of a session.
    static func trim(session: Int64, to cap: Int, in db: Database) throws {
        try db.cachedStatement(
            sql: """
                DELETE FROM message WHERE session_id = ?1 AND id <=
                    (SELECT id FROM message WHERE session_id = ?1 ORDER BY id DESC LIMIT 1 OFFSET ?2)
                """
        ).execute(arguments: [session, cap])
    }

    @discardableResult
    public func clear(_ key: SessionKey) async throws -> Int {
        try key.validate()
        let cutoff = cutoffMilliseconds()
        let cap = configuration.maxMessages
        return try await guarded {
            try await pool.write { db in
                guard let id = try Self.sessionID(key, in: db) else { return 0 }
                let live = try Self.liveCount(session: id, since: cutoff, cap: cap, in: db)
                try db.execute(sql: "DELETE FROM message WHERE session_id = ?", arguments: [id])
                return live
            }
        }
    }

    @discardableResult
    public func delete(_ key: SessionKey) async throws -> Bool {
        try key.validate()
        return try await guarded {
            try await pool.write { db in
                try db.execute(sql: "DELETE FROM session WHERE user = ? AND room = ?", arguments: [key.user, key.room])
                return db.changesCount > 0
            }
        }
    }

    // MARK: Reading

    public func history(of key: SessionKey) async throws -> [StoredMessage] {
        try key.validate()
        let cutoff = cutoffMilliseconds()
        let cap = configuration.maxMessages
        return try await guarded {
            try await pool.read { db in
                guard let id = try Self.sessionID(key, in: db) else { return [] }
                return try Self.newestMessages(session: id, since: cutoff, limit: cap, in: db)
            }
        }
    }

    /// The newest live messages of a session, oldest first.
    static func newestMessages(
        session: Int64, since cutoff: Int64, limit: Int, in db: Database
    ) throws -> [StoredMessage] {
        let rows = try Row.fetchAll(
            db.cachedStatement(
                sql: """
                    SELECT id, role, content, created_at FROM message
                    WHERE session_id = ? AND created_at >= ? ORDER BY id DESC LIMIT ?
                    """),
            arguments: [session, cutoff, limit])
        return try rows.reversed().map { row in
            let roleText: String = row["role"]
            guard let role = MessageRole(rawValue: roleText) else {
                throw SessionStoreError.storage("unknown role '\(roleText)' in message \(row["id"] as Int64)")
            }
            let content: Data = row["content"]
            return StoredMessage(
                sequence: row["id"], role: role, content: String(decoding: content, as: UTF8.self),
                timestamp: Timestamp.date(milliseconds: row["created_at"]))
        }
    }

    static func sessionID(_ key: SessionKey, in db: Database) throws -> Int64? {
        try Int64.fetchOne(
            db.cachedStatement(sql: "SELECT id FROM session WHERE user = ? AND room = ?"),
            arguments: [key.user, key.room])
    }

    static func liveCount(session: Int64, since cutoff: Int64, cap: Int, in db: Database) throws -> Int {
        try Int.fetchOne(
            db,
            sql: """
                SELECT count(*) FROM (SELECT 1 FROM message WHERE session_id = ? AND created_at >= ?
                ORDER BY id DESC LIMIT ?)
                """,
            arguments: [session, cutoff, cap]) ?? 0
    }

    /// Messages stamped before this instant are expired.
    func cutoffMilliseconds() -> Int64 {
        configuration.expiryCutoff(at: clock.currentDate)
    }

    /// Runs a database operation, turning GRDB errors into ``SessionStoreError``.
    func guarded<T>(_ operation: () async throws -> T) async throws -> T {
        do {
            return try await operation()
        } catch {
            throw Self.storageError(error, context: "session storage failed")
        }
    }

    /// A ``SessionStoreError`` for any failure; SQLite's message without the SQL or its arguments,
    /// which could hold message content.
    static func storageError(_ error: any Error, context: String) -> any Error {
        switch error {
        case let error as SessionStoreError: error
        case let error as DatabaseError:
            SessionStoreError.storage("\(context): \(error.message ?? "SQLite error \(error.resultCode.rawValue)")")
        default: SessionStoreError.storage("\(context): \(error)")
        }
    }
}

