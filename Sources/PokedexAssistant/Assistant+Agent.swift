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
        var evidence: [Evidence] = []
        var reply = await agentLoop(question, model: model, evidence: &evidence)
        reply.evidence = evidence + reply.evidence  // the degraded route's, when it answered
        if reply.evidence.contains(where: \.fellBack) { reply.isFallback = true }
        return reply
    }

    private func agentLoop(_ question: Question, model: any ChatModel, evidence: inout [Evidence]) async -> Reply {
        var messages = [
            ChatMessage(.system, AssistantTexts.systemPrompt(tools: tools.registry.available.map(\.name.rawValue)))
        ]
        messages += await history(question.key)
        messages.append(ChatMessage(.user, question.text))
        var toolsUsed: [String] = []
        let check = ClaimCheck(found: [], questionNamesHost: Self.hostname(in: question.text) != nil)
        let stream = question.onText.map { CheckedStream(check, forward: $0) }
        if let direct = await directLookup(question) {
            // The model sees the lookup as a call it made, with its result, and phrases the answer.
            messages += [
                ChatMessage(.assistant, "", toolCalls: [direct.call]),
                ChatMessage(.tool, direct.result.text, toolCallID: direct.call.id, toolName: direct.call.name),
            ]
            toolsUsed.append(direct.call.name)
            evidence.append(self.evidence(direct.call.name, arguments: direct.call.arguments, direct.result))
        }
        // The conversation as it stands before the model speaks: hostnames it may pass to a tool.
        let conversation = messages

        for round in 0...configuration.maxToolRounds {
            let offered = round < configuration.maxToolRounds ? tools.registry.available : []
            let request = ChatRequest(
                messages: messages, tools: offered.compactMap(Self.spec), maxTokens: configuration.maxTokens)
            stream?.update(found: Self.found(evidence))
            let onText = Self.receiver(stream)
            // The model gets the turn less a reserve, in which the tools can still answer if it does not.
            let modelTime = (recovery.remainingTime() ?? configuration.deadline) - Self.toolReserve(configuration.deadline)
            let outcome = await recovery.withDeadline(max(.zero, modelTime)) {
                await recovery.call(.llm, question: question.text) { attempt in
                    try await model.complete(request, timeLimit: attempt.timeLimit, onText: onText)
                }
            }
            guard case .success(let response, _) = outcome else {
                return await answerWithoutModel(question, evidence: evidence, toolsUsed: toolsUsed)
            }
            if response.toolCalls.isEmpty || offered.isEmpty {
                stream?.finish()
                let text = response.content.trimmingCharacters(in: .whitespacesAndNewlines)
                if text.isEmpty {
                    return Reply(text: AssistantTexts.technicalDifficulties, toolsUsed: toolsUsed, isFallback: true)
                }
                var final = check
                final.found = Self.found(evidence)
                return checked(text, final, toolsUsed: toolsUsed)
            }
            messages.append(ChatMessage(.assistant, response.content, toolCalls: response.toolCalls))
            for call in response.toolCalls {
                let result = await runTool(call, offered: offered, question, conversation: conversation)
                if result.ran {
                    toolsUsed.append(call.name)
                    evidence.append(self.evidence(call.name, arguments: call.arguments, result.result))
                }
                messages.append(ChatMessage(.tool, result.result.text, toolCallID: call.id, toolName: call.name))
            }
        }
        return Reply(text: AssistantTexts.technicalDifficulties, toolsUsed: toolsUsed, isFallback: true)
    }

    /// The model's answer as the claim check lets it be shown; what the tools found instead when it
    /// states something they did not, or shows tool-call syntax.
    private func checked(_ text: String, _ check: ClaimCheck, toolsUsed: [String]) -> Reply {
        let found = check.found
        switch check.verdict(text) {
        case .shown(let shown):
            return Reply(text: shown, toolsUsed: toolsUsed)
        case let refused:
            logger.notice(
                "the model's answer was not shown", metadata: ["reason": "\(refused)", "tools": "\(toolsUsed)"])
            if !found.isEmpty { return Reply(text: found.joined(separator: "\n\n"), toolsUsed: toolsUsed) }
            return refused == .unfounded
                ? Reply(text: AssistantTexts.couldNotCheck, toolsUsed: toolsUsed, isFallback: true)
                : Reply(text: AssistantTexts.technicalDifficulties, toolsUsed: toolsUsed, isFallback: true)
        }
    }

    /// Whether the user's words or the recent answers name `host` (looked at only when a tool call
    /// carries a hostname, not on every turn).
    private static func conversation(_ conversation: [ChatMessage], names host: String) -> Bool {
        let host = host.lowercased()
        return conversation.contains { ($0.role == .user || $0.role == .assistant) && $0.content.lowercased().contains(host) }
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

    /// The texts of what the tools found (not their fallbacks).
    private static func found(_ evidence: [Evidence]) -> [String] {
        evidence.filter { !$0.fellBack }.map(\.result)
    }

    /// The model failed this turn (SPEC 2.4, revised): what the tools found is shown; with nothing
    /// found yet, the degraded route answers from the tools while the turn has time; the last
    /// resort is a fallback that names what failed — the tool that did, or the language model.
    private func answerWithoutModel(
        _ question: Question, evidence: [Evidence], toolsUsed: [String]
    ) async -> Reply {
        let found = Self.found(evidence)
        if !found.isEmpty {
            let text = ([AssistantTexts.degradedNote(modelConfigured: true)] + found).joined(separator: "\n\n")
            return Reply(text: text, degraded: true, toolsUsed: toolsUsed)
        }
        if let failed = evidence.last(where: \.fellBack) {
            return Reply(text: failed.result, degraded: true, toolsUsed: toolsUsed, isFallback: true)
        }
        if recovery.remainingTime().map({ $0 > .zero }) ?? true {
            let degraded = await degradedAnswer(question)
            if !degraded.toolsUsed.isEmpty { return degraded }
        }
        return Reply(text: AssistantTexts.modelUnavailable, degraded: true, isFallback: true)
    }

    /// A question that names a tool's intent with its argument in the user's own words runs that
    /// tool before the model is asked (SPEC 3.1): the model phrases, it does not decide whether to look.
    private func directLookup(_ question: Question) async -> (call: ToolCall, result: ToolResult)? {
        guard let (tool, values) = directRoute(question.text),
            let arguments = try? ToolArguments(values, for: tool.name, tool.parameters)
        else { return nil }
        let result = await tool.run(arguments, context: question.context)
        let call = ToolCall(id: "call_direct", name: tool.name.rawValue, arguments: Self.jsonText(values))
        return (call, result)
    }

    /// Arguments as the JSON object text a model would have sent.
    static func jsonText(_ values: [String: ToolArgument]) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return String(decoding: (try? encoder.encode(values)) ?? Data("{}".utf8), as: UTF8.self)
    }

    /// The session's context as chat messages (fallbacks are already left out by the window).
    private func history(_ key: SessionKey) async -> [ChatMessage] {
        do {
            return try await store.context(for: key).compactMap { message in
                switch message.role {
                case .user: ChatMessage(.user, message.content)
                case .assistant: ChatMessage(.assistant, message.content)
                case .system: ChatMessage(.system, message.content)
                case .toolCall, .tool, .fallback: nil
                }
            }
        } catch {
            logger.error("could not read the session's context", metadata: ["error": "\(error)"])
            return []
        }
    }

    /// Runs one call the model made, or says what was wrong with it.
    /// - Returns: the text for the model, and whether a tool actually ran.
    private func runTool(
        _ call: ToolCall, offered: [any Tool], _ question: Question, conversation: [ChatMessage]
    ) async -> (result: ToolResult, ran: Bool) {
        guard let tool = offered.first(where: { $0.name.rawValue == call.name }) else {
            let names = offered.map(\.name.rawValue).joined(separator: ", ")
            return (
                ToolResult(text: "Error: there is no tool named '\(call.name)' available now. Available: \(names)."),
                false
            )
        }
        let arguments: ToolArguments
        do {
            arguments = try Self.arguments(call.arguments, for: tool)
        } catch {
            logger.info(
                "the model called a tool with bad arguments", metadata: ["tool": "\(call.name)", "error": "\(error)"])
            return (
                ToolResult(text: "Error: \(error.description) Call the tool again with corrected arguments."), false
            )
        }
        // A hostname the model made up is not looked up: it must come from the conversation.
        if let host = arguments.string("hostname"), !Self.conversation(conversation, names: host)
        {
            logger.info("the model invented a hostname", metadata: ["tool": "\(call.name)"])
            return (
                ToolResult(
                    text:
                        "Error: the hostname '\(host)' does not appear in this conversation. Use the hostname exactly as the user wrote it, or ask the user which host they mean."
                ), false
            )
        }
        return (await tool.run(arguments, context: question.context), true)
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
