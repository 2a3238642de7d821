import Foundation
import PokedexRecovery

/// Latency samples with percentiles.
struct Latencies {
    private(set) var samples: [Duration] = []

    mutating func record(_ duration: Duration) { samples.append(duration) }

    func percentile(_ fraction: Double) -> Duration {
        guard !samples.isEmpty else { return .zero }
        let sorted = samples.sorted()
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * fraction).rounded(.down)))]
    }

    var maximum: Duration { samples.max() ?? .zero }
}

extension Duration {
    /// The duration in milliseconds, for reports (`seconds` comes from PokedexRecovery).
    var milliseconds: Double { seconds * 1000 }
}

/// Times an async operation.
func timed<T>(_ body: () async throws -> T) async rethrows -> (T, Duration) {
    let clock = ContinuousClock()
    let start = clock.now
    let value = try await body()
    return (value, clock.now - start)
}

/// This process's peak resident set size, in bytes.
func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1024
}

/// Facts about the machine, recorded beside the figures.
func machineDescription() -> [String: String] {
    var facts: [String: String] = [
        "cores": "\(ProcessInfo.processInfo.activeProcessorCount)",
        "memory_gib": String(format: "%.1f", Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824),
        "os": ProcessInfo.processInfo.operatingSystemVersionString,
    ]
    if let cpu = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        .split(separator: "\n").first(where: { $0.hasPrefix("model name") })?
        .split(separator: ":").last?.trimmingCharacters(in: .whitespaces)
    {
        facts["cpu"] = cpu
    }
    return facts
}
