import PokedexRecovery

/// The tools this installation has (those configured, and those its MCP servers offer now), and
/// which of them the model may be offered now (those recovery has not taken out of service).
public struct ToolRegistry: Sendable {
    private let builtIn: [any Tool]
    /// Where tools that come and go are found (MCP servers).
    public let sources: [any ToolSource]
    private let recovery: Recovery

    public init(_ tools: [any Tool], sources: [any ToolSource] = [], recovery: Recovery) {
        self.builtIn = tools
        self.sources = sources
        self.recovery = recovery
    }

    /// Every tool, as its sources offer them now.
    public var tools: [any Tool] {
        sources.isEmpty ? builtIn : builtIn + sources.flatMap(\.tools)
    }

    /// Lets each source connect or read its tools again when it needs to (before a turn, a
    /// listing or a status), all at once.
    public func refresh() async {
        guard !sources.isEmpty else { return }
        await withTaskGroup(of: Void.self) { group in
            for source in sources { group.addTask { await source.refresh() } }
        }
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

/// Tools that come and go while Pokedex runs: another MCP server's, whose list may change and
/// which may be down at start-up.
public protocol ToolSource: Sendable {
    /// Its tools as last read (kept while it is down: recovery decides whether they are offered).
    var tools: [any Tool] { get }
    /// Connects, or reads its tools again, when it needs to; cheap when it does not.
    func refresh() async
}
