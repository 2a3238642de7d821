import PokedexAudit
import PokedexRecovery

/// Something the assistant can call, and everything the rest of Pokedex needs to know about it:
/// a tool is one type. It declares its name, what the model reads (description, parameters), its
/// service's recovery defaults, the fallback text users see when that service fails, the questions
/// it answers directly, how its results read as evidence, the claims about its subject it checks,
/// and a cheap self-test for `status`. Recovery and the assistant hold no tool-specific code.
///
/// ``run(_:context:)`` goes through ``Recovery`` and never throws: it answers with a result or
/// its fallback text.
public protocol Tool: Sendable {
    /// The name the model calls it by.
    static var name: ToolName { get }
    /// The service whose recovery policy and breaker it uses (by default, its name).
    static var service: ToolName { get }
    /// Its service's retry policy and threshold unless `recovery.<service>.*` says otherwise.
    static var recoveryDefaults: RecoveryDefaults { get }
    /// The requests to act it carries out ("contain X"), known even where the tool is not built,
    /// so that such a request is answered with why it cannot be done, never with a lookup.
    static var actions: [ToolAction] { get }

    /// The name of this instance (``name`` unless a tool is made at run time, such as an MCP
    /// server's).
    var name: ToolName { get }
    /// The service of this instance (``service`` unless made at run time).
    var service: ToolName { get }
    /// What the tool does and when to use it, for the model.
    var description: String { get }
    /// The arguments it takes.
    var parameters: ToolParameters { get }
    /// Parameters whose value must come from the user's own words (or the recent answers): a
    /// value the model made up is refused back to it, never looked up.
    var literalParameters: [String] { get }
    /// What users can ask of it, for `hello` (e.g. `tell you the weather ("weather in Berlin")`).
    var capability: String? { get }
    /// A line for the model's instructions, when the tool needs one.
    var guidance: String? { get }
    /// Whether it only reads or also changes something (MCP clients are told, and a read-only
    /// profile offers only what reads).
    var effect: ToolEffect { get }
    /// Checks the model's statements about this tool's subject against its results; nil when it
    /// makes no checkable claims.
    var claims: (any ClaimRule)? { get }
    /// The kinds of thing it looks up, each with the parameter that takes it (SPEC 3.2): a
    /// question that names one gets this tool's record of it, however it is phrased.
    var entityParameters: [EntityKind: String] { get }
    /// The requests to act this instance carries out (``actions`` unless made at run time).
    var actions: [ToolAction] { get }

    /// The text users see when its service cannot answer this question (SPEC 2.4).
    func fallbackText(for question: String) -> String
    /// The arguments, in the user's own words, when the question clearly asks for this tool
    /// (SPEC 3.1: it then runs before the model is asked); nil otherwise.
    func directArguments(for question: String) -> [String: ToolArgument]?
    /// The arguments for a question nothing else answers when there is no model (runbook search
    /// takes any question); nil for most tools.
    func anyQuestionArguments(for question: String) -> [String: ToolArgument]?
    /// The arguments that look `entity` up (by default its value in the parameter that takes its
    /// kind); nil when it takes no such entity.
    func lookupArguments(for entity: Entity) -> [String: ToolArgument]?
    /// Words a result gives for what it looked up besides its name — a host's OS, product type and
    /// tags — by which a follow-up may call it ("the mac", "the dc"); none by default.
    func aliases(in result: String) -> Set<String>
    /// A result as one evidence line (the result text by default).
    func evidenceText(_ result: ToolResult) -> String
    /// A message that completes an action this tool started (a confirmation phrase), answered
    /// before commands and the model; nil when it is not one.
    func answerConfirmation(_ message: String, context: ToolContext) async -> String?
    /// Whether its service answers and accepts its credentials, cheaply; nil when there is
    /// nothing to test beyond what `run` does.
    func selfTest(timeLimit: Duration) async -> SelfTest?

    /// Runs the tool with arguments already checked against ``parameters``.
    func run(_ arguments: ToolArguments, context: ToolContext) async -> ToolResult
}

extension Tool {
    public static var service: ToolName { name }
    public static var recoveryDefaults: RecoveryDefaults { .standard }
    public static var actions: [ToolAction] { [] }
    public var actions: [ToolAction] { Self.actions }
    public var entityParameters: [EntityKind: String] { [:] }
    public var name: ToolName { Self.name }
    public var service: ToolName { Self.service }
    public var literalParameters: [String] { [] }
    public var capability: String? { nil }
    public var guidance: String? { nil }
    public var effect: ToolEffect { .readOnly }
    public var claims: (any ClaimRule)? { nil }
    public func fallbackText(for question: String) -> String { ToolResult.unavailableText }
    public func directArguments(for question: String) -> [String: ToolArgument]? { nil }
    public func anyQuestionArguments(for question: String) -> [String: ToolArgument]? { nil }
    public func aliases(in result: String) -> Set<String> { [] }
    public func lookupArguments(for entity: Entity) -> [String: ToolArgument]? {
        entityParameters[entity.kind].map { [$0: .string(entity.value)] }
    }
    public func evidenceText(_ result: ToolResult) -> String { result.text }
    public func answerConfirmation(_ message: String, context: ToolContext) async -> String? { nil }
    public func selfTest(timeLimit: Duration) async -> SelfTest? { nil }

    /// The result of a guarded call: the value's text, or this tool's fallback for the question.
    public func result(_ outcome: CallOutcome<String>, context: ToolContext) -> ToolResult {
        switch outcome {
        case .success(let text, _): ToolResult(text: text)
        case .failure: ToolResult(text: fallbackText(for: context.question), fellBack: true)
        }
    }
}

/// The model's statements about a tool's subject, checked against what the tool returned this
/// turn (SPEC 3.1).
public protocol ClaimRule: Sendable {
    /// True when `sentence` states something about the subject that none of `results` (this
    /// turn's results of the tool, fallbacks left out) says. `subjects` are what the question
    /// names or refers back to: a sentence without a name may still be about one of them.
    func contradicts(_ sentence: String, subjects: [Entity], results: [String]) -> Bool
    /// What the user sees instead when no result backs such a statement.
    var unfoundedText: String { get }
    /// What a result of the tool states that an answer must carry, each as the words to find in
    /// it (case aside): the model's prose is shown in place of the result only when it carries
    /// every one (SPEC 3.1).
    func facts(in result: String) -> [String]
}

extension ClaimRule {
    /// By default the whole result is the fact: no prose restates it, so the result leads.
    public func facts(in result: String) -> [String] { [result] }
}

/// What calling a tool does to the world.
public enum ToolEffect: String, Sendable {
    /// Looks something up; safe to retry and to offer anyone.
    case readOnly
    /// Acts (contains a host): only for verified responders, confirmed and audited.
    case destructive
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
    /// The service failed and `text` is the tool's fallback text.
    public var fellBack: Bool
    /// The phrase that confirms the action this call holds for confirmation (the user's own next
    /// message, or an MCP client's elicitation, sends it); nil when nothing is held.
    public var confirmation: String?
    /// The tool answered but found nothing ("No relevant documents found"): the text is not an
    /// answer to the question, so it is never shown as the whole answer to another kind of
    /// question.
    public var foundNothing: Bool

    public init(text: String, fellBack: Bool = false, confirmation: String? = nil, foundNothing: Bool = false) {
        self.text = text
        self.fellBack = fellBack
        self.confirmation = confirmation
        self.foundNothing = foundNothing
    }

    /// The fallback of a tool that has no more specific one (SPEC 2.4).
    public static let unavailableText =
        "⚠️ This service is temporarily unavailable. Please try again later or contact support if the issue persists."
}
