import PokedexRecovery

/// `crowdstrike_containment`: asks to contain a host or lift its containment. It only *requests*:
/// the ``ContainmentDesk`` checks the user, finds exactly one host and tells the user the phrase
/// that confirms it; the user's own next message (``answerConfirmation(_:context:)``) carries it
/// out. Built only when containment is enabled in the configuration.
public struct ContainmentTool: CatalogTool {
    public static let name: ToolName = "crowdstrike_containment"
    public static let service = ToolName.crowdstrike
    public static let recoveryDefaults = FalconTool.recoveryDefaults
    /// "contain WS-1234", "isolate it", "get ws-1234 off the network", "WS-1234 needs to be
    /// contained", "lift containment on WS-1234", "put it back on the network": straight to the
    /// request step (which asks for confirmation), with or without a model (SPEC 3.2).
    public static let actions = [
        ToolAction(
            verbs: [
                "contain", "isolate", "quarantine", "network contain", "network-contain", "net-contain", "netcontain",
                "network isolate", "network-isolate",
            ],
            patterns: [
                #"\b(needs?|wants?|must|should|has to|have to|got to|gotta)\s+(to\s+)?(be|get)\s+(network[- ])?(contained|isolated|quarantined)\b"#,
                #"\b(need|needs|want|wants|get|have)\s+(\S+\s+){1,4}(network[- ])?(contained|isolated|quarantined)\b"#,
                #"\bcut\b[^.?!]{0,40}\boff\b"#,
                #"\b(take|get|pull|knock|kick|yank|come|go)\b[^.?!]{0,40}\boff\b[^.?!]{0,12}\b(network|net|wire|lan)\b"#,
                #"\block(ing)?\s+(\S+\s+){0,3}down\b"#, #"\bkill\b[^.?!]{0,25}\b(network|connectivity)\b"#,
            ],
            target: .host, parameter: "hostname", arguments: ["action": .string(ContainmentAction.contain.rawValue)],
            summary: "contain a host"),
        ToolAction(
            verbs: [
                "lift", "uncontain", "un-contain", "unisolate", "un-isolate", "unquarantine", "un-quarantine", "release",
                "reconnect", "free",
            ],
            patterns: [
                #"\b(put|let|bring|get|allow|move)\b[^.?!]{0,40}\bback\b[^.?!]{0,15}\b(on|online|onto|into)\b"#,
                #"\b(take|get|bring|let|remove|move)\b[^.?!]{0,40}\b(out of|off|from)\b[^.?!]{0,12}\b(containment|isolation|quarantine)\b"#,
                #"\b(remove|undo|end|drop|reverse|cancel)\b[^.?!]{0,15}\b(containment|isolation|quarantine)\b"#,
                #"\brestore\b[^.?!]{0,30}\b(network|connectivity|access)\b"#,
                #"\b(needs?|wants?|must|should|can)\s+(to\s+)?(be|get)\s+(uncontained|unisolated|un-isolated|released|reconnected)\b"#,
            ],
            target: .host, parameter: "hostname", arguments: ["action": .string(ContainmentAction.lift.rawValue)],
            summary: "lift a host's containment"),
    ]

    public let description = """
        Request network containment of a host in CrowdStrike Falcon, or lifting it. This never acts at \
        once: it returns the exact phrase the user must send to confirm. Use only when the user asks for it.
        """
    public let parameters = ToolParameters(
        [
            "hostname": .init(.string, "The exact hostname, e.g. WS-1234."),
            "action": .init(.string, "What to do.", oneOf: ContainmentAction.allCases.map(\.rawValue)),
        ],
        required: ["hostname", "action"])
    public let literalParameters = ["hostname"]
    /// What it acts on (so that "and is it online?" after a request knows the host); tools that
    /// act are never looked up.
    public let entityParameters: [EntityKind: String] = [.host: "hostname"]
    public let capability: String? =
        "contain a host or lift its containment (responders only; ask, then send `confirm contain HOST` or `confirm lift HOST`)"
    public let guidance: String? = """
        Containment actions are only requested through the crowdstrike_containment tool; relay its confirmation \
        instructions to the user word for word. Never claim a host was contained unless the tool said so.
        """

    public let desk: ContainmentDesk

    public init(desk: ContainmentDesk) { self.desk = desk }

    public static func build(_ context: ToolBuildContext) throws -> ToolBuild {
        let configuration = context.configuration
        guard configuration.falconConfigured, configuration.containmentEnabled else {
            return .disabled("not enabled (falcon.containment.enabled)")
        }
        // An enabled containment action without its audit trail must stop start-up.
        guard let auditLog = context.auditLog else { throw ToolSetError.containmentWithoutAuditLog }
        let desk = ContainmentDesk(
            client: FalconClient(context), recovery: context.recovery, auditLog: auditLog,
            responders: configuration.containmentResponders,
            confirmationWindow: configuration.containmentConfirmationWindow, ledger: context.ledger, now: context.now)
        return .built(ContainmentTool(desk: desk))
    }

    public var effect: ToolEffect { .destructive }

    public func run(_ arguments: ToolArguments, context: ToolContext) async -> ToolResult {
        let action = arguments.string("action").flatMap(ContainmentAction.init) ?? .contain
        return await desk.request(action, hostname: arguments.string("hostname") ?? "", context: context)
    }

    public func fallbackText(for question: String) -> String { FalconTool.fallbackText(for: question) }

    public func answerConfirmation(_ message: String, context: ToolContext) async -> String? {
        await desk.confirm(message, context: context)
    }
}
