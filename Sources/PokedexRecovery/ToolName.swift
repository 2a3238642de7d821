/// A service (a tool's, or the language model) that recovery keeps separate books for: its own
/// retry policy and breaker. Names are declared where the service is (the tool's own file);
/// services nobody declared use the `default` policy.
public struct ToolName: RawRepresentable, Hashable, Sendable, Codable, Comparable, CustomStringConvertible,
    ExpressibleByStringLiteral
{
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    public init(stringLiteral value: String) { self.rawValue = value }

    public var description: String { rawValue }
    public static func < (lhs: ToolName, rhs: ToolName) -> Bool { lhs.rawValue < rhs.rawValue }
}
