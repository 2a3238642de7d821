import PokedexRecovery

/// `crowdstrike`: a host's containment status, online state or details from Falcon (SPEC 4.1),
/// read-only, through recovery. The hostname is checked before any request is sent.
public struct FalconTool: Tool {
    /// What to look up.
    public enum Lookup: String, Sendable, CaseIterable {
        case status, online, details
    }

    public let name = ToolName.crowdstrike
    public let description =
        "Look up a host in CrowdStrike Falcon: its containment status, whether it is online, or its details."
    public let parameters = ToolParameters(
        [
            "hostname": .init(.string, "The exact hostname, e.g. WS-1234."),
            "lookup": .init(.string, "What to look up.", oneOf: Lookup.allCases.map(\.rawValue)),
        ],
        required: ["hostname", "lookup"])

    private let client: FalconClient
    private let recovery: Recovery

    public init(client: FalconClient, recovery: Recovery) {
        self.client = client
        self.recovery = recovery
    }

    public func run(_ arguments: ToolArguments, context: ToolContext) async -> ToolResult {
        let host: FalconHostname
        do {
            host = try FalconHostname(arguments.string("hostname") ?? "")
        } catch {
            return ToolResult(text: error.description)
        }
        let lookup = arguments.string("lookup").flatMap(Lookup.init) ?? .status
        let client = self.client
        return ToolResult(
            await recovery.call(name, question: context.question) { attempt in
                let ids = try await client.deviceIDs(for: host, timeLimit: attempt.timeLimit)
                guard let id = ids.first else { return FalconReply.notFound(host) }
                switch lookup {
                case .status:
                    let device = try await client.devices([id], timeLimit: attempt.timeLimit).first
                    return FalconReply.containment(host, status: device?.status ?? "unknown")
                case .online:
                    let states = try await client.onlineStates([id], timeLimit: attempt.timeLimit)
                    return FalconReply.online(host, state: states[id] ?? "unknown")
                case .details:
                    let device = try await client.devices([id], timeLimit: attempt.timeLimit).first
                    return FalconReply.details(host, device ?? FalconDevice())
                }
            })
    }
}

extension FalconTool: SelfTesting {
    /// Asks Falcon for a new token: wrong or revoked API credentials fail here, not in a user's turn.
    public func selfTest(timeLimit: Duration) async -> SelfTest {
        await SelfTest.run("Falcon accepts the API client credentials") {
            try await client.checkCredentials(timeLimit: timeLimit)
        }
    }
}
