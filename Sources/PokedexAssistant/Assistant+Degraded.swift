import Foundation
import PokedexRecovery
import PokedexTools

extension Assistant {
    /// Degraded mode (SPEC 2.6): no usable model, so the question goes straight to a tool — a host
    /// question to Falcon, "weather in X" to the weather, anything else to the runbooks — and the
    /// answer says it was given without the model.
    func degradedAnswer(_ question: Question) async -> Reply {
        let note = AssistantTexts.degradedNote(modelConfigured: model != nil)
        guard let (tool, values) = route(question.text),
            let arguments = try? ToolArguments(values, for: tool.name, tool.parameters)
        else {
            return Reply(text: note + "\n\n" + AssistantTexts.noRoute, degraded: true)
        }
        let result = await tool.run(arguments, context: question.context)
        var reply = Reply(
            text: note + "\n\n" + result.text, degraded: true, toolsUsed: [tool.name.rawValue],
            isFallback: result.fallback != nil)
        reply.evidence = [evidence(tool.name.rawValue, arguments: Self.jsonText(values), result)]
        return reply
    }

    /// The tool and arguments for a question, by its words: a direct route, else runbook search.
    func route(_ text: String) -> (any Tool, [String: ToolArgument])? {
        if let direct = directRoute(text) { return direct }
        if let search = tools.registry.tool(named: ToolName.documentSearch.rawValue) {
            return (search, ["query": .string(text)])
        }
        return nil
    }

    /// A tool the question clearly asks for, with its argument in the user's own words: a hostname
    /// with status, containment, online or details; "weather in X".
    func directRoute(_ text: String) -> (any Tool, [String: ToolArgument])? {
        let lower = text.lowercased()
        let registry = tools.registry
        if let falcon = registry.tool(named: ToolName.crowdstrike.rawValue), let host = Self.hostname(in: text),
            Self.mentions(lower, ["status", "contain", "isolat", "online", "offline", "connected", "detail", "info"])
        {
            let lookup =
                Self.mentions(lower, ["detail", "info"])
                ? "details" : Self.mentions(lower, ["online", "offline", "connected"]) ? "online" : "status"
            return (falcon, ["hostname": .string(host), "lookup": .string(lookup)])
        }
        if let weather = registry.tool(named: ToolName.weather.rawValue),
            lower.contains("weather"), let match = text.firstMatch(of: Self.weatherIn)
        {
            return (weather, ["location": .string(String(match.1))])
        }
        return nil
    }

    /// "weather in X", built once (Swift parses a regex literal each time it is evaluated).
    nonisolated(unsafe) static let weatherIn = /(?i)weather\s+(?:in|for|at)\s+(.+?)[\s?.!]*$/

    /// The first word that looks like a hostname: letters and digits together (WS-1234, srv01.corp).
    static func hostname(in text: String) -> String? {
        for word in text.split(whereSeparator: { $0.isWhitespace || ",;:!?'\"()".contains($0) }) {
            let candidate = String(word).trimmingCharacters(in: CharacterSet(charactersIn: "."))
            guard candidate.contains(where: \.isLetter), candidate.contains(where: \.isNumber),
                (try? FalconHostname(candidate)) != nil
            else { continue }
            return candidate
        }
        return nil
    }

    static func mentions(_ text: String, _ words: [String]) -> Bool {
        words.contains { text.contains($0) }
    }
}
