/// Lets concurrent writers share one transaction, and so one fsync ("group commit").
///
/// Requests wait in arrival order; while one batch is being written, new requests gather, and the
/// next batch takes them all at once. A lone writer pays for exactly one transaction per request;
/// under load the cost of a durable commit is spread over the whole batch.
public actor GroupCommitQueue<Request: Sendable, Output: Sendable> {
    /// Writes a batch in order and returns one result per request, in the same order.
    public typealias BatchWriter = @Sendable ([Request]) async -> [Result<Output, any Error>]

    private var pending: [(request: Request, continuation: CheckedContinuation<Output, any Error>)] = []
    private var isDraining = false
    private let maxBatchSize: Int
    private let writeBatch: BatchWriter

    /// - Parameters:
    ///   - maxBatchSize: the most requests one transaction takes, bounding how long it holds the lock.
    ///   - writeBatch: writes one batch in one transaction.
    public init(maxBatchSize: Int = 1024, writeBatch: @escaping BatchWriter) {
        self.maxBatchSize = maxBatchSize
        self.writeBatch = writeBatch
    }

    /// Queues a request and returns once the batch holding it is committed.
    public func submit(_ request: Request) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            pending.append((request, continuation))
            if !isDraining {
                isDraining = true
                Task { await drain() }
            }
        }
    }

    private func drain() async {
        while !pending.isEmpty {
            let batch = pending.prefix(maxBatchSize)
            pending.removeFirst(batch.count)
            let results = await writeBatch(batch.map(\.request))
            for (item, result) in zip(batch, results) {
                item.continuation.resume(with: result)
            }
        }
        isDraining = false
    }
}
