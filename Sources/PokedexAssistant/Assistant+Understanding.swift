import Foundation
import PokedexLLM
import PokedexSessions
import PokedexTools

extension Assistant {
    /// What the session's earlier turns looked up (from the evidence stored with each answer, so
    /// on any replica and after a restart): each question's entities, newest turn first; words
    /// that describe them ("the mac"); and the request to act of the last turn, if it was one —
    /// so that "and is it online?" knows what "it" is and "same for the dc" what to do (SPEC 3.2).
    func earlier(_ history: [StoredMessage]) -> Earlier {
        var earlier = Earlier()
        var current: [Evidence] = []
        for message in history.reversed() {
            switch message.role {
            case .tool:
                current = Evidence.stored(message.content) ?? []
            case .user:
                // What was looked up, and the hosts the question named (one a request left for later).
                var turn = current.flatMap { entities(of: $0) }
                for named in EntityReader.entities(in: message.content) where named.kind == .host {
                    if !turn.contains(where: { $0.sameAs(named) }) { turn.append(named) }
                }
                earlier.entities.append(turn)
                for evidence in current where !evidence.fellBack {
                    guard let tool = tools.registry.tool(named: evidence.tool) else { continue }
                    for entity in entities(of: evidence) {
                        earlier.aliases[entity.value.lowercased(), default: []].formUnion(tool.aliases(in: evidence.result))
                    }
                }
                if earlier.entities.count <= 3, earlier.lastRequest == nil {
                    earlier.lastRequest = current.lazy.compactMap(request).first
                }
                current = []
            default:
                continue
            }
        }
        return earlier
    }

    /// What earlier turns looked up.
    struct Earlier: Sendable {
        var entities: [[Entity]] = []
        var aliases: [String: Set<String>] = [:]
        /// The tool and action the last request to act asked for (within the last three turns).
        var lastRequest: (tool: any Tool, action: ToolAction)?
    }

    /// What one evidence entry looked up, by the parameters its tool takes entities in.
    private func entities(of evidence: Evidence) -> [Entity] {
        guard let tool = tools.registry.tool(named: evidence.tool), let arguments = Self.arguments(of: evidence) else {
            return []
        }
        return tool.entityParameters.sorted { $0.key.rawValue < $1.key.rawValue }.compactMap { kind, parameter in
            guard case .string(let value)? = arguments[parameter] else { return nil }
            return Entity(kind, value)
        }
    }

    /// The request to act an evidence entry records: its tool's action whose arguments it carries.
    private func request(_ evidence: Evidence) -> (tool: any Tool, action: ToolAction)? {
        guard let tool = tools.registry.tool(named: evidence.tool), let arguments = Self.arguments(of: evidence),
            let action = tool.actions.first(where: { action in
                action.arguments.allSatisfy { name, value in Self.matches(arguments[name], value) }
            })
        else { return nil }
        return (tool, action)
    }

    private static func arguments(of evidence: Evidence) -> [String: JSONValue]? {
        guard case .object(let arguments)? = JSONValue.parse(evidence.arguments) else { return nil }
        return arguments
    }

    private static func matches(_ value: JSONValue?, _ argument: ToolArgument) -> Bool {
        switch (value, argument) {
        case (.string(let a)?, .string(let b)): a == b
        case (.bool(let a)?, .bool(let b)): a == b
        case (.number(let a)?, .number(let b)): a == b
        default: false
        }
    }

    /// A request to act: the one the message makes, or — for "same for the dc", "now the mac",
    /// "same deal" after a request — the last one again, for what this message names.
    func request(for question: Question, earlier: Earlier) -> ActionRequest? {
        if let request = tools.request(for: question.reading) { return request }
        let reading = question.reading
        guard reading.repeatsEarlier, !reading.isQuestion, let (tool, action) = earlier.lastRequest else { return nil }
        let targets = reading.entities(action.target)
        return targets.isEmpty ? nil : .available(tool, action, targets)
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
    /// with `anyQuestion` (no model to ask), a question that names nothing a tool takes is searched
    /// by the tool that takes any question.
    /// At most `assistant.max_lookups` of them: a message naming a hundred hosts does not send a
    /// hundred requests to Falcon (``leftOut(_:)`` says what was not looked up).
    func lookUp(_ question: Question, anyQuestion: Bool = false) async -> [ToolRun] {
        var lookups = Array(tools.registry.lookups(for: question.reading).prefix(configuration.maxLookups))
        // Named things no tool takes (a domain, with no MCP server for domains) leave the question to it too.
        if lookups.isEmpty, anyQuestion,
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
