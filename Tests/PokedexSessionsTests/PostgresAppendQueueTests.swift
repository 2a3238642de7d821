import NIOCore
import PokedexSessions
import Testing

@testable import PokedexSessionsPostgres

/// The group-commit queue in front of PostgreSQL appends, with a writer the test opens and closes,
/// so which appends travel together is decided by the queue alone (no server, no timing).
@Suite("PostgreSQL append queue")
struct PostgresAppendQueueTests {
    /// Records each batch and holds it until the test lets it finish.
    actor GatedWriter {
        private(set) var batches: [[String]] = []
        private var gates: [CheckedContinuation<Void, Never>] = []
        private var failing: Set<Int> = []
        private var nextID: Int64 = 0

        /// Makes the `index`-th batch (0-based) fail.
        func fail(batch index: Int) { failing.insert(index) }

        func write(_ batch: [PostgresAppendQueue.Append]) async throws -> [[Int64]] {
            let index = batches.count
            batches.append(batch.map(\.key.user))
            await withCheckedContinuation { gates.append($0) }
            if failing.contains(index) { throw SessionStoreError.storage("batch \(index) failed") }
            return batch.map { append in
                append.roles.map { _ in
                    nextID += 1
                    return nextID
                }
            }
        }

        var held: Int { gates.count }

        /// Lets the oldest held batch finish.
        func release() { gates.removeFirst().resume() }
    }

    static func append(_ user: String, messages: Int = 1, bytes: Int = 1) -> PostgresAppendQueue.Append {
        PostgresAppendQueue.Append(
            key: SessionKey(user: user, room: "r"), roles: Array(repeating: "user", count: messages),
            contents: Array(
                repeating: NIOCore.ByteBuffer(string: String(repeating: "a", count: bytes)), count: messages),
            created: 0)
    }

    /// Starts an append and returns once the queue holds it or has handed it to the writer.
    static func start(
        _ append: PostgresAppendQueue.Append, on queue: PostgresAppendQueue, writer: GatedWriter
    ) async -> Task<[Int64], any Error> {
        let before = await queue.waitingCount + writer.batches.count
        let task = Task { try await queue.append(append) }
        while await queue.waitingCount + writer.batches.count == before { await Task.yield() }
        return task
    }

    static func waitUntilHeld(_ count: Int, by writer: GatedWriter) async {
        while await writer.held < count { await Task.yield() }
    }

    @Test func aLoneAppendIsSentAtOnceAndLaterOnesGatherWhileWritersAreBusy() async throws {
        let writer = GatedWriter()
        let queue = PostgresAppendQueue(writers: 2, maxAppends: 3, maxBytes: 1_000, write: writer.write)
        let first = await Self.start(Self.append("a0"), on: queue, writer: writer)
        #expect(await writer.batches == [["a0"]])
        let second = await Self.start(Self.append("a1", messages: 2), on: queue, writer: writer)
        var queued: [Task<[Int64], any Error>] = []
        for user in ["a2", "a3", "a4", "a5", "a6"] {
            queued.append(await Self.start(Self.append(user), on: queue, writer: writer))
        }
        // Both writers are busy: the other five wait.
        #expect(await writer.batches == [["a0"], ["a1"]])
        #expect(await queue.waitingCount == 5)

        await writer.release()
        #expect(try await first.value == [1])
        await Self.waitUntilHeld(2, by: writer)
        #expect(await writer.batches == [["a0"], ["a1"], ["a2", "a3", "a4"]])
        await writer.release()
        #expect(try await second.value == [2, 3])
        await Self.waitUntilHeld(2, by: writer)
        #expect(await writer.batches.last == ["a5", "a6"])
        await writer.release()
        await writer.release()
        var ids: [[Int64]] = []
        for task in queued { ids.append(try await task.value) }
        #expect(ids == [[4], [5], [6], [7], [8]])
        #expect(await queue.waitingCount == 0)
    }

    @Test func aBatchClosesAtItsByteLimitButABigAppendStillGoes() async throws {
        let writer = GatedWriter()
        let queue = PostgresAppendQueue(writers: 1, maxAppends: 100, maxBytes: 1_000, write: writer.write)
        let busy = await Self.start(Self.append("busy"), on: queue, writer: writer)
        var tasks = [busy]
        for (user, bytes) in [("s1", 400), ("s2", 400), ("s3", 400), ("huge", 5_000), ("s4", 10)] {
            tasks.append(await Self.start(Self.append(user, bytes: bytes), on: queue, writer: writer))
        }
        for _ in 0..<5 {
            await Self.waitUntilHeld(1, by: writer)
            await writer.release()
        }
        for task in tasks { _ = try await task.value }
        #expect(await writer.batches == [["busy"], ["s1", "s2"], ["s3"], ["huge"], ["s4"]])
    }

    @Test func aFailedBatchFailsEachOfItsAppendsAndTheQueueGoesOn() async throws {
        let writer = GatedWriter()
        await writer.fail(batch: 1)
        let queue = PostgresAppendQueue(writers: 1, maxAppends: 10, maxBytes: 1_000, write: writer.write)
        let busy = await Self.start(Self.append("busy"), on: queue, writer: writer)
        let doomed = [
            await Self.start(Self.append("d1"), on: queue, writer: writer),
            await Self.start(Self.append("d2"), on: queue, writer: writer),
        ]
        await writer.release()
        _ = try await busy.value
        await Self.waitUntilHeld(1, by: writer)
        await writer.release()
        for task in doomed {
            await #expect(throws: SessionStoreError.storage("batch 1 failed")) { try await task.value }
        }
        let later = await Self.start(Self.append("later"), on: queue, writer: writer)
        await writer.release()
        #expect(try await later.value.count == 1)
        #expect(await writer.batches == [["busy"], ["d1", "d2"], ["later"]])
    }
}
