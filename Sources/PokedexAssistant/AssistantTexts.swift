import PokedexSessions
import PokedexTools

/// The fixed texts users see (SPEC 2.5, 3), in one place.
enum AssistantTexts {
    static let empty = "Please ask me a question!"
    static let technicalDifficulties =
        "⚠️ I'm experiencing technical difficulties. Please try again or contact support."
    static let sessionCleared =
        "✅ Session context cleared! Starting fresh with no memory of our previous conversation."
    static let sessionNew = "✅ Starting a new session! (No previous context found)"
    /// `why` with no answer yet in the session.
    static let nothingToExplain = "There is no answer of mine in this conversation yet to explain."
    /// `why` after an answer that no tool informed.
    static let noToolsUsed =
        "My last answer did not use any tool: it came from the language model alone (or from a command), so there is no evidence to show."
    /// The last resort when the model fails and no tool could answer: it names the part that failed.
    static let modelUnavailable =
        "⚠️ The language model is not answering right now, and none of my tools could answer this on its own. Please try again in a moment."

    /// A turn the server's shutdown ended before it was answered.
    static let shuttingDown =
        "⚠️ I'm restarting and could not finish this answer in time. Please ask again in a minute."

    /// The note under an answer cut to fit the store (`sessions.max_message_bytes`).
    static func cut(limit: Int) -> String {
        "⚠️ This answer was longer than the \(limit / 1024) KiB I can keep, so it was cut here."
    }

    static func tooLong(_ count: Int, limit: Int) -> String {
        "⚠️ Your message is \(count) characters long; I can take at most \(limit). Please shorten it or split it up."
    }

    static func badSession(_ error: SessionStoreError) -> String {
        "⚠️ I can't keep a conversation for this user and room: \(error). Please check the user and room names."
    }

    /// The line that opens a degraded answer.
    static func degradedNote(modelConfigured: Bool) -> String {
        modelConfigured
            ? "ℹ️ The language model is unavailable right now, so this answer comes straight from my tools."
            : "ℹ️ No language model is configured, so this answer comes straight from my tools."
    }

    /// Degraded mode found no tool for the question: what the tools can answer.
    static func noRoute(_ tools: [any Tool]) -> String {
        let can = tools.compactMap(\.capability).map { "• " + $0 }.joined(separator: "\n")
        return can.isEmpty
            ? "Without the language model I can only answer from my tools, and none is available right now. Please try again later."
            : "Without the language model I can answer what my tools answer directly, and this question is none of those:\n\(can)\nPlease try again later or rephrase."
    }

    /// The system prompt (SPEC 2.5): the tools offered now, their own guidance, and how to behave
    /// when they fail.
    static func systemPrompt(tools: [any Tool]) -> String {
        let names = tools.map(\.name.rawValue)
        let guidance = tools.compactMap(\.guidance).map { "\n" + $0 }.joined()
        return """
            You are Pokedex, a SOC Q&A assistant for a security operations team. Answer briefly and precisely.
            Use the tools when a question needs live data or the team's runbooks: \(names.isEmpty ? "none are available now" : names.joined(separator: ", ")).\(guidance)
            When a tool returns an error or says a service is unavailable, explain that to the user and suggest an \
            alternative (the Falcon console, the runbooks, the on-call contact). Never return an empty answer, and \
            never show a technical error or stack trace.
            """
    }
}
