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

    /// The line that opens a degraded answer: why the model did not answer.
    static func degradedNote(_ absence: ModelAbsence) -> String {
        "ℹ️ " + modelState(absence) + ", so this answer comes straight from my tools."
    }

    private static func modelState(_ absence: ModelAbsence) -> String {
        switch absence {
        case .notConfigured: "No language model is configured"
        case .unavailable: "The language model is unavailable right now"
        case .tooSlow: "The language model did not answer in time"
        }
    }

    /// No tool could answer and the model did not (SPEC 3.2): what failed, that the runbooks were
    /// searched, and what still works — never a search's "nothing found" as the whole answer.
    static func nothingFound(_ absence: ModelAbsence, searched: Bool, tools: [any Tool]) -> String {
        let can = tools.compactMap(\.capability).map { "• " + $0 }.joined(separator: "\n")
        let failed = "⚠️ " + modelState(absence) + (absence == .notConfigured ? "" : " (please try again in a moment)")
        let looked = searched ? ", and my tools found nothing on this by themselves" : ", and this question is not one my tools answer by themselves"
        return can.isEmpty
            ? failed + looked + ". None of my tools is available right now either; please try again later."
            : failed + looked + ". Without the model I can still:\n" + can
    }

    /// The model's answer named nothing any tool, the question or the conversation backs, so
    /// it was not shown (SPEC 3.1).
    static let nothingBacked =
        "⚠️ My answer rested on details I could not back with my tools or our conversation, so I left it out. I can check a host in Falcon, the weather for a place you name, or search our runbooks."

    /// A question the runbooks were searched for, do not cover, and the model had nothing to add to.
    static let runbooksNothing =
        "ℹ️ Our runbooks have nothing on this, and I have no answer of my own I could back. I can check a host in Falcon, the weather for a place you name, or search the runbooks in other words."

    /// Under an answer to a question the runbooks were searched for and do not cover.
    static let runbooksSilent = "ℹ️ Our runbooks have nothing on this, so the above is not from them."

    /// A request to act that no tool here can carry out, and why (SPEC 3.2).
    static func cannotAct(_ action: ToolAction, reason: String) -> String {
        "⚠️ I can't \(action.summary) here: \(reason). Nothing was done."
    }

    /// A question that named more things than are looked up in one turn.
    static func leftOut(_ named: Int, looked: Int) -> String {
        "ℹ️ You named \(named) things to look up; I looked up the first \(looked). Ask again for the rest."
    }

    /// A request that named several targets: the first was asked for, the rest must wait.
    static func oneAtATime(_ rest: [String]) -> String {
        "One action at a time: once this one is settled, ask again for " + rest.joined(separator: ", ") + "."
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
