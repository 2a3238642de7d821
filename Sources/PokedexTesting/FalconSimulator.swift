import Foundation

/// CrowdStrike Falcon's Hosts API on a loopback port, with its real wire format: the OAuth2 token
/// endpoint (form body, HTTP 201, `X-CS-Region`), FQL hostname queries (`hostname:['X']` exact,
/// `hostname:'X'` partial, as the real API), device details, online state, 401 for a bad or expired
/// token, the containment actions (202, then `containment_pending` → `contained` once the host has
/// been looked at), and the fault plans of the recovery tests.
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
    /// The FQL filters of every host query, as received.
    public var filters: [String] { state.read { $0.filters } }
    /// Containment actions received (whether carried out or failed), as `action_name device-id`.
    public var actionsReceived: [String] { state.read { $0.actions } }
    /// A host's containment status now.
    public func status(of id: String) -> String? { state.read { $0.hosts.first { $0.id == id }?.status } }

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

    /// Makes the action endpoint answer `status` (e.g. 403 for a client without Hosts: Write, 500),
    /// or behave again with nil. Lookups are unaffected.
    public func failActions(status: Int?) { state.update { $0.actionFailure = status } }

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
            state.update { $0.filters.append(filter) }
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
            defer { state.update { $0.settlePendingActions(wanted) } }
            return .json(resources(hosts.filter { wanted.contains($0.id) }.map(details)))
        case "/devices/entities/devices-actions/v2":
            return performAction(request, state: state)
        case "/devices/entities/online-state/v1":
            let wanted = request.queryValues("ids")
            return .json(
                resources(
                    hosts.filter { wanted.contains($0.id) }.map { #"{"id":"\#($0.id)","state":"\#($0.online)"}"# }))
        default:
            return .json(#"{"errors":[{"code":404,"message":"not found"}]}"#, status: 404)
        }
    }

    private static func performAction(
        _ request: LoopbackHTTPServer.Request, state: SimulatorState
    )
        -> LoopbackHTTPServer.Response
    {
        struct Body: Decodable { var ids: [String] }
        let action = request.queryValue("action_name") ?? ""
        guard request.method == "POST", let body = try? JSONDecoder().decode(Body.self, from: request.body),
            body.ids.count == 1
        else {
            return .json(#"{"errors":[{"code":400,"message":"invalid request body"}]}"#, status: 400)
        }
        let id = body.ids[0]
        state.update { $0.actions.append("\(action) \(id)") }
        if let failure = state.read({ $0.actionFailure }) {
            let message = failure == 403 ? "access denied, authorization failed" : "internal error"
            return .json(#"{"errors":[{"code":\#(failure),"message":"\#(message)"}]}"#, status: failure)
        }
        let next: String
        switch action {
        case "contain": next = "containment_pending"
        case "lift_containment": next = "lift_containment_pending"
        default: return .json(#"{"errors":[{"code":400,"message":"unknown action_name"}]}"#, status: 400)
        }
        var found = false
        state.update { contents in
            if let index = contents.hosts.firstIndex(where: { $0.id == id }) {
                contents.hosts[index].status = next
                found = true
            }
        }
        guard found else { return .json(#"{"errors":[{"code":404,"message":"device not found"}]}"#, status: 404) }
        return .json(resources([#"{"id":"\#(id)","path":""}"#]), status: 202)
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
        var actions: [String] = []
        var filters: [String] = []
        var actionFailure: Int?

        /// A pending action completes once the host has been looked at after it.
        mutating func settlePendingActions(_ ids: [String]) {
            for index in hosts.indices where ids.contains(hosts[index].id) {
                switch hosts[index].status {
                case "containment_pending": hosts[index].status = "contained"
                case "lift_containment_pending": hosts[index].status = "normal"
                default: break
                }
            }
        }
    }

    private let lock = NSLock()
    private var contents: Contents

    init(hosts: [FalconSimulator.Host]) { contents = Contents(hosts: hosts) }

    func read<T>(_ body: (Contents) -> T) -> T { lock.withLock { body(contents) } }
    func update(_ body: (inout Contents) -> Void) { lock.withLock { body(&contents) } }
}
