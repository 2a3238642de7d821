import PokedexSessions
import Synchronization

/// Turns of one session, one at a time, in arrival order (SPEC 3.7): a second message waits for
/// the first. Different sessions never wait for each other.
final class SessionTurns: Sendable {
    private struct Queue {
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    /// Sessions with a turn running, and who waits behind it.
    private let busy = Mutex<[SessionKey: Queue]>([:])

    /// Runs `body` once every earlier turn of `key` has finished.
    func run<T: Sendable>(_ key: SessionKey, _ body: () async -> T) async -> T {
        await withCheckedContinuation { continuation in
            let runNow = busy.withLock { busy -> Bool in
                if busy[key] == nil {
                    busy[key] = Queue()
                    return true
                }
                busy[key]?.waiting.append(continuation)
                return false
            }
            if runNow { continuation.resume() }
        }
        defer {
            let next = busy.withLock { busy -> CheckedContinuation<Void, Never>? in
                guard var queue = busy[key], !queue.waiting.isEmpty else {
                    busy[key] = nil
                    return nil
                }
                let next = queue.waiting.removeFirst()
                busy[key] = queue
                return next
            }
            next?.resume()
        }
        return await body()
    }

    /// Sessions with a turn running now (for tests and status).
    var activeCount: Int { busy.withLock { $0.count } }
}
