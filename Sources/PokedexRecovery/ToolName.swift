/// A tool (or service) that recovery keeps separate books for: its own retry policy, breaker and
/// fallback. Unknown names use the `default` policy.
public struct ToolName: RawRepresentable, Hashable, Sendable, Codable, Comparable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    /// CrowdStrike Falcon host lookups (and containment actions).
    public static let crowdstrike: ToolName = "crowdstrike"
    /// Open-Meteo weather.
    public static let weather: ToolName = "weather"
    /// Runbook search.
    public static let documentSearch: ToolName = "document_search"
    /// The language model itself.
    public static let llm: ToolName = "llm"

    public var description: String { rawValue }
    public static func < (lhs: ToolName, rhs: ToolName) -> Bool { lhs.rawValue < rhs.rawValue }
}
