import PokedexAudit
import PokedexRecovery

/// Something the assistant can call: a name and description the model reads, the parameters it
/// must supply (a JSON Schema object), and the call itself, which goes through ``Recovery`` and
/// never throws: it answers with a result or the specific fallback.
public protocol Tool: Sendable {
    /// The name the model calls it by.
    var name: ToolName { get }
    /// The service whose recovery policy and breaker it uses (by default, `name`).
    var service: ToolName { get }
    /// What the tool does and when to use it, for the model.
    var description: String { get }
    /// The arguments it takes.
    var parameters: ToolParameters { get }

    /// Runs the tool with arguments already checked against ``parameters``.
    func run(_ arguments: ToolArguments, context: ToolContext) async -> ToolResult
}

extension Tool {
    public var service: ToolName { name }
}

/// Who is asking and what, for fallbacks (the current question) and authorisation (the user).
public struct ToolContext: Sendable {
    /// The user's current question (never the history).
    public var question: String
    /// The user, for tools whose actions need authorisation.
    public var user: String
    /// The room (conversation) the question came from.
    public var room: String
    /// Who asked, and whether `user` was proven by a credential (actions need that).
    public var caller: Caller

    public init(question: String, user: String, room: String = "", caller: Caller = .unverified(channel: "unknown")) {
        self.question = question
        self.user = user
        self.room = room
        self.caller = caller
    }
}

/// What a tool call produced.
public struct ToolResult: Sendable, Equatable {
    /// The text for the model (and, in degraded mode, for the user).
    public var text: String
    /// Set when the service failed and `text` is its fallback.
    public var fallback: Fallback?

    public init(text: String, fallback: Fallback? = nil) {
        self.text = text
        self.fallback = fallback
    }

    /// The result of a guarded call: the value's text, or the fallback's.
    public init(_ outcome: CallOutcome<String>) {
        switch outcome {
        case .success(let text, _): self.init(text: text)
        case .fallback(let fallback, _): self.init(text: fallback.text, fallback: fallback)
        }
    }
}
