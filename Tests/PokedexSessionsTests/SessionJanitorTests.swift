import Foundation
import PokedexTesting
import Testing

@testable import PokedexSessions

@Suite("Session janitor")
struct SessionJanitorTests {
    @Test func cleansUpOnEveryTickOfTheClock() async throws {
        let fixture = try await StoreFixture(.sqlite) { $0.cleanupInterval = .seconds(600) }
        defer { fixture.remove() }
        let clock = fixture.clock
        try await fixture.store.append(.user, "soon expired", to: .alice)

        let (runs, reporter) = AsyncStream<Int>.makeStream()
        let janitor = SessionJanitor(store: fixture.store, clock: clock) { result in
            reporter.yield((try? result.get()) ?? -1)
        }
        let task = Task { try await janitor.run() }
        var reports = runs.makeAsyncIterator()

        await clock.waitForSleepers()
        clock.advance(by: .seconds(600))
        #expect(await reports.next() == 0)  // nothing has expired yet

        await clock.waitForSleepers()
        clock.advance(by: .seconds(86_400))
        #expect(await reports.next() == 1)
        #expect(try await fixture.store.statistics().totalMessages == 0)

        task.cancel()
        try await task.value
    }

    @Test func doesNotRunBeforeItsInterval() async throws {
        let fixture = try await StoreFixture(.sqlite)
        defer { fixture.remove() }
        try await fixture.store.append(.user, "old", to: .alice)
        fixture.clock.advance(by: .seconds(2 * 86_400))
        let janitor = SessionJanitor(store: fixture.store, interval: .seconds(600), clock: fixture.clock)
        let task = Task { try await janitor.run() }
        await fixture.clock.waitForSleepers()
        fixture.clock.advance(by: .seconds(599))
        #expect(try await fixture.store.statistics().totalMessages == 1)
        task.cancel()
        try await task.value
    }
}
