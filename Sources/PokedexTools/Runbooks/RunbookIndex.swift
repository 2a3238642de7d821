import Foundation
import GRDB

/// The full-text index of a runbooks folder, in its own SQLite file (default
/// `.pokedex/runbooks.db`): chunks ranked by BM25 through FTS5, with Porter stemming so that
/// "contain" finds "containment".
public final class RunbookIndex: Sendable {
    /// What one indexing run did.
    public struct Summary: Sendable, Equatable {
        public var indexed: [String] = []
        public var unchanged: [String] = []
        public var removed: [String] = []
        public var skipped: [(file: String, reason: RunbookSkipReason)] = []
        public var chunks = 0

        public static func == (lhs: Summary, rhs: Summary) -> Bool {
            lhs.indexed == rhs.indexed && lhs.unchanged == rhs.unchanged && lhs.removed == rhs.removed
                && lhs.skipped.map(\.file) == rhs.skipped.map(\.file) && lhs.chunks == rhs.chunks
        }
    }

    /// One ranked chunk.
    public struct Hit: Sendable, Equatable {
        /// The file, relative to the runbooks folder.
        public var file: String
        public var section: String?
        public var text: String
    }

    /// A pool (WAL, concurrent readers) so that many questions are searched at once.
    private let database: any DatabaseWriter
    private let chunker: RunbookChunker
    private let extractor = RunbookExtractor()

    /// Opens (creating if needed) the index file.
    public init(path: String, chunker: RunbookChunker = RunbookChunker()) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        database = path == ":memory:" ? try DatabaseQueue() : try DatabasePool(path: path)
        self.chunker = chunker
        try Self.migrator.migrate(database)
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 runbook index") { db in
            try db.execute(
                sql: """
                    CREATE TABLE document (
                        id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE, hash TEXT NOT NULL,
                        size INTEGER NOT NULL, indexed_at INTEGER NOT NULL);
                    -- title: the document's name and first heading, on every chunk, so that a question
                    -- naming the runbook ("ransomware runbook") finds all of its chunks, not only the first.
                    CREATE TABLE chunk (
                        id INTEGER PRIMARY KEY, document_id INTEGER NOT NULL REFERENCES document(id) ON DELETE CASCADE,
                        position INTEGER NOT NULL, section TEXT, title TEXT NOT NULL, text TEXT NOT NULL);
                    CREATE INDEX chunk_document ON chunk(document_id);
                    CREATE VIRTUAL TABLE chunk_search USING fts5(
                        text, section, title, content='chunk', content_rowid='id', tokenize='porter unicode61');
                    CREATE TRIGGER chunk_added AFTER INSERT ON chunk BEGIN
                        INSERT INTO chunk_search(rowid, text, section, title) VALUES (new.id, new.text, new.section, new.title);
                    END;
                    CREATE TRIGGER chunk_removed AFTER DELETE ON chunk BEGIN
                        INSERT INTO chunk_search(chunk_search, rowid, text, section, title)
                            VALUES ('delete', old.id, old.text, old.section, old.title);
                    END;
                    """)
        }
        return migrator
    }

    /// Brings the index up to date with a folder: new and changed files are (re)indexed, unchanged
    /// ones skipped by their content hash, deleted ones removed.
    /// - Parameter progress: told after each file: how many are done, of how many, and which.
    public func update(
        from folder: URL, progress: (_ done: Int, _ total: Int, _ file: String) -> Void = { _, _, _ in }
    ) throws -> Summary {
        let files = Self.files(in: folder)
        var summary = Summary()
        let known = try database.read { db in
            try Dictionary(
                uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT path, hash FROM document").map {
                    (($0["path"] as String), ($0["hash"] as String))
                })
        }
        for (number, file) in files.enumerated() {
            defer { progress(number + 1, files.count, file.relative) }
            guard let data = try? Data(contentsOf: file.url) else {
                summary.skipped.append((file.relative, .unreadable("cannot read the file")))
                continue
            }
            let hash = Self.hash(data)
            if known[file.relative] == hash {
                summary.unchanged.append(file.relative)
                continue
            }
            let paragraphs: [RunbookParagraph]
            do {
                paragraphs = try extractor.paragraphs(of: file.url, contents: data)
            } catch {
                summary.skipped.append((file.relative, error))
                try remove(file.relative)
                continue
            }
            let chunks = chunker.chunks(paragraphs)
            try database.write { db in
                try db.execute(sql: "DELETE FROM document WHERE path = ?", arguments: [file.relative])
                try db.execute(
                    sql: "INSERT INTO document (path, hash, size, indexed_at) VALUES (?, ?, ?, ?)",
                    arguments: [file.relative, hash, data.count, Int64(Date().timeIntervalSince1970)])
                let document = db.lastInsertedRowID
                let insert = try db.makeStatement(
                    sql: "INSERT INTO chunk (document_id, position, section, title, text) VALUES (?, ?, ?, ?, ?)")
                let title = Self.title(of: file.relative, firstHeading: paragraphs.first?.section)
                for (position, chunk) in chunks.enumerated() {
                    try insert.execute(arguments: [document, position, chunk.section, title, chunk.text])
                }
            }
            summary.indexed.append(file.relative)
            summary.chunks += chunks.count
        }
        let present = Set(files.map(\.relative))
        for path in known.keys.sorted() where !present.contains(path) {
            try remove(path)
            summary.removed.append(path)
        }
        return summary
    }

    private func remove(_ path: String) throws {
        try database.write { db in
            try db.execute(
                sql: "DELETE FROM chunk WHERE document_id = (SELECT id FROM document WHERE path = ?)", arguments: [path]
            )
            try db.execute(sql: "DELETE FROM document WHERE path = ?", arguments: [path])
        }
    }

    /// The best chunks for a question, best first.
    ///
    /// BM25 has to score every chunk a query matches, so how a question is asked depends on how
    /// common its words are (see ``QueryPlan``): rare words are ranked with OR; common ones are
    /// looked for in headings first, then must all appear (AND); words in most chunks — which
    /// FTS5's BM25 weighs at practically zero — are used only when nothing else is left. No step
    /// scores more than a tenth of the index (the first matches in index order), so a query costs
    /// about the same on a big folder as on a small one.
    public func search(_ question: String, limit: Int = 3) throws -> [Hit] {
        let words = Self.queryWords(question)
        guard !words.isEmpty, limit > 0 else { return [] }
        return try database.read { db in
            var hits: [Hit] = []
            var seen = Set<Int64>()
            let plan = try QueryPlan(words, in: db)
            for step in plan.steps where hits.count < limit {
                for row in try Self.run(step, limit: limit, candidates: plan.candidates, in: db)
                where seen.insert(row["id"]).inserted {
                    hits.append(Hit(file: row["path"], section: row["section"], text: row["text"]))
                }
            }
            return Array(hits.prefix(limit))
        }
    }

    /// Which FTS5 queries answer a question, in order, until enough chunks are found.
    struct QueryPlan {
        struct Step: Equatable {
            var words: [String]
            /// Look only in titles and section headings.
            var headings = false
            /// All words must appear (AND) rather than any (OR).
            var all: Bool
            /// Ranked by BM25; false for words in most chunks, where BM25 cannot tell chunks apart
            /// and would only cost time: then the first chunks in index order are taken.
            var ranked: Bool
        }

        var steps: [Step]
        /// Most chunks one step scores.
        var candidates = 50

        /// A word in fewer than a tenth of the chunks is rare; one in more than half is everywhere
        /// (FTS5's BM25 clamps its weight to 1e-6). Only a tenth is ever counted: how densely the
        /// word fills the rows up to its tenth-of-the-chunks match tells "everywhere" from "common"
        /// without reading the rest of its list.
        init(_ words: [String], in db: Database) throws {
            guard words.count > 1 else {
                steps = [Step(words: words, all: false, ranked: true)]
                return
            }
            let chunks = try Int.fetchOne(db, sql: "SELECT count(*) FROM chunk") ?? 0
            let rareBound = max(50, chunks / 10)
            candidates = rareBound
            guard chunks >= rareBound else {  // a small index: every word is rare, nothing to count
                steps = [Step(words: words, all: false, ranked: true)]
                return
            }
            let sample = try db.cachedStatement(
                sql: """
                    SELECT count(*), min(rowid), max(rowid) FROM (
                        SELECT rowid FROM chunk_search WHERE chunk_search MATCH ? ORDER BY rowid LIMIT ?)
                    """)
            var rare: [String] = []
            var common: [String] = []
            for word in words {
                guard let row = try Row.fetchOne(sample, arguments: ["\"\(word)\"", rareBound]) else { continue }
                let found: Int = row[0]
                if found < rareBound {
                    rare.append(word)
                } else if let first: Int64 = row[1], let last: Int64 = row[2], Int64(found) * 2 <= last - first + 1 {
                    common.append(word)
                }
            }
            if !rare.isEmpty {
                steps = [Step(words: rare, all: false, ranked: true)]
            } else if !common.isEmpty {
                steps = [
                    Step(words: common, headings: true, all: true, ranked: true),
                    Step(words: common, all: true, ranked: true), Step(words: common, all: false, ranked: true),
                ]
            } else {
                steps = [Step(words: words, all: true, ranked: false), Step(words: words, all: false, ranked: false)]
            }
        }
    }

    /// One step of a plan: the chunk rows (id, path, section, text), best first.
    private static func run(_ step: QueryPlan.Step, limit: Int, candidates: Int, in db: Database) throws -> [Row] {
        var query = step.words.map { "\"\($0)\"" }.joined(separator: step.all ? " AND " : " OR ")
        if step.headings { query = "{title section} : (\(query))" }
        let order = step.ranked ? "bm25(chunk_search, 1.0, 2.0, 1.0)" : "rowid"
        // Only the first `candidates` matches are scored (FTS5 seeks to a rowid bound cheaply), and
        // FTS5 ranks before the join, so only the winners' rows are read.
        return try Row.fetchAll(
            db,
            sql: """
                SELECT c.id, d.path, c.section, c.text FROM (
                    SELECT rowid, \(order) AS score FROM chunk_search
                    WHERE chunk_search MATCH ?1 AND rowid <= coalesce((
                        SELECT rowid FROM chunk_search WHERE chunk_search MATCH ?1 ORDER BY rowid LIMIT 1 OFFSET ?2
                    ), 9223372036854775807)
                    ORDER BY score LIMIT ?3
                ) AS best
                JOIN chunk c ON c.id = best.rowid JOIN document d ON d.id = c.document_id
                ORDER BY best.score
                """,
            arguments: [query, candidates - 1, limit])
    }

    /// A document's title for ranking: its file name as words, and its first heading.
    static func title(of path: String, firstHeading: String?) -> String {
        let name = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            .map { $0 == "-" || $0 == "_" ? " " : String($0) }.joined()
        return [name, firstHeading].compactMap { $0 }.joined(separator: " ")
    }

    /// Files and chunks in the index.
    public func counts() throws -> (documents: Int, chunks: Int) {
        try database.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT count(*) FROM document") ?? 0,
                try Int.fetchOne(db, sql: "SELECT count(*) FROM chunk") ?? 0
            )
        }
    }

    /// Words too common to rank on.
    static let stopWords: Set<String> = [
        "a", "an", "and", "are", "as", "at", "be", "by", "do", "does", "for", "from", "how", "i", "in", "is",
        "it", "me", "my", "of", "on", "or", "our", "the", "to", "we", "what", "whats", "when", "where", "which",
        "who", "why", "with", "you", "your", "s",
    ]

    /// The question's words, lowercased, without stop words or repeats. Each is later quoted, so no
    /// user text is ever FTS5 syntax.
    static func queryWords(_ question: String) -> [String] {
        var seen = Set<String>()
        return question.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
            .filter { !stopWords.contains($0) && seen.insert($0).inserted }
    }

    private static func files(in folder: URL) -> [(url: URL, relative: String)] {
        let root = folder.standardizedFileURL.resolvingSymlinksInPath()
        guard
            let walker = FileManager.default.enumerator(
                at: root, includingPropertiesForKeys: [.isRegularFileKey], options: [.skipsHiddenFiles])
        else { return [] }
        var files: [(URL, String)] = []
        for case let url as URL in walker {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true else { continue }
            let path = url.standardizedFileURL.resolvingSymlinksInPath().path
            let relative =
                path.hasPrefix(root.path + "/") ? String(path.dropFirst(root.path.count + 1)) : url.lastPathComponent
            files.append((url, relative))
        }
        return files.sorted { $0.1 < $1.1 }
    }

    /// FNV-1a 64: enough to notice a changed file; this is not a security check.
    static func hash(_ data: Data) -> String {
        var value: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in data {
            value ^= UInt64(byte)
            value = value &* 0x100_0000_01b3
        }
        return String(value, radix: 16) + "-\(data.count)"
    }
}
