import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PokedexHTTP
import PokedexRecovery
import PokedexSettings

/// Webex's REST API, as the bot uses it. A 429 is waited out (`Retry-After` seconds, at most a
/// minute, three times) and retried; other failures are ``ServiceFailure``s. The token is sent as a
/// bearer header and never appears in an error.
public struct WebexClient: Sendable {
    /// A message as `GET /messages/{id}` returns it (the fields the bot reads).
    public struct Message: Sendable, Decodable, Equatable {
        public var id: String
        public var roomId: String
        public var roomType: String?
        public var text: String?
        public var personId: String?
        public var personEmail: String?
        public var parentId: String?
        /// ISO 8601, e.g. `2026-11-25T12:00:00.000Z`.
        public var created: String?
    }

    /// A room as `GET /rooms` lists it.
    public struct Room: Sendable, Decodable {
        public var id: String
        public var type: String?
        public var lastActivity: String?
    }

    /// A device of Webex Device Management: where its websocket is.
    public struct Device: Sendable, Decodable {
        public var url: String
        public var webSocketUrl: String
        public var name: String?
    }

    public struct Person: Sendable, Decodable {
        public var id: String
        public var displayName: String?
        public var emails: [String]?
    }

    public struct Webhook: Sendable, Decodable {
        public var id: String
        public var name: String
        public var targetUrl: String
        public var status: String?
    }

    private let baseURL: String
    private let token: Secret
    private let http: HTTPClient
    private let sleep: @Sendable (Duration) async throws -> Void

    /// - Parameter sleep: how 429 waits are spent (a test records them instead).
    public init(
        baseURL: String, token: Secret, http: HTTPClient = .services,
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.token = token
        self.http = http
        self.sleep = sleep
    }

    public func me() async throws -> Person {
        try decode(Person.self, try await send(.GET, "/people/me"))
    }

    public func message(_ id: String) async throws -> Message {
        try decode(Message.self, try await send(.GET, "/messages/\(id.pathEncoded)"))
    }

    /// Posts markdown to a room, threaded under `parentId` when given.
    @discardableResult
    public func post(roomId: String, markdown: String, parentId: String?) async throws -> Message {
        var body: [String: String] = ["roomId": roomId, "markdown": markdown]
        if let parentId { body["parentId"] = parentId }
        return try decode(Message.self, try await send(.POST, "/messages", json: body))
    }

    /// Replaces a message's text (the "thinking…" message).
    public func edit(_ id: String, roomId: String, markdown: String) async throws {
        _ = try await send(.PUT, "/messages/\(id.pathEncoded)", json: ["roomId": roomId, "markdown": markdown])
    }

    /// The rooms with the most recent activity first.
    public func recentRooms(max: Int) async throws -> [Room] {
        struct Items: Decodable { var items: [Room] }
        return try decode(Items.self, try await send(.GET, "/rooms?sortBy=lastactivity&max=\(max)")).items
    }

    /// A room's latest messages, newest first; in group rooms a bot may list only those that
    /// mention it.
    public func messages(inRoom room: String, mentioningMe: Bool, max: Int) async throws -> [Message] {
        struct Items: Decodable { var items: [Message] }
        let mentions = mentioningMe ? "&mentionedPeople=me" : ""
        return try decode(
            Items.self, try await send(.GET, "/messages?roomId=\(room.pathEncoded)&max=\(max)\(mentions)")
        ).items
    }

    /// The bot's device named `name` at Webex Device Management (`deviceURL`), registered when it
    /// has none (or Webex forgot it).
    public func device(named name: String, at deviceURL: String) async throws -> Device {
        struct Devices: Decodable { var devices: [Device]? }
        let base = deviceURL.hasSuffix("/") ? String(deviceURL.dropLast()) : deviceURL
        let listed = try decode(Devices.self, try await send(.GET, url: base + "/devices"))
        if let device = listed.devices?.first(where: { $0.name == name }) { return device }
        let registration = [
            "deviceName": name, "deviceType": "DESKTOP", "localizedModel": "swift", "model": "swift", "name": name,
            "systemName": "pokedex", "systemVersion": "1.0",
        ]
        return try decode(Device.self, try await send(.POST, url: base + "/devices", json: registration))
    }

    public func webhooks() async throws -> [Webhook] {
        struct Items: Decodable { var items: [Webhook] }
        return try decode(Items.self, try await send(.GET, "/webhooks")).items
    }

    /// Creates the bot's `messages:created` webhook, or updates (and re-activates) an existing one.
    @discardableResult
    public func registerWebhook(name: String, targetURL: String, secret: String) async throws -> Webhook {
        if let existing = try await webhooks().first(where: { $0.name == name || $0.targetUrl == targetURL }) {
            return try decode(
                Webhook.self,
                try await send(
                    .PUT, "/webhooks/\(existing.id.pathEncoded)",
                    json: ["name": name, "targetUrl": targetURL, "secret": secret, "status": "active"]))
        }
        return try decode(
            Webhook.self,
            try await send(
                .POST, "/webhooks",
                json: [
                    "name": name, "targetUrl": targetURL, "resource": "messages", "event": "created", "secret": secret,
                ]))
    }

    // MARK: Requests

    private func send(_ method: HTTPMethod, _ path: String, json: [String: String]? = nil) async throws -> Data {
        try await send(method, url: baseURL + path, json: json)
    }

    private func send(_ method: HTTPMethod, url: String, json: [String: String]? = nil) async throws -> Data {
        for attempt in 0...3 {
            var request = HTTPClientRequest(url: url)
            request.method = method
            request.headers.add(name: "Authorization", value: "Bearer \(token.revealed)")
            request.headers.add(name: "Accept", value: "application/json")
            if let json {
                request.headers.add(name: "Content-Type", value: "application/json")
                request.body = .bytes(ByteBuffer(bytes: try JSONEncoder().encode(json)))
            }
            let response: HTTPClientResponse
            let body: ByteBuffer
            do {
                response = try await http.execute(request, timeout: .seconds(15))
                body = try await response.body.collect(upTo: 4 << 20)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                throw ServiceFailure(.connection, "cannot reach Webex")
            }
            let status = Int(response.status.code)
            if status == 429, attempt < 3 {
                let seconds = response.headers.first(name: "Retry-After").flatMap(Int.init) ?? 1
                try await sleep(.seconds(min(max(seconds, 1), 60)))
                continue
            }
            guard (200..<300).contains(status) else {
                struct Problem: Decodable { var message: String? }
                let message = (try? JSONDecoder().decode(Problem.self, from: Data(body.readableBytesView)))?.message
                throw ServiceFailure(
                    .http(status: status), "Webex answered \(status)\(message.map { ": \($0.prefix(200))" } ?? "")")
            }
            return Data(body.readableBytesView)
        }
        throw ServiceFailure(.http(status: 429), "Webex kept answering 429")
    }

    private func decode<T: Decodable>(_ type: T.Type, _ data: Data) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch {
            throw ServiceFailure(.invalidResponse, "Webex sent an answer that could not be read")
        }
    }
}

extension String {
    var pathEncoded: String {
        addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? self
    }
}
