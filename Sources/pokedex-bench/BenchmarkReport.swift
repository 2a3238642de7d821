import Foundation
import PokedexRecovery
import PokedexSessions

/// The figures of one `pokedex-bench sessions` run, their targets, and their JSON form.
struct BenchmarkReport {
    let durability: SessionsConfiguration.Durability
    var baselineAppendsPerSecond = 0.0
    var singleWriterAppendsPerSecond = 0.0
    var concurrentSessions = 0
    var concurrentAppendsPerSecond = 0.0
    var contextRows = 0
    var contextP50 = Duration.zero
    var contextP99 = Duration.zero
    var baselineContextP50 = Duration.zero
    var baselineContextP99 = Duration.zero
    var expiredMessages = 0
    var cleanupSeconds = 0.0
    var cleanupRemoved = 0
    var longestAppendDuringCleanup = Duration.zero
    var appendsDuringCleanup = 0
    var appendP99WithoutCleanup = Duration.zero
    var peakResidentBytes = 0

    private struct Row {
        var name: String
        var value: String
        var target: String
        var met: Bool?
    }

    private var measured: [Row] {
        let ratio = singleWriterAppendsPerSecond / max(baselineAppendsPerSecond, 1)
        return [
            Row(
                name: "raw SQLite baseline, durable appends/s", value: format(baselineAppendsPerSecond), target: "—",
                met: nil),
            Row(
                name: "one writer, durable appends/s",
                value: "\(format(singleWriterAppendsPerSecond)) (\(String(format: "%.2f", ratio))× baseline)",
                target: "≥ 0.8× baseline", met: ratio >= 0.8),
            Row(
                name: "\(concurrentSessions) sessions at once, durable appends/s",
                value: format(concurrentAppendsPerSecond), target: "≥ 20,000",
                met: concurrentAppendsPerSecond >= 20_000),
            Row(
                name: "context p50 / p99 at \(format(Double(contextRows))) rows",
                value: "\(milliseconds(contextP50)) / \(milliseconds(contextP99)) ms", target: "p99 ≤ 0.5 ms",
                met: contextP99 <= .microseconds(500)),
            Row(
                name: "raw SQLite context query p50 / p99",
                value: "\(milliseconds(baselineContextP50)) / \(milliseconds(baselineContextP99)) ms", target: "—",
                met: nil),
            Row(
                name: "cleanup of \(format(Double(expiredMessages))) expired",
                value: String(format: "%.2f s (%d removed)", cleanupSeconds, cleanupRemoved),
                target: "—", met: nil),
            Row(
                name: "longest append during cleanup",
                value:
                    "\(milliseconds(longestAppendDuringCleanup)) ms (\(appendsDuringCleanup) appends; p99 without cleanup \(milliseconds(appendP99WithoutCleanup)) ms)",
                target: "≤ 100 ms", met: longestAppendDuringCleanup <= .milliseconds(100)),
            Row(
                name: "peak RSS", value: String(format: "%.1f MB", Double(peakResidentBytes) / 1_000_000),
                target: "< 100 MB",
                met: peakResidentBytes < 100_000_000),
        ]
    }

    var table: String {
        let rows = measured
        let nameWidth = rows.map(\.name.count).max() ?? 0
        let valueWidth = rows.map(\.value.count).max() ?? 0
        return rows.map { row in
            let verdict = row.met.map { $0 ? "met" : "MISSED" } ?? ""
            return row.name.padding(toLength: nameWidth + 2, withPad: " ", startingAt: 0)
                + row.value.padding(toLength: valueWidth + 2, withPad: " ", startingAt: 0)
                + row.target.padding(toLength: 18, withPad: " ", startingAt: 0) + verdict
        }.joined(separator: "\n")
    }

    var json: Data {
        get throws {
            let figures: [String: Any] = [
                "durability": durability.rawValue,
                "baseline_appends_per_second": baselineAppendsPerSecond.rounded(),
                "single_writer_appends_per_second": singleWriterAppendsPerSecond.rounded(),
                "single_writer_ratio_to_baseline": singleWriterAppendsPerSecond / max(baselineAppendsPerSecond, 1),
                "concurrent_appends_per_second": concurrentAppendsPerSecond.rounded(),
                "context_rows": contextRows,
                "context_p50_ms": contextP50.milliseconds, "context_p99_ms": contextP99.milliseconds,
                "baseline_context_p50_ms": baselineContextP50.milliseconds,
                "baseline_context_p99_ms": baselineContextP99.milliseconds,
                "expired_messages": expiredMessages, "cleanup_seconds": cleanupSeconds,
                "cleanup_removed": cleanupRemoved,
                "longest_append_during_cleanup_ms": longestAppendDuringCleanup.milliseconds,
                "appends_during_cleanup": appendsDuringCleanup,
                "append_p99_without_cleanup_ms": appendP99WithoutCleanup.milliseconds,
                "peak_rss_bytes": peakResidentBytes,
                "targets_met": measured.compactMap(\.met).allSatisfy { $0 },
            ]
            let document: [String: Any] = [
                "benchmark": "sessions", "date": Timestamp.iso8601(Date()), "machine": machineDescription(),
                "results": figures,
            ]
            return try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys])
        }
    }

    private func format(_ value: Double) -> String {
        let formatter = NumberFormatter()
        formatter.numberStyle = .decimal
        formatter.maximumFractionDigits = 0
        return formatter.string(from: NSNumber(value: value)) ?? "\(Int(value))"
    }

    private func milliseconds(_ duration: Duration) -> String {
        String(format: "%.3f", duration.milliseconds)
    }
}
