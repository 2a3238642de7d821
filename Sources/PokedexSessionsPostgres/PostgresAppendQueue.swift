import NIOCore
import PokedexSessions

/// Group commit for appends. Appends that arrive while earlier ones are being written go to
/// PostgreSQL together — one statement, one transaction, one WAL flush for many turns — which is
/// what lets many busy sessions outrun one commit per append. An append that finds a free writer
/// is sent at once, so a lone writer waits for nobody.
///
/// A batch commits or fails as a whole; the store checks every append before it is queued, so what
/// fails a batch is the server or the connection, which would have failed each append alike.
actor PostgresAppendQueue {
    /// One `append` call: its messages are stored together, in order, or not at all.
    struct Append: Sendable {
        let key: SessionKey
        let roles: [String]
        let contents: [ByteBuffer]
        let created: Int64

        var bytes: Int { contents.reduce(0) { $0 + $1.readableBytes } }
    }

    /// Stores a batch in one transaction and returns each append's message ids, in batch order.
    typealias Write = @Sendable ([Append]) async throws -> [[Int64]]

    private struct Waiting {
        let append: Append
        let reply: CheckedContinuation<[Int64], any Error>
    }

    /// Batches in flight at once: enough to keep PostgreSQL's own group commit busy while the next
    /// batch gathers, few enough that batches grow under load.
    private let writers: Int
    /// A batch closes at this many appends or bytes (an append larger than that goes alone).
    private let maxAppends: Int
    private let maxBytes: Int
    private let write: Write
    private var waiting: [Waiting] = []
    private var writing = 0

    /// Appends waiting for a writer.
    var waitingCount: Int { waiting.count }

    init(writers: Int = 4, maxAppends: Int = 256, maxBytes: Int = 4 << 20, write: @escaping Write) {
        self.writers = writers
        self.maxAppends = maxAppends
        self.maxBytes = maxBytes
        self.write = write
    }

    /// Stores `append` and returns its message ids once the batch holding it has committed. The
    /// wait is not cancellable: once queued, the append is written or fails within the write's own
    /// time limit, and the caller learns which.
    func append(_ append: Append) async throws -> [Int64] {
        try await withCheckedThrowingContinuation { reply in
            waiting.append(Waiting(append: append, reply: reply))
            startWrites()
        }
    }

    private func startWrites() {
        while writing < writers, !waiting.isEmpty {
            let batch = nextBatch()
            writing += 1
            Task { await self.run(batch) }
        }
    }

    private func nextBatch() -> [Waiting] {
        var count = 0
        var bytes = 0
        for entry in waiting {
            let size = entry.append.bytes
            if count > 0 && (count == maxAppends || bytes + size > maxBytes) { break }
            count += 1
            bytes += size
        }
        let batch = Array(waiting.prefix(count))
        waiting.removeFirst(count)
        return batch
    }

    private func run(_ batch: [Waiting]) async {
        do {
            let ids = try await write(batch.map(\.append))
            guard ids.count == batch.count else {
                throw SessionStoreError.storage("cannot store message: \(ids.count) results for \(batch.count) appends")
            }
            for (entry, ids) in zip(batch, ids) { entry.reply.resume(returning: ids) }
        } catch {
            for entry in batch { entry.reply.resume(throwing: error) }
        }
        writing -= 1
        startWrites()
    }
}
