import ArgumentParser
import Foundation
import PokedexRecovery
import PokedexSessions
import PokedexSettings

/// `pokedex-bench sessions`: durable appends (one writer and 64 sessions at once), context latency
/// at a million rows, cleanup of half a million expired messages under concurrent appends, peak RSS.
struct SessionsBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "Benchmark the SQLite session store against raw SQLite.")

    @Option(help: "Appends by the single writer (and by the raw baseline).") var appends = 3000
    @Option(help: "Sessions appending at once.") var concurrentSessions = 64
    @Option(help: "Appends per concurrent session.") var appendsPerSession = 500
    @Option(help: "Sessions in the context benchmark.") var contextSessions = 50_000
    @Option(help: "Messages per session in the context benchmark.") var messagesPerSession = 20
    @Option(help: "Context reads measured.") var contextSamples = 20_000
    @Option(help: "Expired messages for the cleanup benchmark.") var expiredMessages = 500_000
    @Option(help: "full or normal.") var durability = "full"
    @Option(help: "Also measure PostgreSQL at this postgres:// URL (a database is created beside it).")
    var database: String?
    @Option(help: "Where to write the JSON results.") var output = "bench-results/sessions.json"
    @Flag(help: "Tiny sizes: checks the benchmark works, measures nothing meaningful.") var quick = false

    mutating func run() async throws {
        if quick {
            (appends, concurrentSessions, appendsPerSession) = (50, 8, 10)
            (contextSessions, contextSamples, expiredMessages) = (200, 200, 5000)
        }
        guard let level = SessionsConfiguration.Durability(rawValue: durability) else {
            throw BenchmarkError("--durability must be full or normal")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "pokedex-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var report = BenchmarkReport(durability: level)
        let workload = SessionsWorkload(directory: directory, durability: level)

        print("Durable appends, one writer (\(appends))…")
        (report.baselineAppendsPerSecond, report.singleWriterAppendsPerSecond) = try await workload.singleWriterAppends(
            count: appends)
        print("Durable appends, \(concurrentSessions) sessions at once…")
        report.concurrentSessions = concurrentSessions
        report.concurrentAppendsPerSecond = try await workload.concurrentAppends(
            sessions: concurrentSessions, each: appendsPerSession)
        print("Context window at \(contextSessions * messagesPerSession) rows…")
        let context = try await workload.contextLatency(
            sessions: contextSessions, messages: messagesPerSession, samples: contextSamples)
        report.contextRows = contextSessions * messagesPerSession
        (report.contextP50, report.contextP99, report.baselineContextP50, report.baselineContextP99) = context
        print("Cleanup of \(expiredMessages) expired messages under appends…")
        let cleanup = try await workload.cleanupUnderLoad(expired: expiredMessages)
        report.expiredMessages = expiredMessages
        report.cleanupSeconds = cleanup.seconds
        report.cleanupRemoved = cleanup.removed
        report.longestAppendDuringCleanup = cleanup.longest
        report.appendsDuringCleanup = cleanup.appends
        report.appendP99WithoutCleanup = cleanup.quietP99
        report.peakResidentBytes = peakResidentBytes()

        var postgres: PostgresSessionsBenchmark.Figures?
        if let database {
            postgres = try await PostgresSessionsBenchmark(url: database).run(
                appends: min(appends, 2000), sessions: concurrentSessions, each: quick ? 10 : 200,
                contextSessions: quick ? 200 : 50_000, messages: messagesPerSession, samples: quick ? 200 : 5000)
        }

        print("")
        print(report.table)
        if let postgres {
            print("")
            print("PostgreSQL (same run)")
            print(String(format: "  one writer           %8.0f appends/s", postgres.singleWriterAppendsPerSecond))
            print(
                String(
                    format: "  %d sessions at once  %8.0f appends/s   target ≥ 5,000   %@", concurrentSessions,
                    postgres.concurrentAppendsPerSecond, postgres.concurrentAppendsPerSecond >= 5000 ? "met" : "MISSED")
            )
            print(
                String(
                    format: "  context at %d rows  p50 %.3f ms  p99 %.3f ms   target p99 ≤ 2 ms   %@",
                    postgres.contextRows,
                    postgres.contextP50.milliseconds, postgres.contextP99.milliseconds,
                    postgres.contextP99 <= .milliseconds(2) ? "met" : "MISSED"))
        }
        let url = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        var json = try report.json
        if let postgres,
            var document = try JSONSerialization.jsonObject(with: json) as? [String: Any],
            var results = document["results"] as? [String: Any]
        {
            results["postgres"] = postgres.dictionary
            document["results"] = results
            json = try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
        }
        try json.write(to: url)
        print("\nWrote \(output)")
    }
}
