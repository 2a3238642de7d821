import Foundation
import PokedexRecovery

extension ToolName {
    /// CrowdStrike Falcon: host lookups and containment actions share its recovery books.
    public static let crowdstrike: ToolName = "crowdstrike"
}

/// `crowdstrike`: a host's record in Falcon (SPEC 4.1) — containment status, online state and
/// details in one lookup, or one of them — read-only, through recovery. Any question that names a
/// host gets its record (SPEC 3.2); the hostname is checked before any request is sent.
public struct FalconTool: CatalogTool {
    /// What to look up.
    public enum Lookup: String, Sendable, CaseIterable {
        /// Containment status, online state and details: the host's record.
        case all
        case status, online, details
    }

    public static let name = ToolName.crowdstrike
    public static let recoveryDefaults = RecoveryDefaults(
        policy: RetryPolicy(maxRetries: 2, initialDelay: .seconds(1), backoff: 2.0), threshold: 5)

    public let description =
        "Look up a host in CrowdStrike Falcon: its containment status, whether it is online, and its details (OS, last seen, tags)."
    public let parameters = ToolParameters(
        [
            "hostname": .init(.string, "The exact hostname, e.g. WS-1234."),
            "lookup": .init(.string, "What to look up (all by default).", oneOf: Lookup.allCases.map(\.rawValue)),
        ],
        required: ["hostname"])
    public let literalParameters = ["hostname"]
    public let capability: String? =
        "check a host in CrowdStrike Falcon: containment, online state, OS, last seen (\"is WS-1234 contained?\", \"what OS is ws-5521 running?\")"
    public let guidance: String? = "Pass hostnames exactly as the user wrote them, and state Falcon's answer as it gave it."
    public let claims: (any ClaimRule)? = FalconClaims()
    public let entityParameters: [EntityKind: String] = [.host: "hostname"]

    private let client: FalconClient
    private let recovery: Recovery

    public init(client: FalconClient, recovery: Recovery) {
        self.client = client
        self.recovery = recovery
    }

    public static func build(_ context: ToolBuildContext) throws -> ToolBuild {
        let configuration = context.configuration
        guard configuration.falconConfigured else {
            return .disabled("no Falcon API credentials (POKEDEX_FALCON_CLIENT_ID and _SECRET)")
        }
        return .built(FalconTool(client: FalconClient(context), recovery: context.recovery))
    }

    public func run(_ arguments: ToolArguments, context: ToolContext) async -> ToolResult {
        let host: FalconHostname
        do {
            host = try FalconHostname(arguments.string("hostname") ?? "")
        } catch {
            return ToolResult(text: error.description)
        }
        let lookup = arguments.string("lookup").flatMap(Lookup.init) ?? .all
        let client = self.client
        let outcome = await recovery.call(Self.service) { attempt in
            let ids = try await client.deviceIDs(for: host, timeLimit: attempt.timeLimit)
            guard let id = ids.first else { return FalconReply.notFound(host) }
            switch lookup {
            case .all:
                async let device = client.devices([id], timeLimit: attempt.timeLimit).first
                async let states = client.onlineStates([id], timeLimit: attempt.timeLimit)
                return FalconReply.record(host, try await device ?? FalconDevice(), online: try await states[id] ?? "unknown")
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
        }
        return result(outcome, context: context)
    }

    /// A host a question names is looked up whole: whatever was asked about it, the answer can
    /// state what Falcon says.
    public func lookupArguments(for entity: Entity) -> [String: ToolArgument]? {
        entity.kind == .host ? ["hostname": .string(entity.value), "lookup": .string(Lookup.all.rawValue)] : nil
    }

    /// What the record says the host is: its OS ("the mac", "the linux box"), product type ("the
    /// dc", "the server") and grouping tags ("the finance laptop").
    public func aliases(in result: String) -> Set<String> {
        var words = Set<String>()
        for line in result.split(separator: "\n") {
            for field in ["• OS Version: ", "• Product Type: ", "• Tags: "] where line.hasPrefix(field) {
                let value = line.dropFirst(field.count).lowercased().replacingOccurrences(of: "falcongroupingtags/", with: "")
                guard value != "unknown", value != "none" else { continue }
                words.formUnion(value.split { !$0.isLetter }.map(String.init).filter { $0.count >= 2 })
            }
        }
        if words.contains("macos") { words.insert("mac") }
        if words.contains("domain") && words.contains("controller") { words.insert("dc") }
        if !words.isDisjoint(with: ["ubuntu", "rhel", "debian", "centos", "fedora"]) { words.insert("linux") }
        return words
    }

    public func fallbackText(for question: String) -> String { Self.fallbackText(for: question) }

    /// SPEC 2.4's Falcon texts, by what the question asked (its words, never the history).
    public static func fallbackText(for question: String) -> String {
        let lower = question.lowercased()
        if lower.mentions(["detail", "info"]) {
            return "⚠️ Unable to retrieve device details at this time. Please check CrowdStrike Falcon console directly for device information."
        }
        if lower.mentions(["status", "contain", "online"]) {
            return "⚠️ Unable to retrieve device status at this time. Please check CrowdStrike Falcon console directly or try again later."
        }
        return ToolResult.unavailableText
    }

    /// Asks Falcon for a new token: wrong or revoked API credentials fail here, not in a user's turn.
    public func selfTest(timeLimit: Duration) async -> SelfTest? {
        await SelfTest.run("Falcon accepts the API client credentials") {
            try await client.checkCredentials(timeLimit: timeLimit)
        }
    }
}

extension FalconClient {
    /// The client the configuration describes.
    convenience init(_ context: ToolBuildContext) {
        let configuration = context.configuration
        self.init(
            baseURL: configuration.falconBaseURL, clientID: configuration.falconClientID,
            clientSecret: configuration.falconClientSecret, http: context.http, now: context.now)
    }
}

extension String {
    /// Whether any of the words occurs in this (already lower-cased) text.
    func mentions(_ words: [String]) -> Bool { words.contains { contains($0) } }
}
