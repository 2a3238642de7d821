import Foundation
import Logging
import MCP
import PokedexAssistant
import PokedexAudit
import PokedexTools

/// Pokedex's tools for any MCP client, over the official Swift SDK: each configured tool with its
/// JSON Schema and annotations, and `ask`, a whole Pokedex turn in the caller's session. A call
/// runs the tool exactly as the assistant does — through recovery (retries, breakers, fallback
/// text), with the caller as the tool's context — and is audited.
public struct PokedexMCPServer: Sendable {
    /// The name of the tool that runs a whole turn.
    public static let askTool = "ask"
    /// The room an MCP caller's turns and confirmations belong to.
    public static let room = "mcp"

    let tools: ToolSet
    let assistant: Assistant
    let profile: MCPConfiguration.Profile
    let auditLog: AuditLog?
    let logger: Logger

    public init(
        tools: ToolSet, assistant: Assistant, profile: MCPConfiguration.Profile, auditLog: AuditLog?,
        logger: Logger = Logger(label: "pokedex.mcp")
    ) {
        self.tools = tools
        self.assistant = assistant
        self.profile = profile
        self.auditLog = auditLog
        self.logger = logger
    }

    /// An MCP server answering as `user`, with `caller` saying who vouched for that.
    public func makeServer(user: String, caller: Caller) async -> Server {
        let server = Server(
            name: "pokedex", version: "1.0", title: "Pokedex",
            instructions: "Security-operations tools: Falcon host lookups, runbook search, weather, and `ask` for a whole answer.",
            capabilities: .init(tools: .init(listChanged: false)))
        await server.withMethodHandler(ListTools.self) { _ in
            await tools.registry.refresh()
            return ListTools.Result(tools: listed().map(\.definition))
        }
        // Weakly: the server keeps its handlers (one server per HTTP request must not leak).
        await server.withMethodHandler(CallTool.self) { [weak server] call in
            let asking = server
            return await self.call(call.name, arguments: call.arguments ?? [:], user: user, caller: caller) { text in
                guard let asking else { return nil }
                return await Self.elicitConfirmation(text, from: asking)
            }
        }
        return server
    }

    /// A tool as an MCP client sees it.
    struct Listed {
        var definition: MCP.Tool
        var tool: (any PokedexTools.Tool)?
    }

    /// The tools this profile offers, and `ask`.
    func listed() -> [Listed] {
        var listed = tools.registry.tools.filter { profile == .responder || $0.effect == .readOnly }.map { tool in
            Listed(
                definition: MCP.Tool(
                    name: tool.name.rawValue, description: tool.description,
                    inputSchema: (try? Value(tool.parameters)) ?? .object(["type": "object"]),
                    annotations: Self.annotations(tool.effect)),
                tool: tool)
        }
        listed.append(
            Listed(
                definition: MCP.Tool(
                    name: Self.askTool,
                    description:
                        "Ask Pokedex a question as an analyst would in chat; it answers from its tools, with evidence, in your own session.",
                    inputSchema: .object([
                        "type": "object",
                        "properties": ["question": ["type": "string", "description": "The question."]],
                        "required": ["question"],
                    ]),
                    annotations: .init(readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true)),
                tool: nil))
        return listed
    }

    static func annotations(_ effect: ToolEffect) -> MCP.Tool.Annotations {
        switch effect {
        case .readOnly: .init(readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true)
        case .destructive: .init(readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: true)
        }
    }

    /// Runs a listed tool; anything else (a hidden destructive tool included) is an error result.
    /// - Parameter confirm: asks the client's user to confirm a held action (an MCP elicitation):
    ///   true or false when they answered, nil when the client cannot be asked.
    func call(
        _ name: String, arguments: [String: Value], user: String, caller: Caller,
        confirm: @Sendable (String) async -> Bool? = { _ in nil }
    ) async -> CallTool.Result {
        guard let entry = listed().first(where: { $0.definition.name == name }) else {
            audit("mcp.call \(name)", outcome: "refused: not offered", user: user, caller: caller)
            return Self.result("There is no tool '\(name)' for this client.", isError: true)
        }
        guard let tool = entry.tool else {
            guard case .string(let question)? = arguments["question"], !question.isEmpty else {
                return Self.result("`ask` needs a question.", isError: true)
            }
            let reply = await assistant.respond(Turn(user: user, room: Self.room, message: question, caller: caller))
            audit("mcp.call ask", outcome: "answered", user: user, caller: caller)
            return Self.result(reply.textWithEvidence, isError: reply.isFallback)
        }
        let checked: ToolArguments
        do {
            let values = try JSONDecoder().decode(
                [String: ToolArgument].self, from: JSONEncoder().encode(arguments))
            checked = try ToolArguments(values, for: tool.name, tool.parameters)
        } catch let error as ToolArgumentError {
            return Self.result(error.description, isError: true)
        } catch {
            return Self.result("Invalid arguments for \(name): values must be strings, numbers or booleans.", isError: true)
        }
        let question = arguments.values.compactMap { value -> String? in
            if case .string(let text) = value { return text }
            return nil
        }.joined(separator: " ")
        let context = ToolContext(question: question, user: user, room: Self.room, caller: caller)
        let result = await tool.run(checked, context: context)
        audit("mcp.call \(name)", outcome: result.fellBack ? "fell back" : "answered", user: user, caller: caller)
        // A held action is confirmed in the client itself when it can ask its user; the phrase
        // then goes to the tool exactly as the user's own message would (same checks, same audit).
        if let phrase = result.confirmation, let answer = await confirm(result.text) {
            guard answer else {
                return Self.result("Not confirmed: nothing was done. (The request lapses unless `\(phrase)` is sent through `ask` in time.)", isError: false)
            }
            let done = await tool.answerConfirmation(phrase, context: context) ?? "Nothing to confirm."
            return Self.result(done, isError: false)
        }
        return Self.result(result.text, isError: result.fellBack)
    }

    /// Asks the client's user to confirm (form elicitation, one boolean); nil when the client does
    /// not support elicitation (or the transport cannot carry it: stateless HTTP).
    static func elicitConfirmation(_ text: String, from server: Server) async -> Bool? {
        do {
            let answer = try await server.requestElicitation(
                message: text,
                requestedSchema: .init(
                    properties: ["confirm": ["type": "boolean", "title": "Go ahead", "description": "Carry out this action now."]],
                    required: ["confirm"]))
            guard answer.action == .accept, case .bool(let confirmed)? = answer.content?["confirm"] else { return false }
            return confirmed
        } catch {
            return nil
        }
    }

    /// A text result, the only kind Pokedex's tools give.
    static func result(_ text: String, isError: Bool) -> CallTool.Result {
        CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)], isError: isError)
    }

    private func audit(_ action: String, outcome: String, user: String, caller: Caller) {
        guard let auditLog else { return }
        do {
            try auditLog.append(AuditRecord(action: action, outcome: outcome, caller: caller, user: user, room: Self.room))
        } catch {
            logger.error("mcp: cannot write the audit log", metadata: ["error": "\(error)"])
        }
    }
}
