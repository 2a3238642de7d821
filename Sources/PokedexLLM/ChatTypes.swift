/// One message of a conversation with a model, in the shape both wire formats share.
public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable, Codable {
        case system, user, assistant, tool
    }

    public var role: Role
    public var content: String
    /// The tools an assistant message asks for.
    public var toolCalls: [ToolCall]
    /// For a tool result: the call it answers (OpenAI) and the tool's name (Ollama).
    public var toolCallID: String?
    public var toolName: String?

    public init(
        _ role: Role, _ content: String, toolCalls: [ToolCall] = [], toolCallID: String? = nil, toolName: String? = nil
    ) {
        self.role = role
        self.content = content
        self.toolCalls = toolCalls
        self.toolCallID = toolCallID
        self.toolName = toolName
    }
}

/// A tool call as the model made it. The arguments stay the text the model sent, so that malformed
/// JSON reaches the agent, which tells the model what was wrong.
public struct ToolCall: Sendable, Equatable {
    /// The server's id, or one made up when the server sent none.
    public var id: String
    public var name: String
    /// JSON text (an object when the model behaves).
    public var arguments: String

    public init(id: String, name: String, arguments: String) {
        self.id = id
        self.name = name
        self.arguments = arguments
    }
}

/// A tool as the model is shown it.
public struct ToolSpec: Sendable, Equatable {
    public var name: String
    public var description: String
    /// A JSON Schema object.
    public var parameters: JSONValue

    public init(name: String, description: String, parameters: JSONValue) {
        self.name = name
        self.description = description
        self.parameters = parameters
    }
}

/// A tool as both wire formats describe it: `{"type": "function", "function": {name, description,
/// parameters}}`.
struct WireTool: Encodable {
    struct Function: Encodable {
        var name: String
        var description: String
        var parameters: JSONValue
    }
    var type = "function"
    var function: Function

    init(_ spec: ToolSpec) {
        function = Function(name: spec.name, description: spec.description, parameters: spec.parameters)
    }
}

/// What to ask the model.
public struct ChatRequest: Sendable, Equatable {
    public var messages: [ChatMessage]
    /// The tools it may call now (empty: it must answer in text).
    public var tools: [ToolSpec]
    /// The longest answer, in tokens: a model that rambles must not hold the turn (or a
    /// single-threaded server) past its deadline.
    public var maxTokens: Int?

    public init(messages: [ChatMessage], tools: [ToolSpec] = [], maxTokens: Int? = nil) {
        self.messages = messages
        self.tools = tools
        self.maxTokens = maxTokens
    }
}

/// The model's answer: text, tool calls, or both.
public struct ChatResponse: Sendable, Equatable {
    public var content: String
    public var toolCalls: [ToolCall]
    /// `stop`, `length`, `tool_calls`… as the server said (not to be trusted for tool calls).
    public var finishReason: String?
    /// The prompt's size in tokens, when the server reports it (OpenAI `usage.prompt_tokens`,
    /// Ollama `prompt_eval_count`): what the assistant's token budget learns from.
    public var promptTokens: Int?

    public init(content: String, toolCalls: [ToolCall] = [], finishReason: String? = nil, promptTokens: Int? = nil) {
        self.content = content
        self.toolCalls = toolCalls
        self.finishReason = finishReason
        self.promptTokens = promptTokens
    }
}
