import Foundation

/// Whether a tool is being called.
public enum ToolState: String, Sendable, Codable {
    /// Calls go through.
    case available
    /// Calls get the fallback at once; the tool is not offered to the model.
    case unavailable
    /// One probe call is in flight to see whether the tool is back.
    case probing
}

/// The health of every tool (SPEC 2.7), for `pokedex health`, `GET /api/v1/health/tools` and the
/// chat command `health`.
public struct HealthReport: Sendable, Codable, Equatable {
    public var timestamp: Date
    /// Failed calls in the window, per tool.
    public var errorCounts: [String: Int]
    /// Whether each tool is available (a probe counts as not available).
    public var toolAvailability: [String: Bool]
    /// The last time any tool's count was cleared (a successful probe or an operator's reset), or
    /// when recovery started.
    public var lastReset: Date
    public var tools: [String: ToolHealth]

    enum CodingKeys: String, CodingKey {
        case timestamp, errorCounts = "error_counts", toolAvailability = "tool_availability"
        case lastReset = "last_reset", tools
    }
}

/// One tool's part of the ``HealthReport``.
public struct ToolHealth: Sendable, Codable, Equatable {
    /// The last failure: its message (never a secret) and when it happened.
    public struct LastError: Sendable, Codable, Equatable {
        public var message: String
        public var time: Date
    }

    public var state: ToolState
    /// True when an operator forced the state.
    public var forced: Bool
    public var failuresInWindow: Int
    /// Failures above this make the tool unavailable.
    public var threshold: Int
    public var lastError: LastError?
    public var lastSuccess: Date?
    /// When an unavailable tool will next be probed.
    public var nextProbe: Date?

    enum CodingKeys: String, CodingKey {
        case state, forced, failuresInWindow = "failures_in_window", threshold, lastError = "last_error"
        case lastSuccess = "last_success", nextProbe = "next_probe"
    }
}
