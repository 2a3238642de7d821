import Foundation
import Synchronization

/// Lets a server end every turn in flight at once (its shutdown grace period is running out), so
/// each still gets its fallback reply before the connections close instead of a dropped connection.
final class TurnEnding: Sendable {
    private let state = Mutex<(ended: Bool, waiters: [UUID: CheckedContinuation<Void, Never>])>((false, [:]))

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
        let id = UUID()
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
