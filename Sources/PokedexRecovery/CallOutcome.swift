import Foundation

/// What a guarded call produced: the value, or the fallback to show and why.
public enum CallOutcome<Value: Sendable>: Sendable {
    case success(Value, attempts: Int)
    case fallback(Fallback, reason: FallbackReason)

    /// The value, if the call succeeded.
    public var value: Value? {
        if case .success(let value, _) = self { return value }
        return nil
    }

    /// The fallback, if the call did not succeed.
    public var fallback: Fallback? {
        if case .fallback(let fallback, _) = self { return fallback }
        return nil
    }
}

/// Why a call ended in a fallback.
public enum FallbackReason: Sendable, Equatable {
    /// The tool is out of service (too many failures, or forced by an operator); it was not called.
    case unavailable(nextProbe: Date?)
    /// Every allowed attempt failed; the last failure is given.
    case failed(ServiceFailure, attempts: Int)
    /// The turn's deadline left no time for (another) attempt.
    case deadlineExceeded(attempts: Int)
    /// The turn was cancelled; nothing more was tried.
    case cancelled
}

/// Handed to each attempt of a guarded call.
public struct Attempt: Sendable {
    /// 1 for the first attempt.
    public var number: Int
    /// The time this attempt may take (the per-attempt timeout, or less near the turn's deadline).
    public var timeLimit: Duration
    /// True when this call is the single probe of an unavailable tool.
    public var isProbe: Bool
}
