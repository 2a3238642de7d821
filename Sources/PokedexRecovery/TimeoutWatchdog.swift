import Synchronization

/// Fires the time limits of attempts in flight, from one sleeping task for all of them, so that a
/// guarded call does not pay for a timer of its own. It sleeps until the earliest limit; limits
/// that end first are removed when their attempts finish, and an earlier one restarts the sleep.
final class TimeoutWatchdog: Sendable {
    private struct State {
        var entries: [UInt64: (deadline: Duration, fire: @Sendable () -> Void)] = [:]
        var nextID: UInt64 = 0
        var sleeper: Task<Void, Never>?
        var sleepingUntil: Duration?
    }

    private let clock: RecoveryClock
    private let state = Mutex(State())

    init(clock: RecoveryClock) {
        self.clock = clock
    }

    /// Calls `fire` at `deadline` unless ``cancel(_:)`` comes first.
    /// - Returns: the handle for ``cancel(_:)``.
    func schedule(at deadline: Duration, fire: @escaping @Sendable () -> Void) -> UInt64 {
        state.withLock { state in
            state.nextID += 1
            state.entries[state.nextID] = (deadline, fire)
            if state.sleepingUntil.map({ deadline < $0 }) ?? true {
                sleep(until: deadline, &state)
            }
            return state.nextID
        }
    }

    func cancel(_ id: UInt64) {
        _ = state.withLock { $0.entries.removeValue(forKey: id) }
    }

    private func sleep(until deadline: Duration, _ state: inout State) {
        state.sleeper?.cancel()
        state.sleepingUntil = deadline
        let clock = self.clock
        state.sleeper = Task { [weak self] in
            do {
                try await clock.sleep(deadline - clock.now())
            } catch {
                return  // replaced by an earlier deadline
            }
            self?.wake()
        }
    }

    private func wake() {
        let now = clock.now()
        let due = state.withLock { state -> [@Sendable () -> Void] in
            let due = state.entries.filter { $0.value.deadline <= now }
            for id in due.keys { state.entries.removeValue(forKey: id) }
            state.sleeper = nil
            state.sleepingUntil = nil
            if let next = state.entries.values.map(\.deadline).min() {
                sleep(until: next, &state)
            }
            return due.values.map(\.fire)
        }
        for fire in due { fire() }
    }
}

/// The first of an attempt's result, its time limit and its caller's cancellation, whichever comes
/// first; the others are ignored.
final class AttemptRace<Value: Sendable>: Sendable {
    private struct State {
        var result: Result<Value, any Error>?
        var waiter: CheckedContinuation<Value, any Error>?
    }

    private let state = Mutex(State())

    func finish(_ result: Result<Value, any Error>) {
        let waiter = state.withLock { state -> CheckedContinuation<Value, any Error>? in
            guard state.result == nil else { return nil }
            state.result = result
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(with: result)
    }

    func wait() async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let result = state.withLock { state -> Result<Value, any Error>? in
                if state.result == nil { state.waiter = continuation }
                return state.result
            }
            if let result { continuation.resume(with: result) }
        }
    }
}
