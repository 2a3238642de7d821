import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PokedexHTTP
import PokedexRecovery
import PokedexSettings
import Synchronization

/// CrowdStrike Falcon's Hosts API: OAuth2 client credentials with a cached token (refreshed before
/// its 30-minute expiry, and once on a 401), exact hostname lookups, device details, online state
/// and the containment actions. Failures are ``ServiceFailure``s for recovery; nothing here retries
/// on its own except the one token refresh the API requires (a 401 means the request was not
/// carried out, so repeating it once with a fresh token is safe even for an action).
public final class FalconClient: Sendable {
    private struct Token {
        var value: String
        var expires: Date
    }

    private let credentials: (id: String, secret: Secret)
    private let http: ServiceHTTP
    private let now: @Sendable () -> Date
    private let state: Mutex<(base: String, token: Token?)>

    /// - Parameters:
    ///   - baseURL: scheme and host of the tenant's cloud, e.g. `https://api.us-2.crowdstrike.com`.
    ///   - now: the time, for token expiry and for how long a rate limit's epoch second is away.
    public init(
        baseURL: String, clientID: String, clientSecret: Secret, http: HTTPClient = .services,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        credentials = (clientID, clientSecret)
        self.http = ServiceHTTP(http: http, service: "Falcon")
        self.now = now
        state = Mutex((baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL, nil))
    }

    /// The API base URL in use (it follows the `X-CS-Region` the token endpoint names).
    public var baseURL: String { state.withLock { $0.base } }

    /// The ids of the hosts whose name is exactly `host` (FQL `hostname:['X']`, never a partial match).
    public func deviceIDs(for host: FalconHostname, timeLimit: Duration) async throws -> [String] {
        struct Found: Decodable { var resources: [String]? }
        let filter = "hostname:['\(host.value)']".queryEncoded
        return try await get(
            "/devices/queries/devices/v1?filter=\(filter)&limit=2", as: Found.self, timeLimit: timeLimit
        )
        .resources ?? []
    }

    /// Details of devices by id.
    public func devices(_ ids: [String], timeLimit: Duration) async throws -> [FalconDevice] {
        struct Found: Decodable { var resources: [FalconDevice]? }
        let query = ids.map { "ids=\($0.queryEncoded)" }.joined(separator: "&")
        return try await get("/devices/entities/devices/v2?\(query)", as: Found.self, timeLimit: timeLimit).resources
            ?? []
    }

    /// Online state (`online`, `offline`, `unknown`) by device id: a separate endpoint from details.
    public func onlineStates(_ ids: [String], timeLimit: Duration) async throws -> [String: String] {
        struct State: Decodable {
            var id: String
            var state: String
        }
        struct Found: Decodable { var resources: [State]? }
        let query = ids.map { "ids=\($0.queryEncoded)" }.joined(separator: "&")
        let states = try await get("/devices/entities/online-state/v1?\(query)", as: Found.self, timeLimit: timeLimit)
        return Dictionary((states.resources ?? []).map { ($0.id, $0.state) }) { first, _ in first }
    }

    /// Asks Falcon to contain a host or lift its containment (needs the Hosts: Write scope). Falcon
    /// answers 202 and carries the action out asynchronously: the host's status moves through
    /// `containment_pending` / `lift_containment_pending`.
    public func perform(_ action: ContainmentAction, on id: String, timeLimit: Duration) async throws {
        let body = try JSONEncoder().encode(["ids": [id]])
        _ = try await send(
            "/devices/entities/devices-actions/v2?action_name=\(action.apiName)", method: .POST, body: body,
            as: IgnoredBody.self, timeLimit: timeLimit)
    }

    // MARK: Requests

    private func get<T: Decodable>(_ path: String, as type: T.Type, timeLimit: Duration) async throws -> T {
        try await send(path, method: .GET, body: nil, as: type, timeLimit: timeLimit)
    }

    private func send<T: Decodable>(
        _ path: String, method: HTTPMethod, body: Data?, as type: T.Type, timeLimit: Duration
    ) async throws -> T {
        let deadline = ContinuousClock.now + timeLimit
        var refreshed = false
        while true {
            let token = try await bearerToken(timeLimit: deadline - .now, forceRefresh: refreshed)
            var request = HTTPClientRequest(url: baseURL + path)
            request.method = method
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            request.headers.add(name: "Accept", value: "application/json")
            if let body {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: body))
            }
            let (status, headers, body) = try await http.send(request, timeLimit: deadline - .now)
            if status == 401 && !refreshed {
                refreshed = true  // the token was revoked or expired early: fetch a new one, once
                continue
            }
            try check(status, headers, body)
            // An accepted action counts as accepted whatever the body says.
            if let ignored = IgnoredBody() as? T { return ignored }
            do {
                return try JSONDecoder().decode(T.self, from: body)
            } catch {
                throw ServiceFailure(.invalidResponse, "Falcon sent an answer that could not be read")
            }
        }
    }

    private struct IgnoredBody: Decodable {}

    /// Asks for a new token, so wrong or revoked credentials show at once (for `status`).
    /// - Throws: ``ServiceFailure``, e.g. "Falcon rejected the API client credentials".
    public func checkCredentials(timeLimit: Duration) async throws {
        _ = try await bearerToken(timeLimit: timeLimit, forceRefresh: true)
    }

    /// The cached token, or a new one when there is none or it expires within two minutes.
    private func bearerToken(timeLimit: Duration, forceRefresh: Bool) async throws -> String {
        if !forceRefresh, let token = state.withLock({ $0.token }), token.expires.timeIntervalSince(now()) > 120 {
            return token.value
        }
        var request = HTTPClientRequest(url: baseURL + "/oauth2/token")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        request.body = .bytes(
            ByteBuffer(
                string: "client_id=\(credentials.id.queryEncoded)&client_secret=\(credentials.secret.revealed.queryEncoded)"))
        let (status, headers, body) = try await http.send(request, timeLimit: timeLimit)
        guard status == 201 || status == 200 else {
            if status == 401 || status == 403 {
                throw ServiceFailure(.http(status: status), "Falcon rejected the API client credentials")
            }
            try check(status, headers, body)
            throw ServiceFailure(.invalidResponse, "Falcon's token endpoint answered \(status)")
        }
        struct Issued: Decodable {
            var access_token: String
            var expires_in: Double?
        }
        guard let issued = try? JSONDecoder().decode(Issued.self, from: body) else {
            throw ServiceFailure(.invalidResponse, "Falcon sent a token that could not be read")
        }
        let token = Token(value: issued.access_token, expires: now().addingTimeInterval(issued.expires_in ?? 1799))
        let region = headers.first(name: "X-CS-Region")
        state.withLock { state in
            state.token = token
            if let region, let regional = FalconRegion.baseURL(for: region, replacing: state.base) {
                state.base = regional
            }
        }
        return token.value
    }

    /// Turns an error status into a ``ServiceFailure``, with Falcon's rate-limit wait (an epoch time).
    private func check(_ status: Int, _ headers: HTTPHeaders, _ body: Data) throws {
        guard !(200..<300).contains(status) else { return }
        struct Problem: Decodable {
            struct Item: Decodable { var message: String? }
            var errors: [Item]?
        }
        let message = (try? JSONDecoder().decode(Problem.self, from: body))?.errors?.first?.message ?? "error"
        let wait =
            headers.first(name: "X-RateLimit-RetryAfter").flatMap { RetryAfter.fromEpochSeconds($0, now: now()) }
            ?? headers.first(name: "Retry-After").flatMap { RetryAfter.parse($0, now: now()) }
        throw ServiceFailure(.http(status: status), "Falcon: \(message)", retryAfter: wait)
    }
}

/// Falcon's clouds; the token endpoint's `X-CS-Region` header names the tenant's.
public enum FalconRegion {
    public static let baseURLs = [
        "us-1": "https://api.crowdstrike.com", "us-2": "https://api.us-2.crowdstrike.com",
        "eu-1": "https://api.eu-1.crowdstrike.com", "us-gov-1": "https://api.laggar.gcw.crowdstrike.com",
        "us-gov-2": "https://api.us-gov-2.crowdstrike.mil",
    ]

    /// The base URL to switch to when the tenant lives in another cloud than `current`; nil to stay
    /// (same cloud, unknown region, or a base URL that is not one of CrowdStrike's, such as a proxy).
    public static func baseURL(for region: String, replacing current: String) -> String? {
        guard let regional = baseURLs[region.lowercased()], baseURLs.values.contains(current), regional != current
        else { return nil }
        return regional
    }
}
