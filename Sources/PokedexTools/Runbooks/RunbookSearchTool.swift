import Foundation
import PokedexRecovery

extension ToolName {
    /// Runbook search.
    public static let documentSearch: ToolName = "document_search"
}

/// `document_search`: the team's runbooks, through recovery, answered with cited excerpts.
public struct RunbookSearchTool: CatalogTool {
    public static let name = ToolName.documentSearch
    public static let recoveryDefaults = RecoveryDefaults(
        policy: RetryPolicy(maxRetries: 1, initialDelay: .milliseconds(500), backoff: 1.0))

    public let description =
        "Search the SOC team's runbooks and procedures (incident response, phishing, containment, escalation contacts). Returns excerpts with their sources."
    public let parameters = ToolParameters(
        ["query": .init(.string, "What to look for, in a few words, e.g. 'ransomware first steps'.")],
        required: ["query"])
    public let capability: String? = "search the team's runbooks (\"what's our ransomware runbook?\")"
    public let guidance: String? = "Quote runbook answers with their sources."

    public let index: RunbookIndex
    /// Ranking by meaning beside keywords; nil when no embedding model is configured.
    public let embeddings: RunbookEmbeddings?
    private let recovery: Recovery

    public init(index: RunbookIndex, recovery: Recovery, embeddings: RunbookEmbeddings? = nil) {
        self.index = index
        self.recovery = recovery
        self.embeddings = embeddings
    }

    /// The runbooks folder is indexed (unchanged files are skipped by hash, so this is quick after
    /// the first time); sections are embedded in the background when an embedding model is
    /// configured.
    public static func build(_ context: ToolBuildContext) throws -> ToolBuild {
        let configuration = context.configuration
        let folder = URL(fileURLWithPath: configuration.runbooksDirectory)
        guard (try? folder.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true else {
            return .disabled("no runbooks folder at \(configuration.runbooksDirectory)")
        }
        do {
            let index = try RunbookIndex(path: configuration.runbooksIndex, ranking: configuration.runbookRanking)
            _ = try index.update(from: folder)
            let embeddings = context.embeddingModel.map {
                RunbookEmbeddings(model: $0, index: index, recovery: context.recovery, logger: context.logger)
            }
            embeddings?.startCatchUp()
            return .built(RunbookSearchTool(index: index, recovery: context.recovery, embeddings: embeddings))
        } catch {
            return .disabled("the runbook index \(configuration.runbooksIndex) cannot be used: \(error)")
        }
    }

    public func run(_ arguments: ToolArguments, context: ToolContext) async -> ToolResult {
        let query = arguments.string("query") ?? context.question
        let index = self.index
        let vector = await embeddings?.vector(for: query)
        let outcome = await recovery.call(Self.service) { _ in
            do {
                return try index.search(query, vector: vector)
            } catch {
                // The index is a local file: a failure is most likely a lock or a rebuild in progress.
                throw ServiceFailure(.connection, "runbook index unavailable")
            }
        }
        guard let hits = outcome.value else { return ToolResult(text: fallbackText(for: context.question), fellBack: true) }
        return ToolResult(text: RunbookAnswer.format(hits, query: query), foundNothing: hits.isEmpty)
    }

    /// A question that asks for the team's procedures, or names a runbook topic and nothing else
    /// — the runbooks know enough of it to answer (``RunbookIndex/Ranking/minimumCoverage``),
    /// among that a word of it that is not everyday English (``CommonWords``):
    /// "who is the incident commander?", not "tell me a joke" — is searched before the model is
    /// asked (SPEC 3.2), so a model that does not search cannot invent the procedure.
    public func directArguments(for question: String) -> [String: ToolArgument]? {
        let lower = question.lowercased()
        if Self.procedureWords.contains(where: lower.contains) { return ["query": .string(question)] }
        // A question about a host or a place is about that, even in words the runbooks use.
        guard EntityReader.entities(in: question).isEmpty, PlaceReader.places(in: question).isEmpty,
            let known = try? index.coverage(of: question), known.coverage >= index.ranking.minimumCoverage,
            known.known.contains(where: { $0.contains(where: \.isLetter) && !CommonWords.english.contains(Substring($0)) })
        else { return nil }
        return ["query": .string(question)]
    }

    private static let procedureWords = [
        "runbook", "playbook", "procedure", "how do we", "how do i", "how should we", "what are the steps",
        "first steps", "escalat", "on-call", "on call", "what now",
        "what do i do", "what do we do", "what should i do", "what should we do", "next steps", "the process",
        "process for", "the steps", "steps to", "steps for", "how to", "am i allowed", "are we allowed",
        "do i need", "do we need", "who is allowed", "who may", "who can", "allowed to", "permission",
        "who do i", "who should i", "who do we", "who should we", "who needs to", "what happens if",
        "what happens when", "supposed to", "step one", "first step", "should we", "should i", "should they",
        "is it ok to", "is it okay to", "can we just", "can i just", "do i just", "do we just", "can i ", "can we ",
        "do i have to", "do we have to", "how long", "who takes", "who is the", "who's the", "whos the",
        "should just", "if they should", "if we should", "if i should", "the drill", "now what", "who deals",
        "who handles", "who owns", "who is responsible", "who's responsible", "how often", "anything i need",
        "before i ", "before we ", "does it matter", "ok if", "okay if", "alright if", "fine if", "is it fine",
        "at what point", "have to be", "do i put", "do i use", "do i write", "do i record", "do i log",
    ]

    /// Without a model, any question may be in the runbooks.
    public func anyQuestionArguments(for question: String) -> [String: ToolArgument]? {
        ["query": .string(question)]
    }

    /// The sources the excerpts came from (the excerpts themselves are in the answer): the
    /// answer's last line, found by its bytes — searching a long answer by characters cost a tenth
    /// of the server's time on the degraded route (`pokedex-bench http`).
    public func evidenceText(_ result: ToolResult) -> String {
        let text = result.text
        guard !result.fellBack, let newline = text.utf8.lastIndex(of: UInt8(ascii: "\n")) else { return text }
        let last = text[text.utf8.index(after: newline)...]
        guard last.hasPrefix("**Source") else { return text }
        return last.replacingOccurrences(of: "**", with: "")
    }

    public func fallbackText(for question: String) -> String {
        "⚠️ Document search is temporarily unavailable. Please refer to your local SOC documentation or contact your security team."
    }

    /// The index opens, holds runbooks and answers a query; the embedding model, when there is
    /// one, is asked too, so that the remark says how search ranks now, not how it last did.
    public func selfTest(timeLimit: Duration) async -> SelfTest? {
        let vector = await embeddings?.vector(for: "incident response")
        do {
            let counts = try index.counts()
            _ = try index.search("incident response", vector: vector)
            return SelfTest(
                passed: counts.documents > 0,
                detail: counts.documents > 0
                    ? "\(counts.documents) runbooks, \(counts.chunks) excerpts" : "the index holds no runbooks",
                remark: embeddings?.summary() ?? "keyword search only: no embedding model configured")
        } catch {
            return SelfTest(passed: false, detail: "the index cannot be read: \(error)")
        }
    }
}
