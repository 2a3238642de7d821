import PokedexAudit

/// One user message, from any channel.
public struct Turn: Sendable {
    public var user: String
    public var room: String
    public var message: String
    /// Who sent it, as the channel established it; unverified unless the channel says otherwise.
    public var caller: Caller
    /// Handed each piece of the answer as the model writes it (streaming channels); the reply is
    /// complete either way.
    public var onText: (@Sendable (String) -> Void)?

    public init(
        user: String, room: String, message: String, caller: Caller = .unverified(channel: "unknown"),
        onText: (@Sendable (String) -> Void)? = nil
    ) {
        self.user = user
        self.room = room
        self.message = message
        self.caller = caller
        self.onText = onText
    }
}

/// The answer to a turn, with what channels show beside it (SPEC 3.6).
public struct Reply: Sendable, Equatable, Codable {
    public var text: String
    /// Answered without the language model.
    public var degraded: Bool
    /// Tools called during the turn, in order.
    public var toolsUsed: [String]
    public var elapsedMilliseconds: Int
    /// The text is a fallback (a service failed); stored for the record, kept out of the context.
    public var isFallback: Bool
    /// False when the session store could not save the turn (it is down): a channel that can say so
    /// (HTTP: 503) must not acknowledge the message as kept.
    public var stored = true
    /// What each tool returned during the turn: the grounds of the answer (SPEC 3.1).
    public var evidence: [Evidence] = []
    /// Specifics the model stated that nothing in the turn backs (a hostname, an address, an
    /// amount…): their sentences were removed before the answer was shown or stored, and the turn
    /// is flagged by them (SPEC 3.1).
    public var unsupported: [String] = []

    /// The text with the evidence block under it, for chat channels.
    public var textWithEvidence: String {
        Evidence.block(evidence).map { text + "\n\n" + $0 } ?? text
    }

    public init(
        text: String, degraded: Bool = false, toolsUsed: [String] = [], elapsedMilliseconds: Int = 0,
        isFallback: Bool = false
    ) {
        self.text = text
        self.degraded = degraded
        self.toolsUsed = toolsUsed
        self.elapsedMilliseconds = elapsedMilliseconds
        self.isFallback = isFallback
    }

    enum CodingKeys: String, CodingKey {
        case text = "reply"
        case degraded
        case toolsUsed = "tools_used"
        case elapsedMilliseconds = "elapsed_ms"
        case isFallback = "fallback"
        case evidence
        case unsupported = "unsupported_specifics"
    }
}
