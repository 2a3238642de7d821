import PokedexRecovery

/// `document_search`: the team's runbooks, through recovery, answered with cited excerpts.
public struct RunbookSearchTool: Tool {
    public let name = ToolName.documentSearch
    public let description =
        "Search the SOC team's runbooks and procedures (incident response, phishing, containment, escalation contacts). Returns excerpts with their sources."
    public let parameters = ToolParameters(
        ["query": .init(.string, "What to look for, in a few words, e.g. 'ransomware first steps'.")],
        required: ["query"])

    private let index: RunbookIndex
    private let recovery: Recovery

    public init(index: RunbookIndex, recovery: Recovery) {
        self.index = index
        self.recovery = recovery
    }

    public func run(_ arguments: ToolArguments, context: ToolContext) async -> ToolResult {
        let query = arguments.string("query") ?? context.question
        let index = self.index
        return ToolResult(
            await recovery.call(name, question: context.question) { _ in
                do {
                    return RunbookAnswer.format(try index.search(query), query: query)
                } catch {
                    // The index is a local file: a failure is most likely a lock or a rebuild in progress.
                    throw ServiceFailure(.connection, "runbook index unavailable")
                }
            })
    }
}

extension RunbookSearchTool: SelfTesting {
    /// The index opens and holds runbooks.
    public func selfTest(timeLimit: Duration) async -> SelfTest {
        do {
            let counts = try index.counts()
            return SelfTest(
                passed: counts.documents > 0,
                detail: counts.documents > 0
                    ? "\(counts.documents) runbooks, \(counts.chunks) excerpts" : "the index holds no runbooks")
        } catch {
            return SelfTest(passed: false, detail: "the index cannot be read: \(error)")
        }
    }
}
