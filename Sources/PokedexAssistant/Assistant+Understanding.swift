import Foundation
import PokedexLLM
import PokedexSessions
import PokedexTools

extension Assistant {
    /// The entities of the session's earlier turns, newest turn first: for each question, what
    /// the tools looked up for it (from the evidence stored with its answer), so that "and is it
    /// online?" knows what "it" is — on any replica, and after a restart (SPEC 3.2).
    func earlierEntities(_ history: [StoredMessage]) -> [[Entity]] {
        var turns: [[Entity]] = []
        var current: [Entity] = []
        for message in history.reversed() {
            switch message.role {
            case .tool:
                current = (Evidence.stored(message.content) ?? []).flatMap(entities(of:))
            case .user:
                turns.append(current)
                current = []
            default:
                continue
            }
        }
        return turns
    }

    /// What one evidence entry looked up, by the parameters its tool takes entities in.
    private func entities(of evidence: Evidence) -> [Entity] {
        guard let tool = tools.registry.tool(named: evidence.tool),
            case .object(let arguments)? = JSONValue.parse(evidence.arguments)
        else { return [] }
        return tool.entityParameters.sorted { $0.key.rawValue < $1.key.rawValue }.compactMap { kind, parameter in
            guard case .string(let value)? = arguments[parameter] else { return nil }
            return Entity(kind, value)
        }
    }

    /// A request to act (SPEC 3.2): the action's request step for what it names — which checks
    /// the user, and asks for confirmation — or why it cannot be done here. One target at a time:
    /// a confirmation names exactly one host.
    func act(_ request: ActionRequest, _ question: Question) async -> Reply {
        switch request {
        case .unavailable(let action, let reason):
            return Reply(text: AssistantTexts.cannotAct(action, reason: reason))
        case .available(let tool, let action, let targets):
            var values = action.arguments
            values[action.parameter] = .string(targets[0].value)
            guard let arguments = try? ToolArguments(values, for: tool.name, tool.parameters) else {
                return Reply(text: AssistantTexts.cannotAct(action, reason: "its arguments are not valid"))
            }
            let run = await self.run(tool, arguments, text: Self.jsonText(values), question)
            var text = run.result.text
            if targets.count > 1 { text += "\n\n" + AssistantTexts.oneAtATime(targets.dropFirst().map(\.value)) }
            var reply = Reply(text: text, toolsUsed: [tool.name.rawValue], isFallback: run.result.fellBack)
            reply.evidence = [run.evidence]
            return reply
        }
    }

    /// What the tools look up for this question before any model is asked: every entity it names
    /// or refers to, and every tool's direct route (a runbook topic or procedure), all at once;
    /// with `anyQuestion` (no model to ask), a question that names nothing is searched by the tool
    /// that takes any question.
    /// At most `assistant.max_lookups` of them: a message naming a hundred hosts does not send a
    /// hundred requests to Falcon (``leftOut(_:)`` says what was not looked up).
    func lookUp(_ question: Question, anyQuestion: Bool = false) async -> [ToolRun] {
        var lookups = Array(tools.registry.lookups(for: question.reading).prefix(configuration.maxLookups))
        if lookups.isEmpty, anyQuestion, question.reading.entities.isEmpty,
            let search = tools.registry.anyQuestionLookup(for: question.text)
        {
            lookups = [search]
        }
        return await withTaskGroup(of: (Int, ToolRun?).self) { group in
            for (index, lookup) in lookups.enumerated() {
                group.addTask { (index, await self.run(lookup, question)) }
            }
            var runs: [(Int, ToolRun)] = []
            for await (index, run) in group { if let run { runs.append((index, run)) } }
            return runs.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// The note for a question that named more than `assistant.max_lookups` things to look up.
    func leftOut(_ question: Question) -> String? {
        let named = tools.registry.lookups(for: question.reading).count
        return named > configuration.maxLookups ? AssistantTexts.leftOut(named, looked: configuration.maxLookups) : nil
    }

    /// Runs one lookup (nil when its arguments do not fit the tool).
    private func run(_ lookup: ToolLookup, _ question: Question) async -> ToolRun? {
        guard let arguments = try? ToolArguments(lookup.arguments, for: lookup.tool.name, lookup.tool.parameters) else {
            return nil
        }
        return await run(lookup.tool, arguments, text: Self.jsonText(lookup.arguments), question)
    }
}
