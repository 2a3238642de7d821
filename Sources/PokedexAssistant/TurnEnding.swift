import Synchronization

/// Lets a server end every turn in flight at once (its shutdown grace period is running out), so
/// each still gets its fallback reply before the connections close instead of a dropped connection.
final class TurnEnding: Sendable {
    /// Whether the turns are ended, the turns waiting to hear it (by a number of their own), and the
    /// next number: a counter, not a UUID, which would read the random source on every turn.
    private let state = Mutex<(ended: Bool, waiters: [Int: CheckedContinuation<Void, Never>], next: Int)>(
        (false, [:], 0))

    /// Ends the turns in flight and any that start from now on.
    func end() {
        let waiters = state.withLock { state in
            state.ended = true
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Returns once ``end()`` is called (at once if it was), or when the task is cancelled.
    func wait() async {
        let id = state.withLock { state in
            defer { state.next += 1 }
            return state.next
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state in
                    if state.ended || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
