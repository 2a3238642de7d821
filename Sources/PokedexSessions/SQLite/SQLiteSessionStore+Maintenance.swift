import Foundation
import GRDB

extension SQLiteSessionStore {
    public func checkWritable() async throws {
        let now = Timestamp.milliseconds(clock.currentDate)
        try await guarded {
            try await pool.write { db in
                try db.execute(
                    sql: "INSERT OR REPLACE INTO health_check (id, checked_at) VALUES (1, ?)", arguments: [now])
            }
        }
    }

    /// Deletes expired messages, then sessions left empty, then returns freed pages to the file
    /// system, each step in transactions of at most `sessions.cleanup_batch` rows so that appends
    /// from this and other processes are never held up for long.
    @discardableResult
    public func cleanup() async throws -> Int {
        let cutoff = cutoffMilliseconds()
        let batch = configuration.cleanupBatchSize
        let removed = try await repeatInBatches(batch) { db in
            try db.execute(
                sql: """
                    DELETE FROM message WHERE id IN
                        (SELECT id FROM message WHERE created_at < ? ORDER BY created_at LIMIT ?)
                    """,
                arguments: [cutoff, batch])
            return db.changesCount
        }
        try await repeatInBatches(batch) { db in
            try db.execute(
                sql: """
                    DELETE FROM session WHERE id IN
                        (SELECT id FROM session WHERE last_activity < ?
                         AND NOT EXISTS (SELECT 1 FROM message WHERE message.session_id = session.id) LIMIT ?)
                    """,
                arguments: [cutoff, batch])
            return db.changesCount
        }
        let now = Timestamp.milliseconds(clock.currentDate)
        try await repeatInBatches(batch) { db in
            try db.execute(
                sql: "DELETE FROM held WHERE rowid IN (SELECT rowid FROM held WHERE expires_at <= ? LIMIT ?)",
                arguments: [now, batch])
            return db.changesCount
        }
        try await repeatInBatches(batch) { db in
            try db.execute(
                sql: "DELETE FROM delivery WHERE rowid IN (SELECT rowid FROM delivery WHERE expires_at <= ? LIMIT ?)",
                arguments: [now, batch])
            return db.changesCount
        }
        try await repeatInBatches(batch) { db in
            let before = try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
            try db.execute(sql: "PRAGMA incremental_vacuum(\(batch))")
            return before - (try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0)
        }
        return removed
    }

    /// Runs `step` in its own write transaction until it reports fewer than `batch` changes.
    /// - Parameter step: one bounded step; returns how many rows (or pages) it changed.
    /// - Returns: the total of the steps.
    @discardableResult
    private func repeatInBatches(_ batch: Int, _ step: @escaping @Sendable (Database) throws -> Int) async throws -> Int
    {
        var total = 0
        while true {
            let changed = try await guarded { try await pool.write(step) }
            total += changed
            if changed < batch { return total }
            await Task.yield()
        }
    }
}
