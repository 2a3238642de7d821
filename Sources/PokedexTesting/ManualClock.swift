import Foundation
import PokedexSessions
import PokedexSettings

/// A clock that moves only when a test says so: it is both the `Clock` that code sleeps on and the
/// `WallClock` that stamps messages, so backoff, expiry and timers run instantly and deterministically.
public final class ManualClock: Clock, WallClock, @unchecked Sendable {
    public struct Instant: InstantProtocol {
        /// Time since the clock was created.
        public var offset: Duration

        public func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        public func duration(to other: Instant) -> Duration { other.offset - offset }
        public static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private struct Sleeper {
        var id: UInt64
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private let lock = NSLock()
    private let start: Date
    private var current = Instant(offset: .zero)
    private var sleepers: [Sleeper] = []
    private var cancelled: Set<UInt64> = []
    private var nextID: UInt64 = 0
    private var sleeperWaiters: [SleeperWaiter] = []

    private struct SleeperWaiter {
        var id: UInt64
        var count: Int
        var horizon: Duration?
        var continuation: CheckedContinuation<Void, Never>
        var giveUp: Task<Void, Never>
    }

    /// - Parameter start: the wall-clock date at instant zero.
    public init(start: Date = Date(timeIntervalSince1970: 1_790_000_000)) {
        self.start = start
    }

    public var now: Instant { lock.withLock { current } }
    public var minimumResolution: Duration { .zero }
    public var currentDate: Date {
        lock.withLock {
            start.addingTimeInterval(current.offset.seconds)
        }
    }

    /// How many tasks are sleeping on this clock now.
    public var sleeperCount: Int { lock.withLock { sleepers.count } }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id = lock.withLock { () -> UInt64 in
            nextID += 1
            return nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let outcome: Result<Void, any Error>? = lock.withLock {
                    if cancelled.remove(id) != nil { return .failure(CancellationError()) }
                    if deadline <= current { return .success(()) }
                    sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return nil
                }
                if let outcome {
                    continuation.resume(with: outcome)
                } else {
                    wakeSleeperWaiters()
                }
            }
        } onCancel: {
            let sleeper = lock.withLock { () -> Sleeper? in
                guard let index = sleepers.firstIndex(where: { $0.id == id }) else {
                    cancelled.insert(id)
                    return nil
                }
                return sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward and wakes every sleeper whose deadline has come, earliest first.
    public func advance(by duration: Duration) {
        let due = lock.withLock { () -> [Sleeper] in
            current = current.advanced(by: duration)
            let due = sleepers.filter { $0.deadline <= current }.sorted { $0.deadline < $1.deadline }
            sleepers.removeAll { $0.deadline <= current }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Returns once at least `count` tasks are sleeping on this clock (only counting those that wake
    /// within `horizon` from now, when given), so a test can advance time knowing the code under test
    /// is already waiting. If they never come, it gives up after `patience` (real time) and says so
    /// on stderr: the test then fails on what it expects, instead of hanging the whole run.
    public func waitForSleepers(
        _ count: Int = 1, within horizon: Duration? = nil, patience: Duration = .seconds(60)
    )
        async
    {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = lock.withLock { () -> Bool in
                if sleepingCount(within: horizon) >= count { return true }
                nextID += 1
                let id = nextID
                let giveUp = Task.detached { [weak self] in
                    guard (try? await Task.sleep(for: patience)) != nil else { return }
                    self?.stopWaiting(id, for: count, after: patience)
                }
                sleeperWaiters.append(
                    SleeperWaiter(id: id, count: count, horizon: horizon, continuation: continuation, giveUp: giveUp))
                return false
            }
            if ready { continuation.resume() }
        }
    }

    private func stopWaiting(_ id: UInt64, for count: Int, after patience: Duration) {
        let waiter = lock.withLock { () -> SleeperWaiter? in
            guard let index = sleeperWaiters.firstIndex(where: { $0.id == id }) else { return nil }
            return sleeperWaiters.remove(at: index)
        }
        guard let waiter else { return }
        FileHandle.standardError.write(
            Data("ManualClock: gave up waiting for \(count) sleeper(s) after \(patience)\n".utf8))
        waiter.continuation.resume()
    }

    /// Waits for a task to sleep until no later than `horizon` from now, then moves time to the
    /// earliest such wake-up.
    /// - Returns: how far time moved.
    @discardableResult
    public func advanceToNextWake(within horizon: Duration) async -> Duration {
        await waitForSleepers(1, within: horizon)
        let step = lock.withLock {
            sleepers.map { $0.deadline.offset - current.offset }.filter { $0 <= horizon }.min() ?? .zero
        }
        advance(by: step)
        return step
    }

    private func sleepingCount(within horizon: Duration?) -> Int {
        guard let horizon else { return sleepers.count }
        return sleepers.filter { $0.deadline.offset - current.offset <= horizon }.count
    }

    private func wakeSleeperWaiters() {
        let ready = lock.withLock { () -> [SleeperWaiter] in
            let isReady = { (waiter: SleeperWaiter) in waiter.count <= self.sleepingCount(within: waiter.horizon) }
            let ready = sleeperWaiters.filter(isReady)
            sleeperWaiters.removeAll(where: isReady)
            return ready
        }
        for waiter in ready {
            waiter.giveUp.cancel()
            waiter.continuation.resume()
        }
    }
}
