import Foundation
import GRDB
import Synchronization

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
    let database: any DatabaseWriter
    private let chunker: RunbookChunker
    private let extractor = RunbookExtractor()
    let ranking: Ranking
    /// The vectors of the model last asked with, while the index is unchanged.
    let vectorCache = Mutex(VectorMatrix())
    /// Word counts of the index as it was at `version` (its documents' highest id and number).
    private let wordCounts = Mutex(WordCounts(version: "", chunks: 0))

    private struct WordCounts {
        var version: String
        var chunks: Int
        var words: [String: QueryPlan.WordStats] = [:]
    }

    /// BM25 weights of a chunk's own headings, its document's title and its cues, against 1 for
    /// its text.
    static let headingWeight = 3.0
    static let titleWeight = 1.0
    static let cueWeight = 2.0
    /// When a question is answered, and how keywords and meaning weigh against each other. Every
    /// figure was chosen on the evaluation set (`pokedex-bench retrieval` shows the alternatives).
    public struct Ranking: Sendable, Equatable {
        /// How much of a question (``RunbookQuery/coverage(found:chunks:)``) the runbooks must know
        /// for it to be answered by keywords.
        public var minimumCoverage = 0.4
        /// How near in meaning (cosine similarity) a section must be to answer a question whose
        /// words the runbooks do not know well enough (hybrid search).
        public var minimumSimilarity = 0.5
        /// The weight of a section's place in the meaning ranking against 1 for its place in the
        /// keyword ranking, in reciprocal rank fusion.
        public var meaningWeight = 0.25

        public init() {}
    }

    /// Opens (creating if needed) the index file.
    public init(
        path: String, chunker: RunbookChunker = RunbookChunker(), ranking: Ranking = Ranking()
    ) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        database = path == ":memory:" ? try DatabaseQueue() : try DatabasePool(path: path)
        self.chunker = chunker
        self.ranking = ranking
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
        migrator.registerMigration("v2 sections") { db in
            // Sections are found by their own headings (the document's title is its own column) and
            // by cues of what they hold; every file is read again into the new layout.
            try db.execute(
                sql: """
                    DROP TRIGGER chunk_added;
                    DROP TRIGGER chunk_removed;
                    DROP TABLE chunk_search;
                    DELETE FROM chunk;
                    DELETE FROM document;
                    ALTER TABLE chunk ADD COLUMN heading TEXT NOT NULL DEFAULT '';
                    ALTER TABLE chunk ADD COLUMN cues TEXT NOT NULL DEFAULT '';
                    CREATE VIRTUAL TABLE chunk_search USING fts5(
                        text, heading, title, cues, content='chunk', content_rowid='id', tokenize='porter unicode61');
                    CREATE TRIGGER chunk_added AFTER INSERT ON chunk BEGIN
                        INSERT INTO chunk_search(rowid, text, heading, title, cues)
                            VALUES (new.id, new.text, new.heading, new.title, new.cues);
                    END;
                    CREATE TRIGGER chunk_removed AFTER DELETE ON chunk BEGIN
                        INSERT INTO chunk_search(chunk_search, rowid, text, heading, title, cues)
                            VALUES ('delete', old.id, old.text, old.heading, old.title, old.cues);
                    END;
                    -- The index's own terms, for correcting misspelt words.
                    CREATE VIRTUAL TABLE chunk_terms USING fts5vocab(chunk_search, 'row');
                    """)
        }
        registerVectors(in: &migrator)
        migrator.registerMigration("v4 table cues") { db in
            // Tables' rows are now cues: every file is read again at the next update.
            try db.execute(sql: "UPDATE document SET hash = ''")
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
                    sql: """
                        INSERT INTO chunk (document_id, position, section, heading, title, text, cues)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """)
                let firstHeading = paragraphs.first?.section?.components(separatedBy: RunbookParagraph.pathSeparator).first
                let title = Self.title(of: file.relative, firstHeading: firstHeading)
                for (position, chunk) in chunks.enumerated() {
                    try insert.execute(arguments: [
                        document, position, chunk.section, Self.heading(of: chunk.section), title, chunk.text,
                        Self.cues(chunk.text),
                    ])
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

    /// The best sections for a question, best first; none when the runbooks do not answer it.
    ///
    /// With a question's embedding (``QueryVector``), the keyword ranking and the sections nearest
    /// in meaning are fused by reciprocal rank, and a question is answered when either its words
    /// are known well enough or a section is near enough in meaning (``Ranking``). Without one,
    /// the keyword ranking alone.
    public func search(_ question: String, limit: Int = 3, vector: QueryVector? = nil) throws -> [Hit] {
        guard limit > 0 else { return [] }
        return try database.read { db in
            let version = try Self.version(db)
            let depth = vector == nil ? limit : max(limit, Self.fusionDepth)
            let keyword = try keywordRanking(question, limit: depth, version: version, rankUncovered: vector != nil, in: db)
            guard let vector else { return keyword.covered ? keyword.hits.map(\.hit) : [] }
            let nearest = try nearestSections(vector, limit: depth, version: version, in: db)
            guard keyword.covered || Double(nearest.first?.similarity ?? 0) >= ranking.minimumSimilarity else { return [] }
            return try fuse(keyword.hits, nearest, limit: limit, in: db)
        }
    }

    /// The keyword ranking (BM25), and whether the runbooks know enough of the question's words.
    ///
    /// BM25 has to score every chunk a query matches, so how a question is asked depends on how
    /// common its words are (see ``QueryPlan``): rare words are ranked with OR; common ones are
    /// looked for in headings first, then must all appear (AND); words in most chunks — which
    /// FTS5's BM25 weighs at practically zero — are used only when nothing else is left. No step
    /// scores more than a tenth of the index (the first matches in index order), so a query costs
    /// about the same on a big folder as on a small one.
    /// - Parameter rankUncovered: rank a question whose words are not covered too (hybrid search
    ///   may still answer it by meaning).
    private func keywordRanking(
        _ question: String, limit: Int, version: String, rankUncovered: Bool, in db: Database
    ) throws -> (hits: [(id: Int64, hit: Hit)], covered: Bool) {
        guard let (query, stats, chunks) = try counted(question, version: version, in: db) else { return ([], false) }
        // A question the runbooks hardly know about gets no answer, not the least-bad section.
        let covered = query.coverage(found: stats.mapValues(\.count), chunks: chunks) >= ranking.minimumCoverage
        guard covered || rankUncovered else { return ([], false) }
        // Each group's first word found is what the question says; the others are alternatives.
        var words: [QueryPlan.WordStats] = []
        var seen = Set<String>()
        for group in query.groups {
            var original = true
            for word in group.words where (stats[word]?.count ?? 0) > 0 && seen.insert(word).inserted {
                var entry = stats[word]!
                entry.original = original
                original = false
                words.append(entry)
            }
        }
        guard !words.isEmpty else { return ([], covered) }
        var hits: [(id: Int64, hit: Hit)] = []
        var seenChunks = Set<Int64>()
        let plan = QueryPlan(words, bound: max(50, chunks / 10), chunks: chunks)
        for step in plan.steps where hits.count < limit {
            for row in try Self.run(step, limit: limit, candidates: plan.candidates, in: db)
            where seenChunks.insert(row["id"]).inserted {
                hits.append((row["id"], Hit(file: row["path"], section: row["section"], text: row["text"])))
            }
        }
        return (Array(hits.prefix(limit)), covered)
    }

    /// How much of a question the runbooks know (``RunbookQuery/coverage(found:chunks:)``) and
    /// which of its words they know: a question that names nothing else is taken for a runbook
    /// topic only when they know it well.
    public func coverage(of question: String) throws -> (coverage: Double, known: [String]) {
        try database.read { db in
            let version = try Self.version(db)
            guard let (query, stats, chunks) = try counted(question, version: version, in: db) else { return (0, []) }
            let known = query.groups.filter { group in !group.implied && group.words.contains { (stats[$0]?.count ?? 0) > 0 } }
            // The question's own words (a misspelling's stand-in, `term*`, is the index's).
            let said = known.compactMap { $0.words.first { !$0.hasSuffix("*") } }
            return (query.coverage(found: stats.mapValues(\.count), chunks: chunks), said)
        }
    }

    /// The index's version: changes whenever a document is added, changed or removed.
    private static func version(_ db: Database) throws -> String {
        try Row.fetchOne(db, sql: "SELECT coalesce(max(id), 0), count(*) FROM document")
            .map { "\($0[0] as Int64)/\($0[1] as Int64)" } ?? ""
    }

    /// The question's words with how many chunks each is in (a misspelt word stood in for by the
    /// index's nearest term), and the number of chunks; nil when it has no words to look for.
    private func counted(
        _ question: String, version: String, in db: Database
    ) throws -> (RunbookQuery, [String: QueryPlan.WordStats], Int)? {
        var query = RunbookQuery(question)
        guard !query.groups.isEmpty else { return nil }
        // Word counts are kept while the index is unchanged: questions repeat words, and counting
        // a common one means reading up to a tenth of the index.
        let known = wordCounts.withLock { cache -> WordCounts? in cache.version == version ? cache : nil }
        let chunks = try known?.chunks ?? Int.fetchOne(db, sql: "SELECT count(*) FROM chunk") ?? 0
        // How many chunks each word is in, counted up to a tenth of the index (see QueryPlan).
        let bound = max(50, chunks / 10)
        var stats = known?.words ?? [:]
        var counted: [String: QueryPlan.WordStats] = [:]
        func count(_ word: String) throws -> Int {
            if let known = stats[word] { return known.count }
            let sample = try db.cachedStatement(
                sql: """
                    SELECT count(*), min(rowid), max(rowid) FROM (
                        SELECT rowid FROM chunk_search WHERE chunk_search MATCH ? ORDER BY rowid LIMIT ?)
                    """)
            let row = try Row.fetchOne(sample, arguments: [Self.term(word), bound])
            let (found, first, last): (Int, Int64?, Int64?) = (row?[0] ?? 0, row?[1], row?[2])
            // Dense: its matches fill at least half of the rows they span (a word in most chunks).
            let dense = found >= bound && first.map { Int64(found) * 2 > last! - $0 + 1 } ?? false
            let entry = QueryPlan.WordStats(word: word, count: found, dense: dense)
            stats[word] = entry
            counted[word] = entry
            return found
        }
        defer {
            wordCounts.withLock { cache in
                if cache.version != version || cache.words.count > 50_000 {
                    cache = WordCounts(version: version, chunks: chunks)
                }
                cache.words.merge(counted) { $1 }
            }
        }
        for word in query.allWords { _ = try count(word) }
        // A word found nowhere may be misspelt: its nearest term in the index stands in for it (an
        // everyday word is spelt right: "going" is not "ongoing").
        for (position, group) in query.groups.enumerated()
        where try !CommonWords.english.contains(Substring(group.words[0])) && group.words.allSatisfy({ try count($0) == 0 }) {
            if let term = try Self.correction(of: group.words[0], in: db) {
                query.groups[position].words.insert(term + "*", at: 0)
                _ = try count(term + "*")
            }
        }
        return (query, stats, chunks)
    }

    /// A word as an FTS5 term: quoted (so no user text is ever FTS5 syntax); a trailing `*` (an
    /// index term standing in for a misspelt word) makes it a prefix query.
    static func term(_ word: String) -> String {
        word.hasSuffix("*") ? "\"\(word.dropLast())\" *" : "\"\(word)\""
    }

    /// The index's term nearest to a misspelt word (terms sharing its first letter).
    private static func correction(of word: String, in db: Database) throws -> String? {
        guard let first = word.first, first.isLetter else { return nil }
        let rows = try Row.fetchAll(
            db, sql: "SELECT term, doc FROM chunk_terms WHERE term >= ? AND term < ?",
            arguments: [String(first), String(first) + "\u{10FFFF}"])
        return RunbookQuery.correction(of: word, in: rows.map { ($0["term"], $0["doc"]) })
    }

    /// One step of a plan: the chunk rows (id, path, section, text), best first.
    private static func run(_ step: QueryPlan.Step, limit: Int, candidates: Int, in db: Database) throws -> [Row] {
        var query = step.words.map(term).joined(separator: step.all ? " AND " : " OR ")
        if step.headings { query = "{title heading} : (\(query))" }
        // Headings weigh more than body text: a section whose heading names the subject is the answer.
        let order =
            step.ranked ? "bm25(chunk_search, 1.0, \(headingWeight), \(titleWeight), \(cueWeight))" : "rowid"
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

    /// The headings a section is found by: its path without the document's title (which is the
    /// title column's, so that a title word does not match every section's heading alike).
    static func heading(of section: String?) -> String {
        guard let section else { return "" }
        let path = section.components(separatedBy: RunbookParagraph.pathSeparator)
        return (path.count > 1 ? path.dropFirst() : path[...]).joined(separator: " ")
    }

    /// Words for what a section holds beyond its words: `steps` for a numbered list (a procedure,
    /// what "first steps" and "how do I" questions want), and for a table `roster` (what "who"
    /// questions look for) and the first cell of each row (what the row is about: "Incident
    /// commander" for "who is the incident commander?").
    static func cues(_ text: String) -> String {
        let rows = tableRowNames(text)
        let steps = numberedList(text) ? "steps" : ""
        return rows.isEmpty ? steps : ([steps, "roster"] + rows).filter { !$0.isEmpty }.joined(separator: " ")
    }

    /// The first cells of a Markdown table's rows (not its header or separator).
    static func tableRowNames(_ text: String) -> [String] {
        guard text.utf8.contains(UInt8(ascii: "|")) else { return [] }
        let lines = text.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        func isSeparator(_ line: String) -> Bool {
            line.hasPrefix("|") && line.allSatisfy { "|-: ".contains($0) }
        }
        var names: [String] = []
        for (index, line) in lines.enumerated() where line.hasPrefix("|") && !isSeparator(line) {
            if index + 1 < lines.count, isSeparator(lines[index + 1]) { continue }  // the header
            if let first = line.split(separator: "|").first?.trimmingCharacters(in: .whitespaces), !first.isEmpty {
                names.append(first)
            }
        }
        return names
    }

    /// Whether the text holds a numbered list.
    private static func numberedList(_ text: String) -> Bool {
        // By bytes, not a Regex: this runs for every chunk indexed.
        var atLineStart = true
        var digits = 0
        var bytes = text.utf8.makeIterator()
        while let byte = bytes.next() {
            switch byte {
            case UInt8(ascii: "\n"):
                (atLineStart, digits) = (true, 0)
            case UInt8(ascii: " ") where atLineStart && digits == 0:
                continue
            case UInt8(ascii: "0")...UInt8(ascii: "9") where atLineStart && digits < 2:
                digits += 1
            case UInt8(ascii: "."), UInt8(ascii: ")"):
                if atLineStart && digits > 0, let next = bytes.next(), next == UInt8(ascii: " ") { return true }
                atLineStart = false
            default:
                atLineStart = false
            }
        }
        return false
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
