/// Who wrote a stored message.
public enum MessageRole: String, Sendable, Codable, CaseIterable {
    /// The analyst's question.
    case user
    /// The assistant's answer.
    case assistant
    /// Instructions for the model (rarely stored; kept for completeness).
    case system
    /// The assistant's request to call one or more tools; content is the call as JSON.
    case toolCall = "tool_call"
    /// A tool's result; it belongs to the `tool_call` message before it.
    case tool
    /// A fallback reply sent while a service was down: kept for the record, never shown to the model.
    case fallback

    /// Whether messages of this role may reach the language model as context.
    public var isContext: Bool { self != .fallback }

    /// The accepted spellings, for error messages.
    public static var accepted: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
