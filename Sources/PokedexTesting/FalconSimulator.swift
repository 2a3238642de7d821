import Foundation

/// CrowdStrike Falcon's Hosts API on a loopback port, with its real wire format: the OAuth2 token
/// endpoint (form body, HTTP 201, `X-CS-Region`), FQL hostname queries (`hostname:['X']` exact,
/// `hostname:'X'` partial, as the real API), device details, online state, 401 for a bad or expired
/// token, and the fault plans of the recovery tests.
public final class FalconSimulator: Sendable {
    /// A host the simulator knows.
    public struct Host: Sendable {
        public var id: String
        public var hostname: String
        public var status: String
        public var online: String
        public var details: [String: String]
        public var tags: [String]

        public init(
            id: String, hostname: String, status: String = "normal", online: String = "online",
            details: [String: String] = [:], tags: [String] = []
        ) {
            self.id = id
            self.hostname = hostname
            self.status = status
            self.online = online
            self.details = details
            self.tags = tags
        }
    }

    public static let clientID = "simulated-client"
    public static let clientSecret = "simulated-secret-do-not-log"

    public let server: LoopbackHTTPServer
    public let faults: FaultInjector
    private let state: SimulatorState

    public var baseURL: String { server.baseURL }
    /// Tokens issued so far.
    public var tokensIssued: Int { state.read { $0.issued } }
    /// API requests (not token requests) so far.
    public var apiRequests: [String] { state.read { $0.requests } }

    private init(server: LoopbackHTTPServer, faults: FaultInjector, state: SimulatorState) {
        self.server = server
        self.faults = faults
        self.state = state
    }

    /// - Parameter tokenLifetime: `expires_in` of issued tokens (Falcon: 1799 s).
    public static func start(
        hosts: [Host], tokenLifetime: Int = 1799, faults: FaultInjector = FaultInjector()
    )
        async throws -> FalconSimulator
    {
        let state = SimulatorState(hosts: hosts)
        let server = try await LoopbackHTTPServer.start(faults: faults) { request in
            handle(request, state: state, tokenLifetime: tokenLifetime)
        }
        return FalconSimulator(server: server, faults: faults, state: state)
    }

    public func stop() async throws { try await server.stop() }

    /// Revokes every token, so the next API call gets a 401.
    public func revokeTokens() { state.update { $0.tokens.removeAll() } }

    private static func handle(
        _ request: LoopbackHTTPServer.Request, state: SimulatorState, tokenLifetime: Int
    )
        -> LoopbackHTTPServer.Response
    {
        if request.path == "/oauth2/token" {
            let form = URLComponents(string: "?" + String(decoding: request.body, as: UTF8.self))?.queryItems ?? []
            guard request.method == "POST",
                form.first(where: { $0.name == "client_id" })?.value == clientID,
                form.first(where: { $0.name == "client_secret" })?.value == clientSecret
            else {
                return .json(#"{"errors":[{"code":401,"message":"access denied, invalid client"}]}"#, status: 401)
            }
            let token = UUID().uuidString
            state.update {
                $0.tokens.insert(token)
                $0.issued += 1
            }
            return .json(
                #"{"access_token":"\#(token)","token_type":"bearer","expires_in":\#(tokenLifetime)}"#, status: 201,
                headers: [("X-CS-Region", "us-1")])
        }
        let token = request.header("Authorization")?.replacingOccurrences(of: "Bearer ", with: "") ?? ""
        guard state.read({ $0.tokens.contains(token) }) else {
            return .json(#"{"errors":[{"code":401,"message":"access denied, invalid bearer token"}]}"#, status: 401)
        }
        state.update { $0.requests.append(request.path) }
        let hosts = state.read { $0.hosts }
        switch request.path {
        case "/devices/queries/devices/v1":
            let filter = request.queryValue("filter") ?? ""
            let ids: [String]
            if let exact = filter.firstMatch(of: /^hostname:\['([^']*)'\]$/) {
                ids = hosts.filter { $0.hostname.lowercased() == exact.1.lowercased() }.map(\.id)
            } else if let partial = filter.firstMatch(of: /^hostname:'([^']*)'$/) {
                ids = hosts.filter { $0.hostname.lowercased().hasPrefix(partial.1.lowercased()) }.map(\.id)
            } else {
                return .json(#"{"errors":[{"code":400,"message":"invalid filter"}]}"#, status: 400)
            }
            return .json(resources(ids.map { "\"\($0)\"" }))
        case "/devices/entities/devices/v2":
            let wanted = request.queryValues("ids")
            return .json(resources(hosts.filter { wanted.contains($0.id) }.map(details)))
        case "/devices/entities/online-state/v1":
            let wanted = request.queryValues("ids")
            return .json(
                resources(
                    hosts.filter { wanted.contains($0.id) }.map { #"{"id":"\#($0.id)","state":"\#($0.online)"}"# }))
        default:
            return .json(#"{"errors":[{"code":404,"message":"not found"}]}"#, status: 404)
        }
    }

    private static func resources(_ items: [String]) -> String {
        #"{"meta":{"query_time":0.01,"powered_by":"simulator","trace_id":"\#(UUID().uuidString)"},"resources":[\#(items.joined(separator: ","))],"errors":[]}"#
    }

    private static func details(_ host: Host) -> String {
        var fields = [
            "\"device_id\":\"\(host.id)\"", "\"hostname\":\"\(host.hostname)\"", "\"status\":\"\(host.status)\"",
        ]
        for (key, value) in host.details.sorted(by: { $0.key < $1.key }) { fields.append("\"\(key)\":\"\(value)\"") }
        fields.append("\"tags\":[" + host.tags.map { "\"\($0)\"" }.joined(separator: ",") + "]")
        return "{" + fields.joined(separator: ",") + "}"
    }
}

/// The simulator's mutable state, behind a lock.
final class SimulatorState: @unchecked Sendable {
    struct Contents {
        var hosts: [FalconSimulator.Host]
        var tokens: Set<String> = []
        var issued = 0
        var requests: [String] = []
    }

    private let lock = NSLock()
    private var contents: Contents

    init(hosts: [FalconSimulator.Host]) { contents = Contents(hosts: hosts) }

    func read<T>(_ body: (Contents) -> T) -> T { lock.withLock { body(contents) } }
    func update(_ body: (inout Contents) -> Void) { lock.withLock { body(&contents) } }
}
