import Foundation
import PokedexSettings

/// How often and how patiently a tool's failed calls are tried again (SPEC 2.1).
///
/// The delay before retry *n* (0-based) is `initialDelay × backoff^n`, capped at `maxDelay`, then
/// spread by ±`jitter` (a fraction) so that many callers do not retry in lockstep. With `jitter = 0`
/// the delays are exactly the specification's table.
public struct RetryPolicy: Sendable, Equatable {
    /// Retries after the first attempt (attempts = retries + 1). `recovery.<tool>.max_retries`.
    public var maxRetries: Int
    /// Delay before the first retry. `recovery.<tool>.delay`.
    public var initialDelay: Duration
    /// Growth of the delay per retry. `recovery.<tool>.backoff`.
    public var backoff: Double
    /// Longest single delay. `recovery.<tool>.max_delay`.
    public var maxDelay: Duration
    /// Random spread of each delay, as a fraction (0.2 = ±20 %). `recovery.<tool>.jitter`.
    public var jitter: Double
    /// Time limit of one attempt. `recovery.<tool>.timeout`.
    public var timeout: Duration
    /// Whether an attempt that ran out of time is tried again. `recovery.<tool>.retry_after_timeout`.
    /// Off for the language model: a one-request-at-a-time server may still be working on the
    /// abandoned request, so a retry only queues behind it.
    public var retryAfterTimeout: Bool

    public init(
        maxRetries: Int, initialDelay: Duration, backoff: Double, maxDelay: Duration = .seconds(30),
        jitter: Double = 0.2, timeout: Duration = .seconds(10), retryAfterTimeout: Bool = true
    ) {
        self.maxRetries = maxRetries
        self.initialDelay = initialDelay
        self.backoff = backoff
        self.maxDelay = maxDelay
        self.jitter = jitter
        self.timeout = timeout
        self.retryAfterTimeout = retryAfterTimeout
    }

    /// For a service that declared none (`recovery.default.*`).
    public static let `default` = RetryPolicy(maxRetries: 2, initialDelay: .seconds(1), backoff: 2.0)

    /// All attempts, the first included.
    public var attempts: Int { maxRetries + 1 }

    /// The delay before retry `retry` (0-based).
    /// - Parameter unit: a random number in [0, 1) that places the jitter; 0.5 means none.
    public func delay(beforeRetry retry: Int, unit: Double = 0.5) -> Duration {
        let base = initialDelay.seconds * pow(backoff, Double(retry))
        let capped = min(base, maxDelay.seconds)
        let spread = 1 + jitter * (2 * unit - 1)
        return .nanoseconds(Int64((max(0, capped * spread) * 1e9).rounded()))
    }
}

/// What a service brings to recovery unless the configuration says otherwise: declared by the
/// tool (or the model client) that owns the service.
public struct RecoveryDefaults: Sendable, Equatable {
    public var policy: RetryPolicy
    /// Failures in the window above which the service is taken out of service; nil for
    /// `recovery.default.threshold`.
    public var threshold: Int?

    public init(policy: RetryPolicy, threshold: Int? = nil) {
        self.policy = policy
        self.threshold = threshold
    }

    public static let standard = RecoveryDefaults(policy: .default)
}
