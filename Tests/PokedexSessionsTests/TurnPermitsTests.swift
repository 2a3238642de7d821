import Testing

@testable import PokedexSessionsPostgres

/// The limit on turns holding a PostgreSQL connection for their session lock.
@Suite("Turn permits")
struct TurnPermitsTests {
    /// Starts a task that takes a permit, and returns once it holds one or waits for one.
    static func start(_ name: String, _ permits: TurnPermits, _ order: Events) async -> Task<Void, any Error> {
        let before = await permits.waitingCount + order.all.count
        let task = Task {
            try await permits.acquire()
            order.add(name)
        }
        while await permits.waitingCount + order.all.count == before { await Task.yield() }
        return task
    }

    @Test func beyondTheLimitTurnsWaitAndGoInArrivalOrder() async throws {
        let permits = TurnPermits(2)
        let order = Events()
        let holders = [await Self.start("a", permits, order), await Self.start("b", permits, order)]
        for holder in holders { try await holder.value }
        let waiters = [
            await Self.start("c", permits, order), await Self.start("d", permits, order),
            await Self.start("e", permits, order),
        ]
        #expect(order.all == ["a", "b"])
        #expect(await permits.waitingCount == 3)
        await permits.release()
        try await waiters[0].value
        await permits.release()
        try await waiters[1].value
        #expect(order.all == ["a", "b", "c", "d"])
        #expect(await permits.waitingCount == 1)
        await permits.release()
        try await waiters[2].value
        #expect(order.all == ["a", "b", "c", "d", "e"])
    }

    @Test func aCancelledWaiterLeavesWithoutTakingAPermit() async throws {
        let permits = TurnPermits(1)
        let order = Events()
        try await Self.start("holder", permits, order).value
        let cancelled = await Self.start("cancelled", permits, order)
        let next = await Self.start("next", permits, order)
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(await permits.waitingCount == 1)
        await permits.release()
        try await next.value
        #expect(order.all == ["holder", "next"])
    }
}
