import Foundation
import PokedexSessions
import PokedexTesting
import Testing

/// The backends the conformance suite runs against. A new backend adds a case here and passes the
/// same tests unchanged.
enum StoreKind: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case sqlite

    var testDescription: String { rawValue }
}

/// A store on real storage, with a manual clock, removed when the test ends.
struct StoreFixture {
    let store: any SessionStore
    let clock: ManualClock
    let directory: TemporaryDirectory

    init(_ kind: StoreKind, configure: (inout SessionsConfiguration) -> Void = { _ in }) throws {
        clock = ManualClock()
        directory = try TemporaryDirectory(prefix: "pokedex-\(kind.rawValue)")
        var configuration = SessionsConfiguration()
        configuration.database = directory.path("sessions.db")
        configure(&configuration)
        switch kind {
        case .sqlite:
            store = try SQLiteSessionStore(configuration: configuration, clock: clock)
        }
    }

    /// A second store on the same storage (a restart, or another instance).
    func reopen(configure: (inout SessionsConfiguration) -> Void = { _ in }) throws -> any SessionStore {
        var configuration = store.configuration
        configure(&configuration)
        return try SQLiteSessionStore(configuration: configuration, clock: clock)
    }

    func remove() { directory.remove() }
}

extension SessionKey {
    static let alice = SessionKey(user: "alice@example.com", room: "soc-room")
    static let bob = SessionKey(user: "bob@example.com", room: "soc-room")
}
