import Foundation
import PokedexRecovery
import PokedexSessions
import PokedexTools

/// One tool call of a turn: what it returned, and how that reads as evidence.
struct ToolRun: Sendable {
    var tool: ToolName
    /// The arguments as JSON text.
    var arguments: String
    var result: ToolResult
    var evidence: Evidence
}

extension [ToolRun] {
    /// The names of the tools that ran, in order.
    var toolsUsed: [String] { map(\.tool.rawValue) }
}

extension Assistant {
    /// Runs a tool and stamps its evidence (as the tool presents its result) with the time.
    func run(_ tool: any Tool, _ arguments: ToolArguments, text: String, _ question: Question) async -> ToolRun {
        let result = await tool.run(arguments, context: question.context)
        let evidence = Evidence(
            tool: tool.name.rawValue, arguments: text, result: tool.evidenceText(result), time: recovery.currentDate(),
            fellBack: result.fellBack)
        return ToolRun(tool: tool.name, arguments: text, result: result, evidence: evidence)
    }

    /// `why`: the evidence of the session's last answer, as stored with it (so any replica, and
    /// this one after a restart, can say it).
    func whyReport(_ key: SessionKey) async -> String {
        let history = (try? await store.history(of: key)) ?? []
        guard let last = history.lastIndex(where: { $0.role == .assistant || $0.role == .fallback }) else {
            return AssistantTexts.nothingToExplain
        }
        guard last > 0, history[last - 1].role == .tool, let evidence = Evidence.stored(history[last - 1].content),
            let block = Evidence.block(evidence)
        else { return AssistantTexts.noToolsUsed }
        return "My last answer rests on what these tools returned:\n\n" + block
    }
}
