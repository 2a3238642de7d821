/// At most `limit` holders at once; the others wait in arrival order.
///
/// A turn holds a pooled connection for its session lock and needs more for its reads and writes;
/// if every connection held a lock, no turn could read or write and all of them would wait until
/// they failed. Fewer permits than connections keeps some for the work.
actor TurnPermits {
    private var available: Int
    private var waiting: [(id: UInt64, resume: CheckedContinuation<Void, any Error>)] = []
    private var nextID: UInt64 = 0

    init(_ limit: Int) { available = limit }

    /// Turns waiting for a permit.
    var waitingCount: Int { waiting.count }

    /// Waits for a permit; a cancelled waiter leaves the queue with `CancellationError`.
    func acquire() async throws {
        if available > 0 {
            available -= 1
            return
        }
        let id = nextID
        nextID += 1
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (resume: CheckedContinuation<Void, any Error>) in
                if Task.isCancelled {
                    resume.resume(throwing: CancellationError())
                } else {
                    waiting.append((id, resume))
                }
            }
        } onCancel: {
            Task { await self.cancel(id) }
        }
    }

    /// Hands the permit to the longest waiter, or returns it.
    func release() {
        if waiting.isEmpty {
            available += 1
        } else {
            waiting.removeFirst().resume.resume()
        }
    }

    private func cancel(_ id: UInt64) {
        guard let index = waiting.firstIndex(where: { $0.id == id }) else { return }
        waiting.remove(at: index).resume.resume(throwing: CancellationError())
    }
}
