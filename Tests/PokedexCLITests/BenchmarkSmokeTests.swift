import Foundation
import PokedexTesting
import Testing

/// The benchmark itself runs (at tiny sizes, in the debug build) and writes every figure; the real
/// figures come from a release build and are recorded in docs/benchmarks.md.
@Suite("pokedex-bench")
struct BenchmarkSmokeTests {
    @Test func sessionsBenchmarkRunsAndWritesItsFigures() async throws {
        let directory = try TemporaryDirectory(prefix: "pokedex-bench")
        defer { directory.remove() }
        let output = directory.path("sessions.json")
        let outcome = try await ChildProcess.run(
            executable: ChildProcess.builtProduct("pokedex-bench"), ["sessions", "--quick", "--output", output])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("one writer, durable appends/s"))

        let document =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output))) as? [String: Any]
        let results = try #require(document?["results"] as? [String: Any])
        for key in [
            "baseline_appends_per_second", "single_writer_appends_per_second", "concurrent_appends_per_second",
            "context_p99_ms", "cleanup_seconds", "longest_append_during_cleanup_ms", "peak_rss_bytes",
        ] {
            #expect((results[key] as? Double ?? 0) > 0, "\(key)")
        }
        #expect(results["cleanup_removed"] as? Int == 5000)
    }

    @Test func recoveryBenchmarkRunsAndWritesItsFigures() async throws {
        let directory = try TemporaryDirectory(prefix: "pokedex-bench")
        defer { directory.remove() }
        let output = directory.path("recovery.json")
        let outcome = try await ChildProcess.run(
            executable: ChildProcess.builtProduct("pokedex-bench"), ["recovery", "--quick", "--output", output])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let document =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output))) as? [String: Any]
        let results = try #require(document?["results"] as? [String: Any])
        for key in ["direct_call_us", "guarded_call_us", "ratio", "concurrent_calls_per_second"] {
            #expect((results[key] as? Double ?? 0) > 0, "\(key)")
        }
    }

    @Test func searchBenchmarkRunsAndWritesItsFigures() async throws {
        let directory = try TemporaryDirectory(prefix: "pokedex-bench")
        defer { directory.remove() }
        let output = directory.path("search.json")
        let outcome = try await ChildProcess.run(
            executable: ChildProcess.builtProduct("pokedex-bench"), ["search", "--quick", "--output", output])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let document =
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output))) as? [String: Any]
        let results = try #require(document?["results"] as? [String: Any])
        for key in ["index_megabytes_per_second", "query_p50_ms", "query_p99_ms"] {
            #expect((results[key] as? Double ?? 0) > 0, "\(key)")
        }
        #expect((results["chunks"] as? Int ?? 0) > 0)
    }
}
