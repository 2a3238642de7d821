import Foundation
import Logging
import PokedexAudit
import PokedexLLM
import PokedexRecovery
import PokedexSessions
import PokedexSettings
import PokedexTools

/// The turn pipeline every channel calls (SPEC 3): input checks, the bot's name, containment
/// confirmations, commands, then the agent — or, without a usable model, the degraded route —
/// within the turn's deadline, one turn per session at a time, both turns stored.
/// ``respond(_:)`` never throws and never shows a technical error.
public final class Assistant: Sendable {
    let configuration: AssistantConfiguration
    let store: any SessionStore
    let recovery: Recovery
    let tools: ToolSet
    let model: (any ChatModel)?
    let clock: RecoveryClock
    let logger: Logger
    private let turns = SessionTurns()
    /// What fits the model's context window, learned from its usage figures.
    let promptBudget = PromptBudget()
    /// Ends the turns in flight when a server's grace period runs out.
    private let ending = TurnEnding()

    /// Extra time past the deadline before the turn is abandoned outright; the recovery rules make
    /// every call end by the deadline itself, so this only covers a part that ignores cancellation.
    static let deadlineMargin: Duration = .milliseconds(500)

    /// - Parameters:
    ///   - model: the language model; nil answers in degraded mode.
    ///   - clock: the clock recovery uses too, for the deadline and elapsed times.
    public init(
        configuration: AssistantConfiguration, store: any SessionStore, recovery: Recovery, tools: ToolSet,
        model: (any ChatModel)?, clock: any Clock<Duration> = ContinuousClock(),
        logger: Logger = Logger(label: "pokedex.assistant")
    ) {
        self.configuration = configuration
        self.store = store
        self.recovery = recovery
        self.tools = tools
        self.model = model
        self.clock = RecoveryClock(clock)
        self.logger = logger
    }

    /// Ends every turn in flight, and any that starts after, with a fallback reply that says the
    /// server is shutting down: called when a server's grace period is about to run out, so each
    /// waiting user gets an answer before the connections close.
    public func endTurnsInFlight() { ending.end() }

    /// Answers one message.
    public func respond(_ turn: Turn) async -> Reply {
        let start = clock.now()
        var reply = await answer(turn)
        reply.elapsedMilliseconds = Self.milliseconds(clock.now() - start)
        TurnMetrics(factory: recovery.metricsFactory).count(reply, caller: turn.caller)
        return reply
    }

    private func answer(_ turn: Turn) async -> Reply {
        let text = stripBotName(turn.message.trimmingCharacters(in: .whitespacesAndNewlines))
        if text.isEmpty { return Reply(text: AssistantTexts.empty) }
        if text.count > configuration.maxInputCharacters {
            return Reply(text: AssistantTexts.tooLong(text.count, limit: configuration.maxInputCharacters))
        }
        let key = SessionKey(user: turn.user, room: turn.room)
        do {
            try key.validate()
        } catch {
            return Reply(text: AssistantTexts.badSession(error))
        }
        let question = Question(text: text, key: key, caller: turn.caller, onText: turn.onText)
        return await turns.run(key) {
            do {
                // A store shared by several replicas also keeps this session's turns on other replicas apart.
                return try await store.withExclusiveTurn(key) { await self.withinDeadline(question) }
            } catch {
                logger.error("could not lock the session for the turn", metadata: ["error": "\(error)"])
                return await self.withinDeadline(question)
            }
        }
    }

    /// A question after the input checks.
    struct Question: Sendable {
        var text: String
        var key: SessionKey
        var caller: Caller
        var onText: (@Sendable (String) -> Void)?
        /// What it names and asks, read once the session's history is known.
        var reading: QuestionReading
        /// The session's stored messages before it, oldest first.
        var history: [StoredMessage] = []

        init(text: String, key: SessionKey, caller: Caller, onText: (@Sendable (String) -> Void)?) {
            self.text = text
            self.key = key
            self.caller = caller
            self.onText = onText
            reading = QuestionReading(text)
        }

        var context: ToolContext { ToolContext(question: text, user: key.user, room: key.room, caller: caller) }
    }

    /// What a step of the pipeline decided: the reply, and whether the turn is stored.
    struct Outcome: Sendable {
        var reply: Reply
        var stored = true
    }

    /// Runs the pipeline under the deadline; if it has not answered by the deadline (plus a small
    /// margin) the user gets the question's fallback. Storing happens here, once, either way.
    private func withinDeadline(_ question: Question) async -> Reply {
        enum Finish: Sendable {
            case answered(Outcome)
            case deadline
            case ended
        }
        let deadline = configuration.deadline
        let clock = self.clock
        let finish = await withTaskGroup(of: Finish.self) { group in
            group.addTask {
                .answered(await self.recovery.withDeadline(deadline) { await self.process(question) })
            }
            group.addTask {
                try? await clock.sleep(deadline + Self.deadlineMargin)
                return .deadline
            }
            group.addTask {
                await self.ending.wait()
                return .ended
            }
            let first = await group.next() ?? .deadline
            group.cancelAll()
            return first
        }
        let final: Outcome
        switch finish {
        case .answered(let outcome):
            final = outcome
        case .deadline:
            logger.warning("turn abandoned at its deadline", metadata: ["deadline": "\(deadline)"])
            final = Outcome(reply: Reply(text: tools.registry.fallbackText(for: question.text), isFallback: true))
        case .ended:
            logger.warning("turn ended unfinished: the server is shutting down")
            final = Outcome(reply: Reply(text: AssistantTexts.shuttingDown, isFallback: true))
        }
        // What is shown is what is stored: an answer too large for the store is cut, with a note.
        var reply = final.reply
        reply.text = Self.fitting(reply.text, limit: store.configuration.maxMessageBytes)
        // A turn the user cancelled (Ctrl-C in the chat) leaves nothing behind.
        if final.stored && !Task.isCancelled { reply.stored = await record(question, reply) }
        return reply
    }

    /// Stores the question, the evidence and the answer. A store failure is logged; the user still gets the
    /// answer, marked as not stored.
    private func record(_ question: Question, _ reply: Reply) async -> Bool {
        do {
            // One transaction: a crash never leaves a question without its answer, or an answer
            // without the evidence it rests on.
            var messages: [(MessageRole, String)] = [(.user, question.text)]
            if !reply.evidence.isEmpty {
                let limit = store.configuration.maxMessageBytes
                messages.append((.tool, Evidence.storedText(reply.evidence, limit: limit)))
            }
            messages.append((reply.isFallback ? .fallback : .assistant, reply.text))
            _ = try await store.append(messages, to: question.key)
            return true
        } catch {
            logger.error("could not store the turn", metadata: ["error": "\(error)"])
            return false
        }
    }

    private func process(_ question: Question) async -> Outcome {
        // MCP servers that were down, or whose tools changed, are read again first.
        await tools.registry.refresh()
        // An action's confirmation phrase goes to its tool before any model sees it.
        for tool in tools.registry.tools {
            if let confirmed = await tool.answerConfirmation(question.text, context: question.context) {
                return Outcome(reply: Reply(text: confirmed, toolsUsed: [tool.name.rawValue]))
            }
        }
        if let command = Command(question.text) {
            return await run(command, question)
        }
        var question = question
        question.history = await history(question.key)
        let earlier = earlier(question.history)
        question.reading = QuestionReading(question.text, earlier: earlier.entities, aliases: earlier.aliases)
        // A request to act goes to the action's request step, which asks for confirmation: no
        // model is needed to start it, and none is asked.
        if let request = request(for: question, earlier: earlier) {
            return Outcome(reply: await act(request, question))
        }
        var reply: Reply
        if let model, recovery.isAvailable(.llm) {
            reply = await agentAnswer(question, model: model)
        } else {
            reply = await degradedAnswer(question, because: model == nil ? .notConfigured : .unavailable)
        }
        if let note = leftOut(question) { reply.text += "\n\n" + note }
        return Outcome(reply: reply)
    }

    /// The session's stored messages, oldest first (none when the store cannot be read: the turn
    /// goes on without its history).
    private func history(_ key: SessionKey) async -> [StoredMessage] {
        do {
            return try await store.history(of: key)
        } catch {
            logger.error("could not read the session's history", metadata: ["error": "\(error)"])
            return []
        }
    }

    /// The text without a leading bot name, matched as a whole word and in any case (`pokedex
    /// status` → `status`; `pokedexter foo` stays), with the punctuation that follows it.
    func stripBotName(_ text: String) -> String {
        var rest = Substring(text)
        if rest.hasPrefix("@") { rest = rest.dropFirst() }
        for name in configuration.botNames where rest.lowercased().hasPrefix(name.lowercased()) {
            let after = rest.dropFirst(name.count)
            if let next = after.first, next.isLetter || next.isNumber || next == "_" { continue }
            return String(after.drop { $0.isWhitespace || ",:;!-".contains($0) })
        }
        return text
    }

    /// `text` cut to `limit` bytes of UTF-8 at a character boundary, with a note saying so; the
    /// text itself when it fits.
    static func fitting(_ text: String, limit: Int) -> String {
        guard text.utf8.count > limit else { return text }
        let note = "\n\n[…] " + AssistantTexts.cut(limit: limit)
        let budget = limit - note.utf8.count
        var (used, end) = (0, text.startIndex)
        for character in text {
            let size = character.utf8.count
            if used + size > budget { break }
            used += size
            end = text.index(after: end)
        }
        return String(text[..<end]) + note
    }

    static func milliseconds(_ duration: Duration) -> Int {
        Int(duration.milliseconds)
    }
}
