import Foundation
import GRDB

/// The meaning side of runbook search: each section's embedding, stored beside its text (and gone
/// with it when its file changes or leaves), and the sections nearest a question's embedding.
extension RunbookIndex {
    /// A question's embedding, and the model that made it (only that model's vectors are compared).
    public struct QueryVector: Sendable {
        public var model: String
        public var values: [Float]

        public init(model: String, values: [Float]) {
            self.model = model
            self.values = values
        }
    }

    /// A section waiting for its embedding: what is embedded is its heading path and text.
    public struct PendingSection: Sendable, Equatable {
        public var id: Int64
        public var text: String
    }

    static func registerVectors(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3 vectors") { db in
            // id grows with every vector stored, so the highest one tells a reader that vectors
            // were added without counting them.
            try db.execute(
                sql: """
                    CREATE TABLE chunk_vector (
                        id INTEGER PRIMARY KEY,
                        chunk_id INTEGER NOT NULL UNIQUE REFERENCES chunk(id) ON DELETE CASCADE,
                        model TEXT NOT NULL, vector BLOB NOT NULL);
                    """)
        }
    }

    /// Drops the vectors of every model but `model`: a changed model re-embeds everything
    /// (vectors of two models do not compare).
    public func dropVectors(notOf model: String) throws {
        try database.write { db in
            try db.execute(sql: "DELETE FROM chunk_vector WHERE model != ?", arguments: [model])
        }
    }

    /// Sections without a vector of `model`, in index order.
    public func sectionsToEmbed(model: String, limit: Int) throws -> [PendingSection] {
        try database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT c.id, c.section, c.text FROM chunk c
                    LEFT JOIN chunk_vector v ON v.chunk_id = c.id AND v.model = ?
                    WHERE v.id IS NULL ORDER BY c.id LIMIT ?
                    """, arguments: [model, limit]
            ).map { row in
                let section: String? = row["section"]
                let text: String = row["text"]
                return PendingSection(id: row["id"], text: section.map { "\($0)\n\(text)" } ?? text)
            }
        }
    }

    /// Stores sections' vectors (unit length) for `model`; a section gone meanwhile is skipped.
    public func storeVectors(_ vectors: [(id: Int64, values: [Float])], model: String) throws {
        try database.write { db in
            let insert = try db.makeStatement(
                sql: """
                    INSERT INTO chunk_vector (chunk_id, model, vector)
                    SELECT id, ?, ? FROM chunk WHERE id = ?
                    ON CONFLICT(chunk_id) DO UPDATE SET model = excluded.model, vector = excluded.vector
                    """)
            for (id, values) in vectors {
                let unit = Self.unit(values)
                try insert.execute(arguments: [model, unit.withUnsafeBytes { Data($0) }, id])
            }
        }
    }

    /// How many sections have a vector of `model`, of how many.
    public func vectorCounts(model: String) throws -> (embedded: Int, sections: Int) {
        try database.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT count(*) FROM chunk_vector WHERE model = ?", arguments: [model]) ?? 0,
                try Int.fetchOne(db, sql: "SELECT count(*) FROM chunk") ?? 0
            )
        }
    }

    /// The sections nearest a question's vector (cosine similarity), best first.
    func nearestSections(_ query: QueryVector, limit: Int, version: String, in db: Database) throws -> [(
        id: Int64, similarity: Float
    )] {
        let latest = try Int64.fetchOne(db, sql: "SELECT max(id) FROM chunk_vector") ?? 0
        let key = "\(version)/\(query.model)/\(latest)"
        let matrix =
            try vectorCache.withLock { $0.key == key ? $0 : nil }
            ?? {
                var loaded = VectorMatrix(key: key)
                let rows = try Row.fetchCursor(
                    db, sql: "SELECT chunk_id, vector FROM chunk_vector WHERE model = ? ORDER BY chunk_id",
                    arguments: [query.model])
                while let row = try rows.next() {
                    let data: Data = row["vector"]
                    let values = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
                    if loaded.width == 0 { loaded.width = values.count }
                    guard values.count == loaded.width else { continue }
                    loaded.ids.append(row["chunk_id"])
                    loaded.values += values
                }
                vectorCache.withLock { $0 = loaded }
                return loaded
            }()
        guard matrix.width == query.values.count, matrix.width > 0 else { return [] }
        let question = Self.unit(query.values)
        // The best `limit` so far, best first: most sections are turned away by one comparison
        // with the last of them, so no sort of the whole index.
        var best: [(id: Int64, similarity: Float)] = []
        best.reserveCapacity(limit + 1)
        matrix.values.withUnsafeBufferPointer { values in
            question.withUnsafeBufferPointer { question in
                for (row, id) in matrix.ids.enumerated() {
                    let similarity = Self.dot(values.baseAddress! + row * matrix.width, question.baseAddress!, matrix.width)
                    guard best.count < limit || similarity > best[best.count - 1].similarity else { continue }
                    let place = best.firstIndex { $0.similarity < similarity } ?? best.count
                    best.insert((id, similarity), at: place)
                    if best.count > limit { best.removeLast() }
                }
            }
        }
        return best
    }

    /// The dot product of two vectors of `count` floats, eight lanes at a time.
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ count: Int) -> Float {
        var lanes = SIMD8<Float>()
        var index = 0
        while index + 8 <= count {
            let x = UnsafeRawPointer(a + index).loadUnaligned(as: SIMD8<Float>.self)
            let y = UnsafeRawPointer(b + index).loadUnaligned(as: SIMD8<Float>.self)
            lanes += x * y
            index += 8
        }
        var sum = lanes.sum()
        while index < count {
            sum += a[index] * b[index]
            index += 1
        }
        return sum
    }

    /// How deep each ranking is read before fusing, and reciprocal rank fusion's constant (60, as
    /// in Cormack, Clarke and Büttcher's paper: it damps the difference between the first places).
    static let fusionDepth = 20
    static let fusionK = 60.0

    /// Reciprocal rank fusion of the keyword ranking and the meaning ranking: a section high in
    /// either, or fairly high in both, leads. The meaning ranking's sections not in the keyword
    /// ranking are read from the index.
    func fuse(
        _ keyword: [(id: Int64, hit: Hit)], _ nearest: [(id: Int64, similarity: Float)], limit: Int, in db: Database
    ) throws -> [Hit] {
        var scores: [Int64: Double] = [:]
        for (rank, id) in keyword.map(\.id).enumerated() {
            scores[id, default: 0] += 1 / (Self.fusionK + Double(rank + 1))
        }
        for (rank, id) in nearest.map(\.id).enumerated() {
            scores[id, default: 0] += ranking.meaningWeight / (Self.fusionK + Double(rank + 1))
        }
        let order = scores.sorted { $0.value > $1.value || ($0.value == $1.value && $0.key < $1.key) }.prefix(limit)
        var known = Dictionary(keyword.map { ($0.id, $0.hit) }) { first, _ in first }
        let missing = order.map(\.key).filter { known[$0] == nil }
        if !missing.isEmpty {
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT c.id, d.path, c.section, c.text FROM chunk c JOIN document d ON d.id = c.document_id
                    WHERE c.id IN (\(missing.map { _ in "?" }.joined(separator: ",")))
                    """, arguments: StatementArguments(missing))
            for row in rows { known[row["id"]] = Hit(file: row["path"], section: row["section"], text: row["text"]) }
        }
        return order.compactMap { known[$0.key] }
    }

    /// Every stored vector of one model, in one flat array (row after row), as of `key`.
    struct VectorMatrix {
        var key = ""
        var ids: [Int64] = []
        var width = 0
        var values: [Float] = []
    }

    static func unit(_ values: [Float]) -> [Float] {
        let length = values.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return length > 0 ? values.map { $0 / length } : values
    }
}
