import Foundation
import PokedexRecovery

extension ToolName {
    /// CrowdStrike Falcon: host lookups and containment actions share its recovery books.
    public static let crowdstrike: ToolName = "crowdstrike"
}

/// `crowdstrike`: a host's containment status, online state or details from Falcon (SPEC 4.1),
/// read-only, through recovery. The hostname is checked before any request is sent.
public struct FalconTool: CatalogTool {
    /// What to look up.
    public enum Lookup: String, Sendable, CaseIterable {
        case status, online, details
    }

    public static let name = ToolName.crowdstrike
    public static let recoveryDefaults = RecoveryDefaults(
        policy: RetryPolicy(maxRetries: 2, initialDelay: .seconds(1), backoff: 2.0), threshold: 5)

    public let description =
        "Look up a host in CrowdStrike Falcon: its containment status, whether it is online, or its details."
    public let parameters = ToolParameters(
        [
            "hostname": .init(.string, "The exact hostname, e.g. WS-1234."),
            "lookup": .init(.string, "What to look up.", oneOf: Lookup.allCases.map(\.rawValue)),
        ],
        required: ["hostname", "lookup"])
    public let literalParameters = ["hostname"]
    public let capability: String? =
        "check a host in CrowdStrike Falcon: containment status, online state, details (\"is WS-1234 contained?\")"
    public let guidance: String? = "Pass hostnames exactly as the user wrote them."
    public let claims: (any ClaimRule)? = FalconClaims()

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
        let lookup = arguments.string("lookup").flatMap(Lookup.init) ?? .status
        let client = self.client
        let outcome = await recovery.call(Self.service) { attempt in
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
        }
        return result(outcome, context: context)
    }

    /// A hostname with status, containment, online or details.
    public func directArguments(for question: String) -> [String: ToolArgument]? {
        let lower = question.lowercased()
        guard let host = FalconHostname.word(in: question),
            lower.mentions(["status", "contain", "isolat", "online", "offline", "connected", "detail", "info"])
        else { return nil }
        let lookup =
            lower.mentions(["detail", "info"])
            ? Lookup.details : lower.mentions(["online", "offline", "connected"]) ? .online : .status
        return ["hostname": .string(host), "lookup": .string(lookup.rawValue)]
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

extension FalconHostname {
    /// The first word that looks like a hostname (letters and digits together: WS-1234,
    /// srv01.corp), as the user wrote it.
    public static func word(in text: String) -> String? {
        for word in text.split(whereSeparator: { $0.isWhitespace || ",;:!?'\"()".contains($0) }) {
            let candidate = String(word).trimmingCharacters(in: CharacterSet(charactersIn: "."))
            guard candidate.contains(where: \.isLetter), candidate.contains(where: \.isNumber),
                (try? FalconHostname(candidate)) != nil
            else { continue }
            return candidate
        }
        return nil
    }
}

extension String {
    /// Whether any of the words occurs in this (already lower-cased) text.
    func mentions(_ words: [String]) -> Bool { words.contains { contains($0) } }
}
