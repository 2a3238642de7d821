import Foundation
import GRDB

/// Lets concurrent appends share one transaction, and so one fsync ("group commit").
///
/// A request that finds no commit in progress commits at once on its own thread, like a plain
/// SQLite call: a lone writer pays one transaction and no thread hop. Requests that arrive while a
/// commit is in progress wait in arrival order; the next batch takes them all, committed on GRDB's
/// writer queue (a dispatch queue, so their waiting holds no Swift task thread). At most one task
/// thread is ever blocked by a commit.
final class GroupCommit<Request: Sendable, Output: Sendable>: @unchecked Sendable {
    /// Writes a batch inside one transaction, in order, returning one output per request.
    typealias BatchWriter = @Sendable (Database, [Request]) throws -> [Output]

    private let pool: DatabasePool
    private let maxBatchSize: Int
    private let writeBatch: BatchWriter
    private let lock = NSLock()
    private var pending: [(request: Request, continuation: CheckedContinuation<Output, any Error>)] = []
    private var isDraining = false
    private let mapError: @Sendable (any Error) -> any Error

    /// - Parameters:
    ///   - pool: the database whose writer commits the batches.
    ///   - maxBatchSize: the most requests one transaction takes, bounding how long it holds the lock.
    ///   - mapError: turns a database error into what the caller should see.
    ///   - writeBatch: writes one batch.
    init(
        pool: DatabasePool, maxBatchSize: Int = 1024, mapError: @escaping @Sendable (any Error) -> any Error,
        writeBatch: @escaping BatchWriter
    ) {
        self.pool = pool
        self.maxBatchSize = maxBatchSize
        self.mapError = mapError
        self.writeBatch = writeBatch
    }

    /// Requests waiting for the next batch.
    var pendingCount: Int { lock.withLock { pending.count } }

    /// Commits a request, alone or in a batch, and returns once it is durable.
    func submit(_ request: Request) async throws -> Output {
        let commitsNow = lock.withLock {
            defer { isDraining = true }
            return !isDraining
        }
        if commitsNow {
            let result = commitOnThisThread(request)
            handOff()
            return try result.get()
        }
        return try await withCheckedThrowingContinuation { continuation in
            let startDrain = lock.withLock {
                pending.append((request, continuation))
                defer { isDraining = true }
                return !isDraining
            }
            if startDrain {
                pool.asyncWriteWithoutTransaction { [self] db in drain(db) }
            }
        }
    }

    /// GRDB's synchronous write: runs on the calling thread, without a hop to the writer queue.
    private func commitOnThisThread(_ request: Request) -> Result<Output, any Error> {
        pool.writeWithoutTransaction { db in commit([request], in: db)[0] }
    }

    /// After a commit on the caller's thread: lets the writer queue take whatever gathered meanwhile.
    private func handOff() {
        let more = lock.withLock {
            if pending.isEmpty { isDraining = false }
            return !pending.isEmpty
        }
        if more {
            pool.asyncWriteWithoutTransaction { [self] db in drain(db) }
        }
    }

    private func drain(_ db: Database) {
        while true {
            let batch = lock.withLock {
                () -> ArraySlice<(request: Request, continuation: CheckedContinuation<Output, any Error>)> in
                let batch = pending.prefix(maxBatchSize)
                pending.removeFirst(batch.count)
                if batch.isEmpty { isDraining = false }
                return batch
            }
            if batch.isEmpty { return }
            for (item, result) in zip(batch, commit(batch.map(\.request), in: db)) {
                item.continuation.resume(with: result)
            }
        }
    }

    /// Commits a batch; if it fails, commits each request alone so one bad request cannot fail
    /// its neighbours.
    private func commit(_ requests: [Request], in db: Database) -> [Result<Output, any Error>] {
        do {
            var outputs: [Output] = []
            try db.inTransaction(.immediate) {
                outputs = try writeBatch(db, requests)
                return .commit
            }
            return outputs.map { .success($0) }
        } catch {
            guard requests.count > 1 else { return [.failure(mapError(error))] }
            return requests.flatMap { commit([$0], in: db) }
        }
    }
}
