import Foundation
import InMemoryLogging
import Logging
import MetricsTestKit
import PokedexRecovery
import PokedexSettings
import PokedexTesting

/// A ``Recovery`` on a manual clock, with its log and metrics captured.
struct RecoveryHarness {
    let clock = ManualClock()
    let log = InMemoryLogHandler()
    let metrics = TestMetrics()
    let recovery: Recovery

    /// - Parameters:
    ///   - jitter: 0 unless set, so delays are exact.
    ///   - attemptTimeout: an hour unless set, so that the timer of an attempt in flight is never
    ///     mistaken for a retry's wait by ``ManualClock/advanceToNextWake(within:)``.
    ///   - configure: further changes to the defaults.
    init(
        jitter: Double = 0, attemptTimeout: Duration = .seconds(3600), seed: UInt64 = 42,
        configure: (inout RecoveryConfiguration) -> Void = { _ in }
    ) {
        var configuration = RecoveryConfiguration()
        for (service, defaults) in ToolName.declared { configuration.declare(service, defaults) }
        for tool in Array(configuration.policies.keys) {
            configuration.policies[tool]?.jitter = jitter
            configuration.policies[tool]?.timeout = attemptTimeout
        }
        configuration.defaultPolicy.jitter = jitter
        configuration.defaultPolicy.timeout = attemptTimeout
        configure(&configuration)
        let log = self.log
        let clock = self.clock
        recovery = Recovery(
            configuration: configuration, clock: clock, wallClock: { clock.currentDate },
            random: SeededRandomSource(seed: seed), logger: Logger(label: "test") { _ in log }, metrics: metrics)
    }

    /// Seconds on the manual clock since it started.
    var elapsed: Double { clock.now.offset.seconds }
}

extension ToolName {
    // Recovery knows no tool: these services stand for the tools', with the defaults they declare.
    static let crowdstrike: ToolName = "crowdstrike"
    static let weather: ToolName = "weather"
    static let documentSearch: ToolName = "document_search"
    static let llm: ToolName = "llm"

    static let declared: [(ToolName, RecoveryDefaults)] = [
        (.crowdstrike, RecoveryDefaults(policy: RetryPolicy(maxRetries: 2, initialDelay: .seconds(1), backoff: 2.0), threshold: 5)),
        (.weather, RecoveryDefaults(policy: RetryPolicy(maxRetries: 3, initialDelay: .milliseconds(500), backoff: 1.5), threshold: 10)),
        (.documentSearch, RecoveryDefaults(policy: RetryPolicy(maxRetries: 1, initialDelay: .milliseconds(500), backoff: 1.0))),
        (.llm, RecoveryDefaults(policy: RetryPolicy(maxRetries: 1, initialDelay: .seconds(1), backoff: 2.0, timeout: .seconds(25), retryAfterTimeout: false))),
    ]
}

/// Records what an operation saw, from any task.
final class Recorder: @unchecked Sendable {
    private let lock = NSLock()
    private var times: [Double] = []

    func record(_ time: Double) { lock.withLock { times.append(time) } }
    var attemptTimes: [Double] { lock.withLock { times } }
    var count: Int { lock.withLock { times.count } }
}

extension RecoveryHarness {
    /// A call whose every attempt fails with `failure`, run while the test moves the clock through
    /// `waits` retry delays.
    /// - Returns: the outcome, the clock times of the attempts, and the waits the clock moved through.
    func failingCall(
        _ tool: ToolName, failure: ServiceFailure, waits: Int,
        idempotent: Bool = true
    ) async -> (outcome: CallOutcome<String>, attempts: [Double], waits: [Double]) {
        let recorder = Recorder()
        let clock = self.clock
        let task = Task {
            await recovery.call(tool, idempotent: idempotent) { _ -> String in
                recorder.record(clock.now.offset.seconds)
                throw failure
            }
        }
        var steps: [Double] = []
        for _ in 0..<waits {
            steps.append(await clock.advanceToNextWake(within: .seconds(9)).seconds)
        }
        return (await task.value, recorder.attemptTimes, steps)
    }
}
