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

    /// The first tool that answers this question directly, with its arguments (SPEC 3.1).
    public func directRoute(_ question: String) -> (any Tool, [String: ToolArgument])? {
        for tool in tools {
            if let arguments = tool.directArguments(for: question) { return (tool, arguments) }
        }
        return nil
    }

    /// A direct route, else the first tool that takes any question (degraded mode, SPEC 2.6).
    public func degradedRoute(_ question: String) -> (any Tool, [String: ToolArgument])? {
        if let direct = directRoute(question) { return direct }
        for tool in tools {
            if let arguments = tool.anyQuestionArguments(for: question) { return (tool, arguments) }
        }
        return nil
    }

    /// What the user sees when a turn ends without an answer: the fallback of the tool the
    /// question asks for, or the general one.
    public func fallbackText(for question: String) -> String {
        directRoute(question).map { $0.0.fallbackText(for: question) } ?? ToolResult.unavailableText
    }
}
