import Crypto
import Foundation

/// Webex's REST API on a loopback port, with its real shapes: `people/me`, messages (fetched by id,
/// posted with `parentId` threads — a reply to a reply is refused with 400 as Webex does — and
/// edited), webhooks, 429 with `Retry-After`, and signed `messages:created` webhook bodies.
public final class WebexSimulator: Sendable {
    public static let token = "simulated-webex-bot-token"
    public static let botID = "Y2lzY29zcGFyazovL3VzL1BFT1BMRS9ib3Q"
    public static let botEmail = "pokedex@webex.bot"
    public static let botName = "Pokedex"

    /// A message as the simulator holds it.
    public struct Message: Sendable, Equatable {
        public var id: String
        public var roomId: String
        public var roomType: String
        public var text: String
        public var personId: String
        public var personEmail: String
        public var parentId: String?
        /// Every text it had before an edit.
        public var edits: [String] = []
    }

    public let server: LoopbackHTTPServer
    public let faults: FaultInjector
    private let state: Locked<State>

    private struct State {
        var messages: [Message] = []
        var webhooks: [[String: String]] = []
        var rateLimited = 0
        var retryAfter = "2"
        var fetches: [String] = []
    }

    /// Base URL including `/v1`, for `POKEDEX_WEBEX_BASE_URL`.
    public var baseURL: String { server.baseURL + "/v1" }
    /// Messages the bot posted, in order.
    public var posted: [Message] { state.read { $0.messages.filter { $0.personId == Self.botID } } }
    /// Ids of messages the bot fetched.
    public var fetched: [String] { state.read { $0.fetches } }
    public var webhooks: [[String: String]] { state.read { $0.webhooks } }

    private init(server: LoopbackHTTPServer, faults: FaultInjector, state: Locked<State>) {
        self.server = server
        self.faults = faults
        self.state = state
    }

    public static func start(faults: FaultInjector = FaultInjector()) async throws -> WebexSimulator {
        let state = Locked(State())
        let server = try await LoopbackHTTPServer.start(faults: faults) { request in handle(request, state) }
        return WebexSimulator(server: server, faults: faults, state: state)
    }

    public func stop() async throws { try await server.stop() }

    /// The next `count` posts of messages get 429 with this `Retry-After`.
    public func rateLimitPosts(_ count: Int, retryAfter: String) {
        state.update {
            $0.rateLimited = count
            $0.retryAfter = retryAfter
        }
    }

    /// A person writes in a room; returns the message id (the webhook is delivered separately).
    @discardableResult
    public func say(
        _ text: String, from email: String = "analyst@example.com", personId: String = "person-analyst",
        room: String = "room-soc", roomType: String = "direct", parentId: String? = nil
    ) -> String {
        let id = "msg-" + UUID().uuidString
        state.update {
            $0.messages.append(
                Message(
                    id: id, roomId: room, roomType: roomType, text: text, personId: personId, personEmail: email,
                    parentId: parentId))
        }
        return id
    }

    /// The `messages:created` webhook body for a message, and its `X-Spark-Signature`.
    public func webhook(for messageID: String, secret: String) -> (body: Data, signature: String) {
        let message = state.read { $0.messages.first { $0.id == messageID } }
        let data: [String: Any] = [
            "id": messageID, "roomId": message?.roomId ?? "", "roomType": message?.roomType ?? "direct",
            "personId": message?.personId ?? "", "personEmail": message?.personEmail ?? "",
            "created": "2026-11-25T12:00:00.000Z",
        ]
        let envelope: [String: Any] = [
            "id": "webhook-1", "name": "pokedex", "targetUrl": "https://pokedex.example.com/webhooks/webex",
            "resource": "messages", "event": "created", "orgId": "org", "createdBy": "person", "appId": "app",
            "ownedBy": "creator", "status": "active", "created": "2026-11-25T11:00:00.000Z", "actorId": "actor",
            "data": data,
        ]
        let body = (try? JSONSerialization.data(withJSONObject: envelope, options: [.sortedKeys])) ?? Data()
        let code = HMAC<Insecure.SHA1>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return (body, code.map { String(format: "%02x", $0) }.joined())
    }

    // MARK: The API

    private static func handle(
        _ request: LoopbackHTTPServer.Request, _ state: Locked<State>
    ) -> LoopbackHTTPServer.Response {
        guard request.header("Authorization") == "Bearer \(token)" else {
            return .json(
                #"{"message":"The request requires a valid access token set in the Authorization request header."}"#,
                status: 401)
        }
        let path = request.path
        let body = (try? JSONSerialization.jsonObject(with: request.body)) as? [String: Any] ?? [:]
        switch (request.method, path) {
        case ("GET", "/v1/people/me"):
            return .json(#"{"id":"\#(botID)","emails":["\#(botEmail)"],"displayName":"\#(botName)","type":"bot"}"#)
        case ("GET", _) where path.hasPrefix("/v1/messages/"):
            let id = String(path.dropFirst("/v1/messages/".count))
            state.update { $0.fetches.append(id) }
            guard let message = state.read({ $0.messages.first { $0.id == id } }) else {
                return .json(#"{"message":"message not found"}"#, status: 404)
            }
            return .json(json(message))
        case ("POST", "/v1/messages"):
            let limited = state.update { state -> String? in
                guard state.rateLimited > 0 else { return nil }
                state.rateLimited -= 1
                return state.retryAfter
            }
            if let limited {
                return .json(#"{"message":"Too Many Requests"}"#, status: 429, headers: [("Retry-After", limited)])
            }
            guard let room = body["roomId"] as? String, let markdown = body["markdown"] as? String else {
                return .json(#"{"message":"roomId and markdown are required"}"#, status: 400)
            }
            guard markdown.utf8.count <= 7439 else {
                return .json(#"{"message":"Message exceeds the maximum length of 7439 bytes"}"#, status: 400)
            }
            let parent = body["parentId"] as? String
            if let parent, state.read({ $0.messages.first { $0.id == parent }?.parentId != nil }) {
                return .json(
                    #"{"message":"Cannot reply to a reply; reply to the thread's parent instead"}"#, status: 400)
            }
            let message = Message(
                id: "msg-" + UUID().uuidString, roomId: room, roomType: "direct", text: markdown, personId: botID,
                personEmail: botEmail, parentId: parent)
            state.update { $0.messages.append(message) }
            return .json(json(message))
        case ("PUT", _) where path.hasPrefix("/v1/messages/"):
            let id = String(path.dropFirst("/v1/messages/".count))
            guard let markdown = body["markdown"] as? String,
                state.update({ state -> Bool in
                    guard let index = state.messages.firstIndex(where: { $0.id == id && $0.personId == botID }) else {
                        return false
                    }
                    state.messages[index].edits.append(state.messages[index].text)
                    state.messages[index].text = markdown
                    return true
                })
            else { return .json(#"{"message":"cannot edit this message"}"#, status: 400) }
            return .json(#"{"id":"\#(id)"}"#)
        case ("GET", "/v1/webhooks"):
            let items = state.read { $0.webhooks }
            let data = (try? JSONSerialization.data(withJSONObject: ["items": items], options: [.sortedKeys])) ?? Data()
            return LoopbackHTTPServer.Response(headers: [("Content-Type", "application/json")], body: data)
        case ("POST", "/v1/webhooks"):
            var hook = body.compactMapValues { $0 as? String }
            hook["id"] = "webhook-" + UUID().uuidString
            hook["status"] = "active"
            state.update { $0.webhooks.append(hook) }
            return webhookResponse(hook)
        case ("PUT", _) where path.hasPrefix("/v1/webhooks/"):
            let id = String(path.dropFirst("/v1/webhooks/".count))
            let updated = state.update { state -> [String: String]? in
                guard let index = state.webhooks.firstIndex(where: { $0["id"] == id }) else { return nil }
                for (key, value) in body { if let text = value as? String { state.webhooks[index][key] = text } }
                return state.webhooks[index]
            }
            guard let updated else { return .json(#"{"message":"webhook not found"}"#, status: 404) }
            return webhookResponse(updated)
        default:
            return .json(#"{"message":"not found"}"#, status: 404)
        }
    }

    private static func webhookResponse(_ hook: [String: String]) -> LoopbackHTTPServer.Response {
        var shown = hook
        shown["secret"] = nil  // Webex never echoes the secret
        let data = (try? JSONSerialization.data(withJSONObject: shown, options: [.sortedKeys])) ?? Data()
        return LoopbackHTTPServer.Response(headers: [("Content-Type", "application/json")], body: data)
    }

    private static func json(_ message: Message) -> String {
        var object: [String: Any] = [
            "id": message.id, "roomId": message.roomId, "roomType": message.roomType, "text": message.text,
            "personId": message.personId, "personEmail": message.personEmail, "created": "2026-11-25T12:00:00.000Z",
        ]
        if let parent = message.parentId { object["parentId"] = parent }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}
