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

    /// The lookups a question asks for (SPEC 3.2): every entity it names (or refers back to),
    /// each by the first tool that takes its kind, then every tool's own direct route; tools
    /// that act are never among them.
    public func lookups(for reading: QuestionReading) -> [ToolLookup] {
        let readers = tools.filter { $0.effect == .readOnly }
        var lookups: [ToolLookup] = []
        func add(_ tool: any Tool, _ arguments: [String: ToolArgument]) {
            guard !lookups.contains(where: { $0.tool.name == tool.name && $0.arguments == arguments }) else { return }
            lookups.append(ToolLookup(tool: tool, arguments: arguments))
        }
        for entity in reading.entities {
            for tool in readers {
                guard let arguments = tool.lookupArguments(for: entity) else { continue }
                add(tool, arguments)
                break
            }
        }
        for tool in readers {
            if let arguments = tool.directArguments(for: reading.text) { add(tool, arguments) }
        }
        return lookups
    }

    /// Without a model, what a question nothing else looks up may still find: the first tool
    /// that takes any question (runbook search).
    public func anyQuestionLookup(for question: String) -> ToolLookup? {
        for tool in tools where tool.effect == .readOnly {
            if let arguments = tool.anyQuestionArguments(for: question) { return ToolLookup(tool: tool, arguments: arguments) }
        }
        return nil
    }

    /// The request to act a question makes, and the tool that takes it (SPEC 3.2).
    public func request(for reading: QuestionReading) -> (tool: any Tool, action: ToolAction, targets: [Entity])? {
        for tool in tools where !tool.actions.isEmpty {
            if let (action, targets) = reading.request(among: tool.actions) { return (tool, action, targets) }
        }
        return nil
    }

    /// What the user sees when a turn ends without an answer: the fallback of the tool the
    /// question asks for, or the general one.
    public func fallbackText(for question: String) -> String {
        lookups(for: QuestionReading(question)).first.map { $0.tool.fallbackText(for: question) } ?? ToolResult.unavailableText
    }
}

/// A tool to run for a question, with its arguments.
public struct ToolLookup: Sendable {
    public var tool: any Tool
    public var arguments: [String: ToolArgument]
}

/// Tools that come and go while Pokedex runs: another MCP server's, whose list may change and
/// which may be down at start-up.
public protocol ToolSource: Sendable {
    /// Its tools as last read (kept while it is down: recovery decides whether they are offered).
    var tools: [any Tool] { get }
    /// Connects, or reads its tools again, when it needs to; cheap when it does not.
    func refresh() async
}
