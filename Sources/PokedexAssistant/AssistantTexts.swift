import PokedexSessions

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
    /// The model stated a host's state that no Falcon lookup of this turn found.
    static let couldNotCheck =
        "⚠️ I could not check that in Falcon, so I cannot tell you the host's state. Ask me again, or check the Falcon console."
    /// The last resort when the model fails and no tool could answer: it names the part that failed.
    static let modelUnavailable =
        "⚠️ The language model is not answering right now, and none of my tools could answer this on its own. Please try again in a moment."

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

    static let noRoute = """
        Without the language model I can answer questions about a host (e.g. "is WS-1234 contained?"), \
        the weather (e.g. "weather in Berlin") and the runbooks, and this question is none of those I can \
        handle right now. Please try again later or rephrase.
        """

    /// The system prompt (SPEC 2.5): tools, and how to behave when they fail.
    static func systemPrompt(tools: [String]) -> String {
        """
        You are Pokedex, a SOC Q&A assistant for a security operations team. Answer briefly and precisely.
        Use the tools when a question needs live data or the team's runbooks: \(tools.isEmpty ? "none are available now" : tools.joined(separator: ", ")).
        Pass hostnames exactly as the user wrote them. Quote runbook answers with their sources.
        When a tool returns an error or says a service is unavailable, explain that to the user and suggest an \
        alternative (the Falcon console, the runbooks, the on-call contact). Never return an empty answer, and \
        never show a technical error or stack trace.
        Containment actions are only requested through the crowdstrike_containment tool; relay its confirmation \
        instructions to the user word for word. Never claim a host was contained unless the tool said so.
        """
    }
}
