import Foundation
import PokedexTesting
import Testing

/// Each benchmark runs (at tiny sizes, in the debug build) and writes every figure; the real
/// figures come from a release build and are recorded in docs/benchmarks.md.
@Suite("pokedex-bench")
struct BenchmarkSmokeTests {
    @Test(arguments: [
        (
            "sessions",
            [
                "baseline_appends_per_second", "single_writer_appends_per_second", "concurrent_appends_per_second",
                "context_p99_ms", "cleanup_seconds", "longest_append_during_cleanup_ms", "peak_rss_bytes",
            ]
        ),
        ("recovery", ["direct_call_us", "guarded_call_us", "ratio", "concurrent_calls_per_second"]),
        ("search", ["index_megabytes_per_second", "query_p50_ms", "query_p99_ms", "even_query_p99_ms", "hybrid_query_p99_ms", "chunks"]),
        ("turn", ["direct_p50_ms", "direct_p99_ms", "assistant_p50_ms", "assistant_p99_ms", "history_messages"]),
    ])
    func benchmarkRunsAndWritesItsFigures(benchmark: String, figures: [String]) async throws {
        let directory = try TemporaryDirectory(prefix: "pokedex-bench")
        defer { directory.remove() }
        let output = directory.path("\(benchmark).json")
        let outcome = try await ChildProcess.run(
            executable: ChildProcess.builtProduct("pokedex-bench"), [benchmark, "--quick", "--output", output])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("Wrote \(output)"))

        let document =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output))) as? [String: Any]
        let results = try #require(document?["results"] as? [String: Any])
        for key in figures {
            #expect((results[key] as? Double ?? 0) > 0, "\(key)")
        }
        if benchmark == "sessions" {
            #expect(results["cleanup_removed"] as? Int == 5000)
        }
    }

    /// The retrieval benchmark over the shipped runbooks and questions, among a few generated runbooks.
    @Test func retrievalRunsAndWritesItsFigures() async throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let directory = try TemporaryDirectory(prefix: "pokedex-bench")
        defer { directory.remove() }
        let output = directory.path("retrieval.json")
        let outcome = try await ChildProcess.run(
            executable: ChildProcess.builtProduct("pokedex-bench"),
            [
                "retrieval", "--runbooks", root.appendingPathComponent("runbooks").path, "--questions",
                root.appendingPathComponent("evaluation/runbook-questions.json").path, "--distractors", "10",
                "--output", output,
            ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let document =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output))) as? [String: Any]
        let results = try #require(document?["results"] as? [String: [String: Any]])
        #expect(results.count == 2, "the runbooks alone, and among generated ones")
        for corpus in results.values {
            let keyword = try #require(corpus["keyword"] as? [String: Double])
            #expect((keyword["recall_at_3"] ?? 0) >= 0.85 && (keyword["no_answer_precision"] ?? 0) >= 0.8, "\(keyword)")
        }
    }

    @Test(
        .enabled(
            if: FileManager.default.isExecutableFile(atPath: "/usr/bin/wrk"),
            "apt install wrk (the .ci/run script does)"))
    func theHTTPBenchmarkLoadsARealServer() async throws {
        let directory = try TemporaryDirectory(prefix: "pokedex-bench")
        defer { directory.remove() }
        let output = directory.path("http.json")
        let outcome = try await ChildProcess.run(
            executable: ChildProcess.builtProduct("pokedex-bench"), ["http", "--quick", "--output", output])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let document =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output))) as? [String: Any]
        let results = try #require(document?["results"] as? [String: Any])
        for mode in ["degraded", "scripted_llm"] {
            let figures = try #require(results[mode] as? [String: Any])
            #expect((figures["turns_per_second"] as? Double ?? 0) > 0, "\(mode)")
            #expect((figures["p99_ms"] as? Double ?? 0) > 0, "\(mode)")
            #expect((figures["peak_rss_bytes"] as? Int ?? 0) > 0, "\(mode)")
            #expect(figures["errors"] as? Int == 0, "\(mode)")
        }
    }
}
