import Foundation
import PokedexSessions
import PokedexSessionsPostgres
import PokedexTesting
import Synchronization
import Testing

/// The backends the conformance suite runs against. A new backend adds a case here and passes the
/// same tests unchanged. PostgreSQL joins when `POKEDEX_TEST_POSTGRES_URL` names a server (`.ci/run`
/// starts one on loopback); each PostgreSQL test gets a database of its own.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite
    case postgres

    static var allCases: [StoreKind] { PostgresTestDatabase.serverURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    var testDescription: String { rawValue }
}

/// A store on real storage, with a manual clock, removed when the test ends.
struct StoreFixture {
    let store: any SessionStore
    let clock: ManualClock
    let directory: TemporaryDirectory
    let kind: StoreKind
    /// The PostgreSQL database made for this test.
    let database: String?

    init(_ kind: StoreKind, configure: (inout SessionsConfiguration) -> Void = { _ in }) async throws {
        self.kind = kind
        clock = ManualClock()
        directory = try TemporaryDirectory(prefix: "pokedex-\(kind.rawValue)")
        var configuration = SessionsConfiguration()
        configure(&configuration)
        switch kind {
        case .sqlite:
            configuration.database = directory.path("sessions.db")
            database = nil
            store = try SQLiteSessionStore(configuration: configuration, clock: clock)
        case .postgres:
            let (url, name) = try await PostgresTestDatabase.make()
            configuration.database = url
            database = name
            store = try await PostgresSessionStore(configuration: configuration, clock: clock)
        }
    }

    /// A second store on the same storage (a restart, or another instance).
    func reopen(configure: (inout SessionsConfiguration) -> Void = { _ in }) async throws -> any SessionStore {
        var configuration = store.configuration
        configure(&configuration)
        switch kind {
        case .sqlite: return try SQLiteSessionStore(configuration: configuration, clock: clock)
        case .postgres: return try await PostgresSessionStore(configuration: configuration, clock: clock)
        }
    }

    func remove() {
        directory.remove()
        if let database {
            (store as? PostgresSessionStore)?.close()
            PostgresTestDatabase.dropLater(database)
        }
    }
}

extension SessionKey {
    static let alice = SessionKey(user: "alice@example.com", room: "soc-room")
    static let bob = SessionKey(user: "bob@example.com", room: "soc-room")
}

/// What happened, in order, across tasks.
final class Events: Sendable {
    private let list = Mutex<[String]>([])
    func add(_ event: String) { list.withLock { $0.append(event) } }
    var all: [String] { list.withLock { $0 } }
}
