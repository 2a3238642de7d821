import Foundation
import PokedexLLM
import PokedexRecovery
import PokedexSessions
import PokedexTools

extension Assistant {
    /// The agent loop (SPEC 3.5): the model with the tools available now, at most
    /// `assistant.max_tool_rounds` rounds of tool calls, every argument checked before a tool runs
    /// and every error told to the model; then a last round without tools so it must answer. The
    /// reply carries what every tool returned, and a tool that fell back flags the turn.
    func agentAnswer(_ question: Question, model: any ChatModel) async -> Reply {
        var runs: [ToolRun] = []
        var reply = await agentLoop(question, model: model, runs: &runs)
        reply.evidence = runs.map(\.evidence) + reply.evidence  // the degraded route's, when it answered
        if reply.evidence.contains(where: \.fellBack) { reply.isFallback = true }
        return reply
    }

    private func agentLoop(_ question: Question, model: any ChatModel, runs: inout [ToolRun]) async -> Reply {
        // A question about state is never answered by starting an action (SPEC 3.2).
        let available = tools.registry.available.filter { !question.reading.isQuestion || $0.effect == .readOnly }
        let system = AssistantTexts.systemPrompt(tools: available)
        var messages = [ChatMessage(.system, system)]
        messages += Self.chatHistory(ContextWindow(store.configuration).select(from: question.history))
        messages.append(ChatMessage(.user, question.text))
        var check = ClaimCheck(
            subjects: question.reading.entities, tools: tools.registry.tools,
            background: [question.text, system] + question.history.map(\.content) + available.map(\.description))
        let stream = question.onText.map { CheckedStream(check, forward: $0) }
        let looked = await lookUp(question)
        if !looked.isEmpty {
            // The model sees the lookups as calls it made, with their results, and phrases the answer.
            let calls = looked.enumerated().map { index, run in
                ToolCall(id: "call_direct_\(index + 1)", name: run.tool.rawValue, arguments: run.arguments)
            }
            messages.append(ChatMessage(.assistant, "", toolCalls: calls))
            for (call, run) in zip(calls, looked) {
                messages.append(ChatMessage(.tool, run.result.text, toolCallID: call.id, toolName: call.name))
            }
            runs += looked
        }
        // The conversation as it stands before the model speaks: where literal arguments must come from.
        let conversation = messages
        // The question and what follows it stay; the oldest history goes first when over budget.
        var questionIndex = messages.lastIndex { $0.role == .user } ?? 1

        for round in 0...configuration.maxToolRounds {
            let offered = round < configuration.maxToolRounds ? available : []
            let specs = offered.compactMap(Self.spec)
            let limit = configuration.contextTokens - configuration.maxTokens
            let dropped = promptBudget.fit(&messages, tools: specs, limit: limit, protectedFrom: &questionIndex)
            if dropped > 0 {
                logger.info("older messages left out to fit the model's context", metadata: ["messages": "\(dropped)"])
            }
            let request = ChatRequest(messages: messages, tools: specs, maxTokens: configuration.maxTokens)
            stream?.update(found: Self.shown(runs))
            let onText = Self.receiver(stream)
            // The model gets the turn less a reserve, in which the tools can still answer if it does not.
            let modelTime = (recovery.remainingTime() ?? configuration.deadline) - Self.toolReserve(configuration.deadline)
            let outcome = await recovery.withDeadline(max(.zero, modelTime)) {
                await recovery.call(.llm) { attempt in
                    try await model.complete(request, timeLimit: attempt.timeLimit, onText: onText)
                }
            }
            guard case .success(let response, _) = outcome else {
                return await answerWithoutModel(question, runs: runs, because: ModelAbsence(outcome.failureReason))
            }
            if let tokens = response.promptTokens {
                promptBudget.learn(bytes: PromptBudget.bytes(messages, specs), tokens: tokens)
            }
            if response.toolCalls.isEmpty || offered.isEmpty {
                stream?.finish()
                let text = response.content.trimmingCharacters(in: .whitespacesAndNewlines)
                if text.isEmpty && Self.shown(runs).isEmpty {
                    return Reply(text: AssistantTexts.technicalDifficulties, toolsUsed: runs.toolsUsed, isFallback: true)
                }
                check.update(found: Self.shown(runs))
                return checked(text, check, runs: runs)
            }
            messages.append(ChatMessage(.assistant, response.content, toolCalls: response.toolCalls))
            for call in response.toolCalls {
                let result = await runTool(call, offered: offered, question, conversation: conversation)
                if let run = result.run { runs.append(run) }
                messages.append(ChatMessage(.tool, result.text, toolCallID: call.id, toolName: call.name))
            }
        }
        return Reply(text: AssistantTexts.technicalDifficulties, toolsUsed: runs.toolsUsed, isFallback: true)
    }

    /// The model's answer as the claim check lets it be shown (SPEC 3.1). When tools found
    /// something, the text the user reads states their facts: the model's prose alone when it
    /// restates every fact, else the tools' own text with the prose after it. Prose that states
    /// what no result says, or shows tool-call syntax, is dropped for the tools' text.
    private func checked(_ text: String, _ check: ClaimCheck, runs: [ToolRun]) -> Reply {
        let found = Self.shown(runs)
        let verdict = check.verdict(text)
        guard case .shown(let shown, let removed) = verdict else {
            logger.notice(
                "the model's answer was not shown", metadata: ["reason": "\(verdict)", "tools": "\(runs.toolsUsed)"])
            if !found.isEmpty { return Reply(text: found.map(\.text).joined(separator: "\n\n"), toolsUsed: runs.toolsUsed) }
            if case .unfounded(let instead) = verdict {
                return Reply(text: instead, toolsUsed: runs.toolsUsed, isFallback: true)
            }
            return Reply(text: AssistantTexts.technicalDifficulties, toolsUsed: runs.toolsUsed, isFallback: true)
        }
        // A search's "nothing found", parroted — word for word, or in a sentence of its own about
        // another query or an earlier turn's search — is not the model's answer.
        let parroted = runs.filter(\.result.foundNothing).map(\.result.text)
        let prose = parroted.reduce(shown) { $0.replacingOccurrences(of: $1, with: "") }
            .replacing(Self.nothingFoundSentence, with: "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        if !removed.isEmpty {
            logger.notice("unsupported specifics removed from the model's answer", metadata: ["specifics": "\(removed)"])
        }
        var reply: Reply
        if found.isEmpty {
            // A search that found nothing is said after the model's words, never as the answer.
            let searched = runs.contains { $0.result.foundNothing }
            let text =
                prose.isEmpty
                ? (searched ? AssistantTexts.runbooksNothing : AssistantTexts.nothingBacked)
                : prose + (searched ? "\n\n" + AssistantTexts.runbooksSilent : "")
            reply = Reply(text: text, toolsUsed: runs.toolsUsed)
        } else {
            let facts = found.flatMap { run in
                tools.registry.tool(named: run.tool.rawValue)?.claims?.facts(in: run.text) ?? [run.text]
            }
            let lower = prose.lowercased()
            let restated = !prose.isEmpty && facts.allSatisfy { lower.contains($0.lowercased()) }
            let lead = found.map(\.text).joined(separator: "\n\n")
            reply = Reply(
                text: restated ? prose : prose.isEmpty ? lead : lead + "\n\n" + prose, toolsUsed: runs.toolsUsed)
        }
        reply.unsupported = removed
        return reply
    }

    /// A sentence in the runbook search's words for finding nothing.
    nonisolated(unsafe) static let nothingFoundSentence = try! Regex(
        "(?i)" + NSRegularExpression.escapedPattern(for: RunbookAnswer.nothingFound) + #"[^\n]*?(?:[.!?](?=\s|$)|$)"#)

    /// What the tools found that the answer shows: results that found something, each once,
    /// never fallbacks or a search's "nothing found".
    static func shown(_ runs: [ToolRun]) -> [(tool: ToolName, text: String)] {
        var shown: [(tool: ToolName, text: String)] = []
        // The same answer twice (the model looked up again what was looked up for it) is shown once.
        for run in runs where !run.result.fellBack && !run.result.foundNothing && !shown.contains(where: { $0.text == run.result.text }) {
            shown.append((run.tool, run.result.text))
        }
        return shown
    }

    /// Whether the user's words or the recent answers contain `value` (looked at only when a tool
    /// call carries a literal argument, not on every turn).
    private static func conversation(_ conversation: [ChatMessage], contains value: String) -> Bool {
        let value = value.lowercased()
        return conversation.contains {
            ($0.role == .user || $0.role == .assistant) && $0.content.lowercased().contains(value)
        }
    }

    /// The part of a turn kept for the tools when the model does not answer: a fifth, at most 5 s.
    static func toolReserve(_ deadline: Duration) -> Duration {
        min(.seconds(5), deadline / 5)
    }

    /// The model's pieces for a streaming channel, through its claim check.
    private static func receiver(_ stream: CheckedStream?) -> (@Sendable (String) -> Void)? {
        guard let stream else { return nil }
        return { piece in stream.receive(piece) }
    }

    /// The model failed this turn (SPEC 2.4, revised): what the tools found is shown; with nothing
    /// found yet, the degraded route answers from the tools while the turn has time; the last
    /// resort says what failed — the tool that did, or the language model (too slow, or not
    /// answering) — and what Pokedex can still do, never a search's "nothing found" alone.
    private func answerWithoutModel(_ question: Question, runs: [ToolRun], because absence: ModelAbsence) async -> Reply {
        let found = runs.filter { !$0.result.fellBack && !$0.result.foundNothing }
        if !found.isEmpty {
            let text = ([AssistantTexts.degradedNote(absence)] + found.map(\.result.text)).joined(separator: "\n\n")
            return Reply(text: text, degraded: true, toolsUsed: runs.toolsUsed)
        }
        if let failed = runs.last(where: \.result.fellBack) {
            return Reply(text: failed.result.text, degraded: true, toolsUsed: runs.toolsUsed, isFallback: true)
        }
        if runs.isEmpty, recovery.remainingTime().map({ $0 > .zero }) ?? true {
            return await degradedAnswer(question, because: absence)
        }
        return Reply(
            text: AssistantTexts.nothingFound(absence, searched: true, tools: tools.registry.tools), degraded: true,
            toolsUsed: runs.toolsUsed, isFallback: true)
    }

    /// Arguments as the JSON object text a model would have sent.
    static func jsonText(_ values: [String: ToolArgument]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(values)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// The session's context as chat messages (fallbacks are already left out by the window).
    private static func chatHistory(_ context: [StoredMessage]) -> [ChatMessage] {
        context.compactMap { message in
            switch message.role {
            case .user: ChatMessage(.user, message.content)
            case .assistant: ChatMessage(.assistant, message.content)
            case .system: ChatMessage(.system, message.content)
            case .toolCall, .tool, .fallback: nil
            }
        }
    }

    /// Runs one call the model made, or says what was wrong with it.
    /// - Returns: the text for the model, and the run when a tool actually ran.
    private func runTool(
        _ call: ToolCall, offered: [any Tool], _ question: Question, conversation: [ChatMessage]
    ) async -> (text: String, run: ToolRun?) {
        guard let tool = offered.first(where: { $0.name.rawValue == call.name }) else {
            let names = offered.map(\.name.rawValue).joined(separator: ", ")
            return ("Error: there is no tool named '\(call.name)' available now. Available: \(names).", nil)
        }
        let arguments: ToolArguments
        do {
            arguments = try Self.arguments(call.arguments, for: tool)
        } catch {
            logger.info(
                "the model called a tool with bad arguments", metadata: ["tool": "\(call.name)", "error": "\(error)"])
            return ("Error: \(error.description) Call the tool again with corrected arguments.", nil)
        }
        // A literal argument (a hostname) the model made up is not used: it must come from the conversation.
        for name in tool.literalParameters {
            guard let value = arguments.string(name), !Self.conversation(conversation, contains: value) else { continue }
            logger.info("the model invented an argument", metadata: ["tool": "\(call.name)", "parameter": "\(name)"])
            return (
                "Error: the \(name) '\(value)' does not appear in this conversation. Use the \(name) exactly as the user wrote it, or ask the user which one they mean.",
                nil
            )
        }
        let run = await self.run(tool, arguments, text: call.arguments, question)
        return (run.result.text, run)
    }

    /// The model's argument text as checked arguments.
    static func arguments(_ text: String, for tool: any Tool) throws(ToolArgumentError) -> ToolArguments {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard case .object(let object)? = trimmed.isEmpty ? .object([:]) : JSONValue.parse(trimmed) else {
            throw ToolArgumentError(
                tool: tool.name, message: "the arguments must be a JSON object (got '\(trimmed.prefix(80))')")
        }
        var values: [String: ToolArgument] = [:]
        for (name, value) in object {
            switch value {
            case .string(let text): values[name] = .string(text)
            case .number(let number): values[name] = .number(number)
            case .bool(let flag): values[name] = .bool(flag)
            case .null: values[name] = .null
            case .array, .object:
                throw ToolArgumentError(
                    tool: tool.name, message: "'\(name)' must be a single value, not a list or object")
            }
        }
        return try ToolArguments(values, for: tool.name, tool.parameters)
    }

    /// How the model is shown a tool.
    static func spec(_ tool: any Tool) -> ToolSpec? {
        guard let parameters = try? JSONValue.from(tool.parameters) else { return nil }
        return ToolSpec(name: tool.name.rawValue, description: tool.description, parameters: parameters)
    }
}
