import Foundation
import GRDB
import PokedexTesting
import Testing

@testable import PokedexSessions

/// What only the SQLite backend promises: its pragmas, its file, its group commit.
@Suite("SQLite store")
struct SQLiteSessionStoreTests {
    private func makeStore(
        _ directory: TemporaryDirectory, clock: ManualClock = ManualClock(),
        configure: (inout SessionsConfiguration) -> Void = { _ in }
    ) throws -> SQLiteSessionStore {
        var configuration = SessionsConfiguration()
        configuration.database = directory.path("nested/dir/pokedex.db")
        configure(&configuration)
        return try SQLiteSessionStore(configuration: configuration, clock: clock)
    }

    private func pragma(_ store: SQLiteSessionStore, _ name: String) async throws -> String? {
        try await store.pool.write { db in try String.fetchOne(db, sql: "PRAGMA \(name)") }
    }

    @Test func durableByDefaultWithWALAndIncrementalVacuum() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try makeStore(directory)
        #expect(FileManager.default.fileExists(atPath: directory.path("nested/dir/pokedex.db")))
        #expect(try await pragma(store, "journal_mode") == "wal")
        #expect(try await pragma(store, "synchronous") == "2")  // FULL
        #expect(try await pragma(store, "auto_vacuum") == "2")  // INCREMENTAL
        #expect(try await pragma(store, "busy_timeout") == "10000")
        #expect(try await store.integrityCheck() == "ok")
    }

    @Test func normalDurabilityIsAnOption() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try makeStore(directory) { $0.durability = .normal }
        #expect(try await pragma(store, "synchronous") == "1")
    }

    @Test func cleanupGivesSpaceBackToTheDisk() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let clock = ManualClock()
        let store = try makeStore(directory, clock: clock) {
            $0.maxMessages = 1000; $0.contextMessages = 20
        }
        let text = String(repeating: "runbook text ", count: 300)
        for index in 0..<400 {
            try await store.append(.user, text, to: SessionKey(user: "u\(index % 20)", room: "r"))
        }
        let pagesBefore = try await pragma(store, "page_count").flatMap(Int.init) ?? 0
        clock.advance(by: .seconds(2 * 86_400))
        #expect(try await store.cleanup() == 400)
        let pagesAfter = try await pragma(store, "page_count").flatMap(Int.init) ?? 0
        #expect(pagesAfter < pagesBefore / 4)
        #expect(try await pragma(store, "freelist_count") == "0")
    }

    @Test func appendsArrivingDuringACommitShareTheNextOne() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try makeStore(directory)
        let commits = CommitCounter()
        store.pool.add(transactionObserver: commits, extent: .observerLifetime)
        // Hold the writer, so that the first append's commit waits and all others queue behind it.
        let gate = DispatchSemaphore(value: 0)
        store.pool.asyncWriteWithoutTransaction { _ in gate.wait() }
        let appends = Task {
            try await withThrowingTaskGroup(of: StoredMessage.self) { group in
                for index in 0..<300 {
                    group.addTask {
                        try await store.append(.user, "m\(index)", to: SessionKey(user: "u\(index % 64)", room: "r"))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        var spins = 0
        while store.appends.pendingCount < 299 && spins < 1_000_000 {
            await Task.yield()
            spins += 1
        }
        #expect(store.appends.pendingCount == 299)
        gate.signal()
        let results = try await appends.value
        #expect(Set(results.map(\.sequence)).count == 300)
        #expect(try await store.statistics().totalMessages == 300)
        // The first append commits alone; the 299 that queued share one transaction.
        #expect(commits.count == 2)
        #expect(try await store.integrityCheck() == "ok")
    }

    @Test func oneFailingAppendDoesNotFailItsBatch() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try makeStore(directory)
        // A trigger makes one particular message fail inside the database, as a full disk or a
        // constraint would, while others in the same batch must still commit.
        try await store.pool.write { db in
            try db.execute(
                sql: """
                    CREATE TEMP TRIGGER reject_poison BEFORE INSERT ON message
                    WHEN CAST(NEW.content AS TEXT) = 'poison' BEGIN SELECT RAISE(ABORT, 'rejected'); END
                    """)
        }
        let outcomes = await withTaskGroup(of: (String, Bool).self) { group in
            for text in ["a", "b", "poison", "c", "d"] {
                group.addTask { (text, (try? await store.append(.user, text, to: .alice)) != nil) }
            }
            return await group.reduce(into: [String: Bool]()) { $0[$1.0] = $1.1 }
        }
        #expect(outcomes == ["a": true, "b": true, "poison": false, "c": true, "d": true])
        #expect(Set(try await store.history(of: .alice).map(\.content)) == ["a", "b", "c", "d"])
    }

    @Test func storageErrorsCarryNoMessageContent() async throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let store = try makeStore(directory)
        try await store.pool.write { db in
            try db.execute(
                sql:
                    "CREATE TEMP TRIGGER reject_all BEFORE INSERT ON message BEGIN SELECT RAISE(ABORT, 'disk says no'); END"
            )
        }
        do {
            try await store.append(.user, "secret-token-123", to: .alice)
            Issue.record("append should have failed")
        } catch {
            #expect("\(error)".contains("disk says no"))
            #expect(!"\(error)".contains("secret-token-123"))
            #expect(!"\(error)".contains("INSERT"))
        }
    }

    @Test func aDatabaseURLIsRefusedWithoutEchoingIt() throws {
        var configuration = SessionsConfiguration()
        configuration.database = "postgres://pokedex:s3cret@127.0.0.1/pokedex"
        #expect {
            _ = try SQLiteSessionStore(configuration: configuration)
        } throws: { error in
            "\(error)" == "invalid configuration: database is a postgres:// URL; the SQLite store needs a file path"
        }
    }

    @Test func unopenableDatabaseGivesAClearError() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Data("this is not a database, just text that is long enough to fill a header......".utf8)
            .write(to: URL(fileURLWithPath: directory.path("garbage.db")))
        var configuration = SessionsConfiguration()
        configuration.database = directory.path("garbage.db")
        #expect {
            _ = try SQLiteSessionStore(configuration: configuration)
        } throws: { error in
            "\(error)".hasPrefix("session storage failed: cannot open") && "\(error)".contains("garbage.db")
        }
    }
}

/// Counts the transactions committed on a database.
private final class CommitCounter: TransactionObserver, @unchecked Sendable {
    private let lock = NSLock()
    private var commits = 0

    var count: Int { lock.withLock { commits } }

    func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { eventKind.tableName == "message" }
    func databaseDidChange(with event: DatabaseEvent) {}
    func databaseDidCommit(_ db: Database) { lock.withLock { commits += 1 } }
    func databaseDidRollback(_ db: Database) {}
}
