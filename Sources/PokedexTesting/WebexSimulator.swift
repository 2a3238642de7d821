import Crypto
import Foundation

/// Webex's REST API on a loopback port, with its real shapes: `people/me`, messages (fetched by id,
/// posted with `parentId` threads — a reply to a reply is refused with 400 as Webex does — and
/// edited), webhooks, 429 with `Retry-After`, and signed `messages:created` webhook bodies.
public final class WebexSimulator: Sendable {
    public static let token = "simulated-webex-bot-token"
    /// The bot's person: a raw uuid in websocket events, its global id in REST.
    public static let botUUID = "8d6a1e0c-5b7e-4a43-9c55-0f4d3c2b1a00"
    public static let botID = globalID("PEOPLE", botUUID)
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
        /// The raw uuid websocket events carry.
        public var uuid = UUID().uuidString.lowercased()
        public var created = Date()
    }

    public let server: LoopbackHTTPServer
    public let faults: FaultInjector
    let state: Locked<State>
    /// The device's websocket (Webex's "Mercury"), started with the simulator.
    let mercury: MercuryServer

    struct State {
        var messages: [Message] = []
        /// Devices registered with Webex Device Management, by name.
        var devices: [String: [String: String]] = [:]
        var deviceRegistrations = 0
        var revoked = false
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

    private init(server: LoopbackHTTPServer, faults: FaultInjector, state: Locked<State>, mercury: MercuryServer) {
        self.server = server
        self.faults = faults
        self.state = state
        self.mercury = mercury
    }

    public static func start(faults: FaultInjector = FaultInjector()) async throws -> WebexSimulator {
        let state = Locked(State())
        let mercury = try await MercuryServer.start(state: state)
        let server = try await LoopbackHTTPServer.start(faults: faults) { request in
            handle(request, state, mercury: mercury)
        }
        return WebexSimulator(server: server, faults: faults, state: state, mercury: mercury)
    }

    public func stop() async throws {
        await mercury.stop()
        try await server.stop()
    }

    /// Webex Device Management's base, for `POKEDEX_WEBEX_DEVICE_URL`.
    public var deviceURL: String { server.baseURL + "/wdm/api/v1" }

    /// Webex's REST id for a raw uuid: the unpadded base64 of `ciscospark://us/<KIND>/<uuid>`.
    public static func globalID(_ kind: String, _ uuid: String) -> String {
        String(Data("ciscospark://us/\(kind)/\(uuid)".utf8).base64EncodedString().prefix { $0 != "=" })
    }

    /// Webex no longer accepts the bot token (REST 401, websocket authorization refused).
    public func revokeToken() { state.update { $0.revoked = true } }

    /// Webex forgets the bot's devices (the next listing has none; the bot must register again).
    public func forgetDevices() { state.update { $0.devices = [:] } }

    /// Devices Webex knows now.
    public var devices: Int { state.read { $0.devices.count } }
    /// Devices registered, ever.
    public var deviceRegistrations: Int { state.read { $0.deviceRegistrations } }

    // MARK: The device websocket

    /// Websocket connections whose authorization was accepted, ever.
    public var websocketAuthorizations: Int { mercury.connections.read(\.authorizations) }
    /// Websocket connections refused for a wrong or revoked token, ever.
    public var refusedAuthorizations: Int { mercury.connections.read(\.refusedAuthorizations) }
    /// Websocket connections open now.
    public var openWebsockets: Int { mercury.connections.read { $0.open.count } }
    /// Frame ids the bot acknowledged.
    public var acks: [String] { mercury.connections.read(\.acks) }
    /// Pings the bot sent.
    public var pings: Int { mercury.connections.read(\.pings) }
    /// Websockets the bot closed with a close frame.
    public var websocketsClosedByClient: Int { mercury.connections.read(\.closedByClient) }

    /// Webex cannot be reached (new websocket connections are refused) until ``acceptWebsockets()``.
    public func refuseWebsockets() { mercury.connections.update { $0.refusing = true } }
    public func acceptWebsockets() { mercury.connections.update { $0.refusing = false } }

    /// The websocket refuses the authorization frame (a close with 1008) although REST accepts
    /// the token.
    public func refuseWebsocketAuthorization() { mercury.connections.update { $0.refusingAuthorization = true } }

    /// Closes every open websocket (the connection was dropped).
    public func dropWebsockets() {
        mercury.connections.update { table in
            for connection in table.open.values { connection.frames.finish() }
            table.open = [:]
        }
    }

    /// Sends a frame as it is on every open websocket (garbage, or events the bot does not read).
    public func sendRawFrame(_ text: String) {
        mercury.connections.read { table in
            for connection in table.open.values where !connection.silent { connection.frames.yield(text) }
        }
    }

    /// The open websockets go silent without closing (a firewall dropped them): no events, no
    /// pongs. New connections are not affected.
    public func silenceWebsockets() {
        mercury.connections.update { table in
            for id in table.open.keys { table.open[id]?.silent = true }
        }
    }

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
        let uuid = UUID().uuidString.lowercased()
        let id = Self.globalID("MESSAGE", uuid)
        let message = Message(
            id: id, roomId: room, roomType: roomType, text: text, personId: personId, personEmail: email,
            parentId: parentId, uuid: uuid)
        state.update { $0.messages.append(message) }
        mercury.announce(message)
        return id
    }

    /// Sends a message's `conversation.activity` event again (Webex may deliver one twice).
    public func announceAgain(_ messageID: String) {
        if let message = state.read({ $0.messages.first { $0.id == messageID } }) { mercury.announce(message) }
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
        _ request: LoopbackHTTPServer.Request, _ state: Locked<State>, mercury: MercuryServer
    ) -> LoopbackHTTPServer.Response {
        guard request.header("Authorization") == "Bearer \(token)", !state.read(\.revoked) else {
            return .json(
                #"{"message":"The request requires a valid access token set in the Authorization request header."}"#,
                status: 401)
        }
        let path = request.path
        let body = (try? JSONSerialization.jsonObject(with: request.body)) as? [String: Any] ?? [:]
        switch (request.method, path) {
        case ("GET", "/v1/people/me"):
            return .json(#"{"id":"\#(botID)","emails":["\#(botEmail)"],"displayName":"\#(botName)","type":"bot"}"#)
        case ("GET", "/wdm/api/v1/devices"):
            let devices = state.read { Array($0.devices.values) }
            return .json(jsonText(["devices": devices]))
        case ("POST", "/wdm/api/v1/devices"):
            guard let name = body["name"] as? String, body["deviceType"] as? String != nil else {
                return .json(#"{"message":"name and deviceType are required"}"#, status: 400)
            }
            let id = UUID().uuidString.lowercased()
            let device = [
                "url": "http://127.0.0.1/wdm/api/v1/devices/\(id)", "webSocketUrl": "\(mercury.baseURL)/mercury/\(id)",
                "name": name, "deviceType": "DESKTOP",
            ]
            state.update {
                $0.devices[name] = device
                $0.deviceRegistrations += 1
            }
            return .json(jsonText(device))
        case ("GET", "/v1/rooms"):
            // Rooms by last activity, newest first.
            let rooms = state.read { state in
                Dictionary(grouping: state.messages, by: \.roomId).map { room, messages in
                    (room, messages[0].roomType, messages.map(\.created).max() ?? Date())
                }
            }.sorted { $0.2 > $1.2 }
            let max = request.queryValue("max").flatMap(Int.init) ?? 100
            let items = rooms.prefix(max).map { ["id": $0.0, "type": $0.1, "lastActivity": iso($0.2)] }
            return .json(jsonText(["items": items]))
        case ("GET", "/v1/messages"):
            guard let room = request.queryValue("roomId") else {
                return .json(#"{"message":"roomId is required"}"#, status: 400)
            }
            let messages = state.read { $0.messages.filter { $0.roomId == room } }
            let mentioned = request.queryValue("mentionedPeople") == "me"
            if messages.first?.roomType == "group" && !mentioned {
                return .json(#"{"message":"Bots must use mentionedPeople=me in group rooms"}"#, status: 403)
            }
            let max = request.queryValue("max").flatMap(Int.init) ?? 50
            let items = messages.reversed().prefix(max).map { jsonObject($0) }
            return .json(jsonText(["items": Array(items)]))
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
            let uuid = UUID().uuidString.lowercased()
            let message = Message(
                id: globalID("MESSAGE", uuid), roomId: room, roomType: "direct", text: markdown, personId: botID,
                personEmail: botEmail, parentId: parent, uuid: uuid)
            state.update { $0.messages.append(message) }
            mercury.announce(message)  // Webex tells the bot's device about its own posts too
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

    private static func json(_ message: Message) -> String { jsonText(jsonObject(message)) }

    private static func jsonObject(_ message: Message) -> [String: Any] {
        var object: [String: Any] = [
            "id": message.id, "roomId": message.roomId, "roomType": message.roomType, "text": message.text,
            "personId": message.personId, "personEmail": message.personEmail, "created": iso(message.created),
        ]
        if let parent = message.parentId { object["parentId"] = parent }
        return object
    }

    static func jsonText(_ object: Any) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    static func iso(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true))
    }
}
