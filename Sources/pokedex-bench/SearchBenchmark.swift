import ArgumentParser
import Foundation
import PokedexRecovery
import PokedexSettings
import PokedexTools

/// `pokedex-bench search`: indexing speed over a generated corpus of runbooks, and query latency.
struct SearchBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search", abstract: "Benchmark runbook indexing and search.")

    @Option(help: "Corpus size in megabytes.") var megabytes = 20
    @Option(help: "Files the corpus is spread over.") var files = 200
    @Option(help: "Queries measured.") var queries = 2000
    @Option(help: "Where to write the JSON results.") var output = "bench-results/search.json"
    @Flag(help: "Tiny sizes: checks the benchmark works, measures nothing meaningful.") var quick = false

    mutating func run() async throws {
        if quick { (megabytes, files, queries) = (1, 10, 50) }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "pokedex-bench-\(UUID().uuidString)")
        let folder = directory.appendingPathComponent("runbooks")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        print("Generating \(megabytes) MB of runbooks in \(files) files…")
        let corpus = GeneratedRunbooks(seed: 2026)
        let corpusBytes = try corpus.write(megabytes: megabytes, files: files, into: folder)
        let (random, words) = (corpus.random, corpus.words)
        func word() -> String { corpus.word() }

        print("Indexing…")
        let index = try RunbookIndex(path: directory.appendingPathComponent("runbooks.db").path)
        let (summary, indexTime) = try await timed { try index.update(from: folder) }
        let megabytesPerSecond = Double(corpusBytes) / 1_000_000 / indexTime.seconds

        // Two ways to ask: words drawn like the text (Zipf: most queries hold the commonest words,
        // the hard case) and words drawn evenly from the vocabulary (each topic asked about alike).
        print("Querying (\(queries) of each kind)…")
        func measure(_ pick: () -> String) throws -> Latencies {
            var latencies = Latencies()
            for _ in 0..<queries {
                let query = (0..<3).map { _ in pick() }.joined(separator: " ")
                let start = ContinuousClock.now
                _ = try index.search(query)
                latencies.record(ContinuousClock.now - start)
            }
            return latencies
        }
        let zipf = try measure(word)
        let even = try measure { words[Int(random.nextValue() % UInt64(words.count))] }

        // Hybrid search's own cost (the embedding model's time is the model server's): every
        // section gets a vector the size of MiniLM's (384), the questions random ones.
        print("Storing a 384-dimension vector per section, querying hybrid…")
        func vector() -> [Float] { (0..<384).map { _ in Float(random.nextUnit()) - 0.5 } }
        var pending = try index.sectionsToEmbed(model: "bench", limit: 1000)
        while !pending.isEmpty {
            try index.storeVectors(pending.map { ($0.id, vector()) }, model: "bench")
            pending = try index.sectionsToEmbed(model: "bench", limit: 1000)
        }
        var hybrid = Latencies()
        for number in 0..<queries {
            let query = (0..<3).map { _ in word() }.joined(separator: " ")
            let question = RunbookIndex.QueryVector(model: "bench", values: vector())
            let start = ContinuousClock.now
            _ = try index.search(query, vector: question)
            if number > 0 { hybrid.record(ContinuousClock.now - start) }  // the first loads the vectors
        }
        let hybridP50 = hybrid.percentile(0.5).milliseconds
        let hybridP99 = hybrid.percentile(0.99).milliseconds
        let p50 = zipf.percentile(0.5).milliseconds
        let p99 = zipf.percentile(0.99).milliseconds
        let evenP50 = even.percentile(0.5).milliseconds
        let evenP99 = even.percentile(0.99).milliseconds
        let indexingMet = megabytesPerSecond >= 5
        let queryMet = p99 <= 5 && evenP99 <= 5

        print("")
        print(
            String(
                format: "indexing   %.1f MB in %.2f s = %.2f MB/s (%d chunks)   target ≥ 5 MB/s   %@",
                Double(corpusBytes) / 1_000_000, indexTime.seconds, megabytesPerSecond, summary.chunks,
                indexingMet ? "met" : "MISSED"))
        print(
            String(
                format: "query, words drawn like the text   p50 %.3f ms, p99 %.3f ms   target p99 ≤ 5 ms  %@",
                p50, p99, p99 <= 5 ? "met" : "MISSED"))
        print(
            String(
                format: "query, words drawn evenly          p50 %.3f ms, p99 %.3f ms   target p99 ≤ 5 ms  %@",
                evenP50, evenP99, evenP99 <= 5 ? "met" : "MISSED"))
        print(
            String(
                format: "query, hybrid (keywords + 384-d vectors of %d sections)   p50 %.3f ms, p99 %.3f ms",
                summary.chunks, hybridP50, hybridP99))
        print(String(format: "peak RSS   %.1f MB", Double(peakResidentBytes()) / 1_000_000))
        let document: [String: Any] = [
            "benchmark": "search", "date": ISO8601DateFormatter().string(from: Date()), "machine": machineDescription(),
            "results": [
                "corpus_bytes": corpusBytes, "files": files, "chunks": summary.chunks,
                "index_seconds": indexTime.seconds, "index_megabytes_per_second": megabytesPerSecond,
                "query_p50_ms": p50, "query_p99_ms": p99, "even_query_p50_ms": evenP50,
                "even_query_p99_ms": evenP99, "hybrid_query_p50_ms": hybridP50, "hybrid_query_p99_ms": hybridP99,
                "queries": queries, "peak_rss_bytes": peakResidentBytes(),
                "targets_met": indexingMet && queryMet,
            ] as [String: Any],
        ]
        let url = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys]).write(to: url)
        print("\nWrote \(output)")
    }
}

/// Runbooks made up of SOC words and a long tail of generated ones, drawn by Zipf's law as in
/// real prose (a few words everywhere, most rare), with a section heading now and then: the
/// search benchmark's corpus, and the distractors among which the retrieval benchmark asks.
struct GeneratedRunbooks {
    static let vocabulary = """
        host containment ransomware phishing credential firewall endpoint sensor falcon detection alert incident
        responder escalation commander backup restore rebuild malware sandbox attachment domain account password
        session identity token audit ticket severity triage indicator hash network isolation quarantine recovery
        lateral movement persistence privilege exfiltration encryption vulnerability patch server workstation
        email header mailbox gateway policy procedure runbook contact pager shift analyst review evidence memory
        """.split(whereSeparator: \.isWhitespace).map(String.init)

    let random: SeededRandomSource
    let words = vocabulary + (0..<3000).map { "term\($0)x" }
    private let cumulative: [Double]

    init(seed: UInt64) {
        random = SeededRandomSource(seed: seed)
        var total = 0.0
        cumulative = (1...words.count).map { rank in
            total += 1 / Double(rank)
            return total
        }
    }

    /// A word drawn by Zipf's law.
    func word() -> String {
        let target = random.nextUnit() * cumulative[cumulative.count - 1]
        var low = 0
        var high = cumulative.count - 1
        while low < high {
            let middle = (low + high) / 2
            if cumulative[middle] < target { low = middle + 1 } else { high = middle }
        }
        return words[low]
    }

    /// Writes `files` runbooks of `megabytes` in all as `runbook-N.md`.
    /// - Returns: the bytes written.
    func write(megabytes: Int, files: Int, into folder: URL) throws -> Int {
        let bytesPerFile = megabytes * 1_000_000 / files
        var corpusBytes = 0
        for file in 0..<files {
            var text = "# Runbook \(file)\n\n"
            var section = 0
            while text.utf8.count < bytesPerFile {
                if random.nextUnit() < 0.05 {
                    section += 1
                    text += "## Section \(section): \(word()) \(word())\n\n"
                }
                let sentences = (0..<(3 + Int(random.nextValue() % 5))).map { _ in
                    (0..<(8 + Int(random.nextValue() % 10))).map { _ in word() }.joined(separator: " ").capitalizedFirst
                        + "."
                }
                text += sentences.joined(separator: " ") + "\n\n"
            }
            corpusBytes += text.utf8.count
            try Data(text.utf8).write(to: folder.appendingPathComponent("runbook-\(file).md"))
        }
        return corpusBytes
    }
}

extension String {
    fileprivate var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
