import ArgumentParser
import Foundation
import PokedexRecovery
import PokedexSettings

/// `pokedex-bench recovery`: what guarding a call costs. A healthy tool's call through
/// `Recovery.call` against the same closure called directly, and guarded calls per second with 64
/// callers sharing one breaker.
struct RecoveryBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recovery", abstract: "Benchmark the overhead of a guarded call.")

    @Option(help: "Calls measured, directly and guarded each.") var calls = 50_000
    @Option(help: "How long the measured closure works, in microseconds.") var work = 10
    @Option(help: "Concurrent callers on one breaker.") var callers = 64
    @Option(help: "Calls per concurrent caller.") var callsPerCaller = 2_000
    @Option(help: "Where to write the JSON results.") var output = "bench-results/recovery.json"
    @Flag(help: "Tiny sizes: checks the benchmark works, measures nothing meaningful.") var quick = false

    mutating func run() async throws {
        if quick { (calls, callers, callsPerCaller) = (200, 4, 20) }
        let recovery = Recovery()
        let work = Duration.microseconds(self.work)
        let closure: @Sendable () async -> Int = { busyWork(for: work) }

        print("Guarded against direct calls of a \(self.work) µs closure (\(calls) each)…")
        var direct = Duration.zero
        var guarded = Duration.zero
        let rounds = 10
        for _ in 0..<rounds {
            direct += await timed {
                for _ in 0..<calls / rounds { _ = await closure() }
            }.1
            guarded += await timed {
                for _ in 0..<calls / rounds {
                    _ = await recovery.call("document_search") { _ in await closure() }
                }
            }.1
        }
        let perDirect = direct / (calls / rounds * rounds)
        let perGuarded = guarded / (calls / rounds * rounds)
        let ratio = perGuarded.seconds / perDirect.seconds

        print("\(callers) callers on one breaker (\(callsPerCaller) calls each)…")
        let (callers, callsPerCaller) = (self.callers, self.callsPerCaller)
        let (_, concurrentTime) = await timed {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<callers {
                    group.addTask {
                        for _ in 0..<callsPerCaller {
                            _ = await recovery.call("crowdstrike") { _ in 1 }
                        }
                    }
                }
            }
        }
        let concurrentRate = Double(callers * callsPerCaller) / concurrentTime.seconds

        let met = ratio <= 1.5
        print("")
        print(String(format: "direct call                        %8.2f µs", perDirect.seconds * 1e6))
        print(
            String(
                format: "guarded call                       %8.2f µs   (%.2f× direct; target ≤ 1.5×  %@)",
                perGuarded.seconds * 1e6, ratio, met ? "met" : "MISSED"))
        print(String(format: "guarded calls/s, %d callers, one breaker  %.0f", callers, concurrentRate))
        let document: [String: Any] = [
            "benchmark": "recovery", "date": ISO8601DateFormatter().string(from: Date()),
            "machine": machineDescription(),
            "results": [
                "work_us": self.work, "direct_call_us": perDirect.seconds * 1e6,
                "guarded_call_us": perGuarded.seconds * 1e6, "ratio": ratio, "target_met": met,
                "concurrent_callers": callers, "concurrent_calls_per_second": concurrentRate.rounded(),
            ] as [String: Any],
        ]
        let url = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys]).write(to: url)
        print("\nWrote \(output)")
    }
}

/// Works the CPU for about `duration`, like a small real closure would (no sleeping).
@inline(never)
func busyWork(for duration: Duration) -> Int {
    let clock = ContinuousClock()
    let end = clock.now + duration
    var spins = 0
    while clock.now < end { spins &+= 1 }
    return spins
}
