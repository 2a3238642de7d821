import Foundation
import HummingbirdWSClient
import Logging
import NIOWebSocket
import PokedexAssistant
import PokedexRecovery
import PokedexSessions
import PokedexSettings
import ServiceLifecycle
import Synchronization

/// What the websocket is doing, for `/ready`, the status page, `pokedex health` and the metrics.
public struct WebexConnectionStatus: Sendable, Codable, Equatable {
    public enum State: String, Sendable, Codable {
        /// Registering the device or opening the connection.
        case connecting
        case connected
        /// Another replica holds the websocket (the lease); this one serves HTTP.
        case standby
        /// Webex refused the bot token: nothing is received until it is fixed.
        case unauthorized
        case stopped
    }

    public var state: State = .connecting
    public var connectedSince: Date?
    public var lastEvent: Date?
    public var reconnects = 0
    /// Messages answered by a catch-up after a reconnection (they arrived while disconnected).
    public var caughtUp = 0
    public var lastError: String?
}

/// The Webex bot without a public URL (API-NOTES "Webex over a websocket"): registers (or reuses) a
/// device, connects to its websocket with the bot token, and hands each new message's id to the
/// ``WebexBot`` — the same path as a webhook from there. Never loses a message: pings every
/// `webex.heartbeat`, a connection silent for `webex.idle_timeout` is dropped, reconnections back off
/// with jitter, and after every connection the recent messages of active rooms are caught up (the
/// store's delivery claims answer each once). With several replicas, only the holder of a lease in
/// the store connects; another takes over when the holder stops renewing it.
public final class WebexWebsocket: Service, Sendable, CustomStringConvertible {
    public var description: String { "WebexWebsocket" }

    static let leaseName = "webex-websocket"

    private let configuration: WebexConfiguration
    private let bot: WebexBot
    private let client: WebexClient
    private let store: any SessionStore
    private let logger: Logger
    private let holder = UUID().uuidString
    private let random: @Sendable () -> Double
    private let now: @Sendable () -> Date
    private let current = Mutex(WebexConnectionStatus())

    /// - Parameters:
    ///   - store: where the lease is held (and, through the bot, deliveries claimed).
    ///   - random: a number in [0, 1) that places each reconnection delay's jitter.
    public init(
        configuration: WebexConfiguration, bot: WebexBot, store: any SessionStore, client: WebexClient? = nil,
        logger: Logger = Logger(label: "pokedex.webex"), random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.configuration = configuration
        self.bot = bot
        self.store = store
        self.client = client ?? WebexClient(baseURL: configuration.baseURL, token: configuration.token)
        self.logger = logger
        self.random = random
        self.now = now
    }

    public var status: WebexConnectionStatus {
        var status = current.withLock { $0 }
        status.caughtUp = bot.caughtUp
        return status
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            await self.connectWhileRunning()
        }
        // A clean stop gives the lease up at once, for another replica to take over now.
        let (store, holder) = (store, holder)
        await Task { try? await store.releaseLease(Self.leaseName, holder: holder) }.value
        update { $0.state = .stopped }
    }

    // MARK: The connection loop

    private func connectWhileRunning() async {
        var failures = 0
        while !Task.isCancelled {
            guard await holdLease() else {
                update { $0.state = .standby }
                try? await Task.sleep(for: configuration.lease / 3)
                continue
            }
            do {
                let received = try await connectOnce()
                failures = received ? 0 : failures + 1
            } catch is CancellationError {
                return
            } catch {
                failures += 1
                noteFailure(error)
            }
            if Task.isCancelled { return }
            update {
                $0.reconnects += 1
                $0.connectedSince = nil
                if $0.state == .connected { $0.state = .connecting }
            }
            try? await Task.sleep(for: reconnectDelay(after: failures))
        }
    }

    /// 1 s doubling per failure up to `webex.max_reconnect_delay`, spread ±20 % so replicas and
    /// bots do not reconnect in step.
    func reconnectDelay(after failures: Int) -> Duration {
        let cap = configuration.maxReconnectDelay.seconds
        let base = min(cap, min(1, cap) * pow(2, Double(max(0, failures - 1))))
        return .milliseconds(Int64(base * (0.8 + 0.4 * random()) * 1000))
    }

    private func noteFailure(_ error: any Error) {
        let refused: Bool
        if let failure = error as? ServiceFailure, case .http(let status) = failure.kind, [401, 403].contains(status) {
            refused = true
        } else {
            refused = false
        }
        let message =
            refused
            ? "Webex refused the bot token (webex.token): check it or issue a new one; retrying with backoff"
            : "\((error as? ServiceFailure)?.message ?? "\(error)")"
        let changed = update { status -> Bool in
            defer {
                status.lastError = message
                if refused { status.state = .unauthorized }
            }
            return status.lastError != message
        }
        // Said once per new problem, not once per attempt.
        if changed {
            if refused {
                logger.error("webex: \(message)")
            } else {
                logger.warning("webex: the websocket is down (\(message)); reconnecting")
            }
        }
    }

    private func holdLease() async -> Bool {
        do {
            let moment = now()
            return try await store.holdLease(
                Self.leaseName, holder: holder, until: moment.addingTimeInterval(configuration.lease.seconds), at: moment)
        } catch {
            logger.warning("webex: cannot take the websocket's lease", metadata: ["error": "\(error)"])
            return false
        }
    }

    /// One connection, from registering the device to its end.
    /// - Returns: whether the connection was authorised and received anything.
    private func connectOnce() async throws -> Bool {
        update { $0.state = .connecting }
        let device = try await client.device(named: configuration.deviceName, at: configuration.deviceURL)
        let session = WebsocketSession(websocket: self)
        // The library traces frames' first bytes; the authorization frame holds the token.
        var libraryLogger = logger
        libraryLogger.logLevel = max(logger.logLevel, .info)
        let close = try await WebSocketClient.connect(
            url: device.webSocketUrl,
            configuration: WebSocketClientConfiguration(maxFrameSize: 1 << 20, closeTimeout: .seconds(1)),
            proxySettings: .environment(), logger: libraryLogger
        ) { inbound, outbound, _ in
            try await session.run(inbound: inbound, outbound: outbound)
        }
        let received = session.received.withLock { $0 }
        // Closed before anything came, for a policy reason: the authorization was refused.
        if !received, let code = close?.closeCode, Self.refusesAuthorization(code) {
            throw ServiceFailure(.http(status: 401), "Webex refused the websocket's authorization")
        }
        return received
    }

    private static func refusesAuthorization(_ code: WebSocketErrorCode) -> Bool {
        switch code {
        case .policyViolation: true
        case .unknown(let number): (4400..<4500).contains(number)
        default: false
        }
    }

    // MARK: Frames

    /// A frame of the device's websocket (the fields the bot reads).
    struct Frame: Decodable {
        struct Payload: Decodable {
            var eventType: String?
            var activity: Activity?
        }
        struct Activity: Decodable {
            var id: String
            var verb: String?
            var actor: Actor?
        }
        struct Actor: Decodable {
            var entryUUID: String?
        }
        var id: String?
        var type: String?
        var data: Payload?
    }

    /// The message id of a new message's activity, or nil for anything else (the bot's own posts
    /// included: their actor is the bot).
    func messageID(of frame: Frame) -> String? {
        guard frame.data?.eventType == "conversation.activity", let activity = frame.data?.activity,
            ["post", "share"].contains(activity.verb ?? "")
        else { return nil }
        if let actor = activity.actor?.entryUUID, let me = bot.personID, WebexGlobalID.person(actor) == me {
            return nil
        }
        return WebexGlobalID.message(activity.id)
    }

    fileprivate func connected() {
        update {
            $0.state = .connected
            $0.connectedSince = now()
            $0.lastError = nil
        }
        logger.notice("webex: websocket connected")
    }

    fileprivate func received(messageID: String) {
        update { $0.lastEvent = now() }
        _ = bot.enqueue(messageID: messageID)
    }

    fileprivate var heartbeat: Duration { configuration.heartbeat }
    fileprivate var idleTimeout: Duration { configuration.idleTimeout }
    fileprivate var lease: Duration { configuration.lease }
    fileprivate var log: Logger { logger }
    fileprivate func renewLease() async -> Bool { await holdLease() }

    /// Lists the rooms active since the window began and hands their recent messages to the bot;
    /// messages already answered are recognised by their claims.
    fileprivate func catchUp() async {
        let since = now().addingTimeInterval(-configuration.catchUpWindow.seconds)
        do {
            for room in try await client.recentRooms(max: 50) {
                guard let activity = room.lastActivity.flatMap(WebexGlobalID.date), activity >= since else { continue }
                let messages = try await client.messages(inRoom: room.id, mentioningMe: room.type == "group", max: 50)
                for message in messages.reversed() where message.personId != bot.personID {
                    guard let created = message.created.flatMap(WebexGlobalID.date), created >= since else { continue }
                    _ = bot.enqueue(messageID: message.id, caughtUp: true)
                }
            }
        } catch {
            logger.warning("webex: cannot catch up on recent messages", metadata: ["error": "\(error)"])
        }
    }

    @discardableResult
    private func update<T>(_ body: (inout WebexConnectionStatus) -> T) -> T {
        current.withLock { body(&$0) }
    }
}

/// One websocket connection: authorises, catches up, reads frames (acknowledging those with an
/// id), pings, watches for silence and keeps the lease; whichever ends first ends the connection.
private final class WebsocketSession: Sendable {
    let websocket: WebexWebsocket
    /// Whether any frame came (the authorization was accepted).
    let received = Mutex(false)
    /// When the last frame came, for the watchdog.
    let lastFrame = Mutex(ContinuousClock.now)

    init(websocket: WebexWebsocket) {
        self.websocket = websocket
    }

    func run(inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter) async throws {
        let authorization: [String: Any] = [
            "id": UUID().uuidString, "type": "authorization",
            "data": ["token": "Bearer \(websocket.tokenForAuthorization)"],
        ]
        try await outbound.writeTextMessage(Self.text(authorization))
        // Answered with a pong once the authorization is accepted: the first frame says so.
        try await outbound.writeTextMessage(Self.text(["id": UUID().uuidString, "type": "ping"]))
        let websocket = self.websocket
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                var reported = false
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    self.lastFrame.withLock { $0 = .now }
                    let first = self.received.withLock { seen in defer { seen = true }; return !seen }
                    if first {
                        websocket.connected()
                        Task { await websocket.catchUp() }
                    }
                    guard case .text(let text) = message,
                        let frame = try? JSONDecoder().decode(WebexWebsocket.Frame.self, from: Data(text.utf8))
                    else {
                        if !reported {
                            websocket.log.warning("webex: skipped a websocket frame that is not an event")
                            reported = true
                        }
                        continue
                    }
                    if let id = frame.id, frame.type != "pong" {
                        try await outbound.writeTextMessage(Self.text(["type": "ack", "messageId": id]))
                    }
                    if let messageID = websocket.messageID(of: frame) { websocket.received(messageID: messageID) }
                }
            }
            group.addTask {
                // Pings keep firewalls from closing an idle connection; silence means it is dead.
                while true {
                    try await Task.sleep(for: websocket.heartbeat)
                    if ContinuousClock.now - self.lastFrame.withLock({ $0 }) > websocket.idleTimeout {
                        websocket.log.warning("webex: the websocket has been silent too long; reconnecting")
                        return
                    }
                    try await outbound.writeTextMessage(Self.text(["id": UUID().uuidString, "type": "ping"]))
                }
            }
            group.addTask {
                while true {
                    try await Task.sleep(for: websocket.lease / 3)
                    guard await websocket.renewLease() else {
                        websocket.log.warning("webex: the websocket's lease was lost; another replica may take it")
                        return
                    }
                }
            }
            // The first to end ends the connection.
            _ = try await group.next()
            group.cancelAll()
        }
    }

    private static func text(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }
}

extension WebexWebsocket {
    /// The bot token, only for the websocket's authorization frame.
    fileprivate var tokenForAuthorization: String { configuration.token.revealed }
}

/// Webex's REST ids are the unpadded base64 of `ciscospark://us/<KIND>/<uuid>`; websocket events
/// carry the raw uuid.
enum WebexGlobalID {
    static func message(_ uuid: String) -> String { encode("MESSAGE", uuid) }
    static func person(_ uuid: String) -> String { encode("PEOPLE", uuid) }

    /// A raw uuid is encoded; anything else already is an id and is used as it is.
    static func encode(_ kind: String, _ value: String) -> String {
        guard UUID(uuidString: value) != nil else { return value }
        let encoded = Data("ciscospark://us/\(kind)/\(value)".utf8).base64EncodedString()
        return String(encoded.prefix { $0 != "=" })
    }

    /// A Webex timestamp (`2026-11-25T12:00:00.000Z`, with or without the fraction).
    static func date(_ text: String) -> Date? {
        (try? Date(text, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true)))
            ?? (try? Date(text, strategy: .iso8601))
    }
}
