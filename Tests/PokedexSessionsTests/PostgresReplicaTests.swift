import Foundation
import Logging
import PokedexSessions
import PokedexSessionsPostgres
import PokedexTesting
import ServiceLifecycle
import Testing

/// What only a store shared by several processes needs: turns of one session kept apart across
/// replicas, and cleanup run from every replica at once.
@Suite(
    "PostgreSQL across replicas",
    .enabled(
        if: PostgresTestDatabase.serverURL != nil,
        "PostgreSQL cases skipped: set POKEDEX_TEST_POSTGRES_URL (.ci/run starts a server on loopback)"))
struct PostgresReplicaTests {
    @Test func turnsOfOneSessionOnTwoReplicasDoNotInterleave() async throws {
        let fixture = try await StoreFixture(.postgres)
        defer { fixture.remove() }
        let other = try await fixture.reopen()  // a second replica on the same database
        defer { (other as? PostgresSessionStore)?.close() }
        let events = Events()
        let key = SessionKey.alice
        let first = Task {
            try await fixture.store.withExclusiveTurn(key) {
                events.add("first begins")
                try await Task.sleep(for: .milliseconds(300))
                try await fixture.store.append([(.user, "q1"), (.assistant, "a1")], to: key)
                events.add("first ends")
            }
        }
        while events.all.isEmpty { try await Task.sleep(for: .milliseconds(5)) }
        try await other.withExclusiveTurn(key) {
            events.add("second begins")
            try await other.append([(.user, "q2"), (.assistant, "a2")], to: key)
        }
        try await first.value
        #expect(events.all == ["first begins", "first ends", "second begins"])
        #expect(try await other.history(of: key).map(\.content) == ["q1", "a1", "q2", "a2"])
        // Another session is not held up.
        try await other.withExclusiveTurn(.bob) { events.add("bob") }
    }

    /// More turns at once than the pool has connections: each turn holds a connection for its lock
    /// and needs more for its reads and writes, which must never starve.
    @Test func moreTurnsAtOnceThanPooledConnectionsAllComplete() async throws {
        let fixture = try await StoreFixture(.postgres)
        defer { fixture.remove() }
        let store = fixture.store
        try await withThrowingTaskGroup(of: Void.self) { group in
            for user in 0..<100 {
                group.addTask {
                    let key = SessionKey(user: "user-\(user)", room: "r")
                    try await store.withExclusiveTurn(key) {
                        _ = try await store.context(for: key)
                        try await Task.sleep(for: .milliseconds(50))  // the model answering
                        try await store.append([(.user, "q"), (.assistant, "a")], to: key)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await store.statistics().totalMessages == 200)
    }

    @Test func cleanupOnEveryReplicaAtOnceRemovesEachMessageOnce() async throws {
        let fixture = try await StoreFixture(.postgres) { $0.cleanupBatchSize = 50 }
        defer { fixture.remove() }
        for user in 0..<20 {
            let key = SessionKey(user: "user-\(user)", room: "r")
            try await fixture.store.append((0..<25).map { (.user, "old \($0)") }, to: key)
        }
        fixture.clock.advance(by: .seconds(25 * 3600))
        var replicas: [any SessionStore] = [fixture.store]
        for _ in 0..<3 { replicas.append(try await fixture.reopen()) }
        let removed = try await withThrowingTaskGroup(of: Int.self) { group in
            for replica in replicas { group.addTask { try await replica.cleanup() } }
            return try await group.reduce(0, +)
        }
        #expect(removed == 500)
        #expect(try await fixture.store.statistics().totalMessages == 0)
        #expect(try await fixture.store.statistics().totalSessions == 0)
        for replica in replicas.dropFirst() { (replica as? PostgresSessionStore)?.close() }
    }

    /// Stores once more when the service group shuts it down, like a turn finishing in the grace period.
    struct LastTurn: Service {
        let store: any SessionStore
        let started: AsyncStream<Void>.Continuation

        func run() async throws {
            started.finish()
            try? await gracefulShutdown()
            try await store.append([(.user, "asked at shutdown"), (.assistant, "answered")], to: .alice)
        }
    }

    @Test func thePoolClosesOnlyAfterTheServicesListedAfterIt() async throws {
        let fixture = try await StoreFixture(.postgres)
        defer { fixture.remove() }
        let store = try #require(fixture.store as? PostgresSessionStore)
        let (started, start) = AsyncStream<Void>.makeStream()
        let group = ServiceGroup(
            services: [store, LastTurn(store: store, started: start)], logger: Logger(label: "test"))
        async let running: Void = group.run()
        for await _ in started {}
        await group.triggerGracefulShutdown()
        try await running
        let other = try await fixture.reopen()
        defer { (other as? PostgresSessionStore)?.close() }
        #expect(try await other.history(of: .alice).map(\.content) == ["asked at shutdown", "answered"])
        // Once the group has stopped, the pool is closed.
        await #expect(throws: SessionStoreError.self) { try await store.history(of: .alice) }
    }

    @Test func thePasswordIsNeverShown() async throws {
        let fixture = try await StoreFixture(.postgres)
        defer { fixture.remove() }
        var components = try #require(URLComponents(string: fixture.store.configuration.database))
        components.password = "s3cret-pass"
        let shown = PostgresURLDisplay.masked(components.string ?? "")
        #expect(!shown.contains("s3cret-pass") && shown.contains(":***@"))
        #expect(!(try await fixture.store.statistics().database.contains("s3cret-pass")))
    }
}
