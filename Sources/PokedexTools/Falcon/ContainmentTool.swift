import PokedexRecovery

/// `crowdstrike_containment`: asks to contain a host or lift its containment. It only *requests*:
/// the ``ContainmentDesk`` checks the user, finds exactly one host and tells the user the phrase
/// that confirms it. Registered only when containment is enabled in the configuration.
public struct ContainmentTool: Tool {
    public static let toolName: ToolName = "crowdstrike_containment"

    public let name = Self.toolName
    public let service = ToolName.crowdstrike
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

    private let desk: ContainmentDesk

    public init(desk: ContainmentDesk) { self.desk = desk }

    public func run(_ arguments: ToolArguments, context: ToolContext) async -> ToolResult {
        let action = arguments.string("action").flatMap(ContainmentAction.init) ?? .contain
        return ToolResult(
            text: await desk.request(action, hostname: arguments.string("hostname") ?? "", context: context))
    }
}
