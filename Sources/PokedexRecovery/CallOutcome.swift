import Foundation

/// What a guarded call produced: the value, or why there is none. What the user is shown then
/// (the fallback text) is the caller's to say: recovery knows no tool.
public enum CallOutcome<Value: Sendable>: Sendable {
    case success(Value, attempts: Int)
    case failure(FailureReason)

    /// The value, if the call succeeded.
    public var value: Value? {
        if case .success(let value, _) = self { return value }
        return nil
    }

    /// Why the call did not succeed, if it did not.
    public var failureReason: FailureReason? {
        if case .failure(let reason) = self { return reason }
        return nil
    }
}

/// Why a call ended without a value.
public enum FailureReason: Sendable, Equatable {
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
