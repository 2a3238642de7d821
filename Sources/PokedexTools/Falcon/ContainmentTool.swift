import PokedexRecovery

/// `crowdstrike_containment`: asks to contain a host or lift its containment. It only *requests*:
/// the ``ContainmentDesk`` checks the user, finds exactly one host and tells the user the phrase
/// that confirms it; the user's own next message (``answerConfirmation(_:context:)``) carries it
/// out. Built only when containment is enabled in the configuration.
public struct ContainmentTool: CatalogTool {
    public static let name: ToolName = "crowdstrike_containment"
    public static let service = ToolName.crowdstrike
    public static let recoveryDefaults = FalconTool.recoveryDefaults
    /// "contain WS-1234", "isolate it", "lift containment on WS-1234": straight to the request
    /// step (which asks for confirmation), with or without a model (SPEC 3.2).
    public static let actions = [
        ToolAction(
            [
                "contain", "isolate", "quarantine", "network contain", "network-contain", "network isolate",
                "network-isolate", "cut off", "cut the network on", "cut network access for",
            ],
            target: .host, parameter: "hostname", arguments: ["action": .string(ContainmentAction.contain.rawValue)],
            summary: "contain a host"),
        ToolAction(
            [
                "lift containment on", "lift containment of", "lift containment for", "lift the containment on",
                "lift the containment of", "lift containment", "lift", "uncontain", "un-contain", "unisolate",
                "un-isolate", "unquarantine", "un-quarantine", "release", "reconnect", "restore network access for",
                "restore network access to", "restore network on", "remove containment from", "remove containment on",
                "end containment on", "end containment of", "undo containment on", "undo containment of",
                "take containment off",
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
