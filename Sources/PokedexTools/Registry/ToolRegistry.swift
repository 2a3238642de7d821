import PokedexRecovery

/// The tools this installation has (those configured), and which of them the model may be offered
/// now (those recovery has not taken out of service).
public struct ToolRegistry: Sendable {
    public let tools: [any Tool]
    private let recovery: Recovery

    public init(_ tools: [any Tool], recovery: Recovery) {
        self.tools = tools
        self.recovery = recovery
    }

    /// The tools to offer the model now.
    public var available: [any Tool] {
        tools.filter { recovery.isAvailable($0.service) }
    }

    /// The tool with this name, if configured.
    public func tool(named name: String) -> (any Tool)? {
        tools.first { $0.name.rawValue == name }
    }
}
