import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import NIOCore

/// The device websocket of the Webex simulator ("Mercury" in Webex's clients), on its own loopback
/// port as in Webex: requires the authorization frame first (`{"type": "authorization", "data":
/// {"token": "Bearer …"}}`), answers pings with pongs, records acks, and sends a
/// `conversation.activity` event for every new message. A test can refuse connections (Webex
/// unreachable), drop them, or make the open ones go silent without a close frame (a firewall).
final class MercuryServer: Sendable {
    struct Connection {
        var frames: AsyncStream<String>.Continuation
        var silent = false
    }

    struct Connections {
        var open: [UUID: Connection] = [:]
        var refusing = false
        /// The authorization frame is refused even with the right token.
        var refusingAuthorization = false
        var authorizations = 0
        var refusedAuthorizations = 0
        var acks: [String] = []
        var pings = 0
        /// Connections the client closed with a close frame (a clean shutdown).
        var closedByClient = 0
    }

    let connections: Locked<Connections>
    let port: Int
    private let task: Task<Void, any Error>

    var baseURL: String { "ws://127.0.0.1:\(port)" }

    private init(connections: Locked<Connections>, port: Int, task: Task<Void, any Error>) {
        self.connections = connections
        self.port = port
        self.task = task
    }

    static func start(state: Locked<WebexSimulator.State>) async throws -> MercuryServer {
        let connections = Locked(Connections())
        let router = Router(context: BasicWebSocketRequestContext.self)
        router.ws("/mercury/{device}") { _, _ in
            connections.read(\.refusing) ? .dontUpgrade : .upgrade([:])
        } onUpgrade: { inbound, outbound, _ in
            try await serve(inbound: inbound, outbound: outbound, connections: connections, state: state)
        }
        let (ports, listening) = AsyncStream<Int>.makeStream()
        var logger = Logger(label: "webex-simulator.mercury")
        logger.logLevel = .critical
        let app = Application(
            router: Router(), server: .http1WebSocketUpgrade(webSocketRouter: router),
            configuration: .init(address: .hostname("127.0.0.1", port: 0)),
            onServerRunning: { channel in listening.yield(channel.localAddress?.port ?? 0) }, logger: logger)
        let task = Task { try await app.runService(gracefulShutdownSignals: []) }
        guard let port = await ports.first(where: { _ in true }) else { throw CancellationError() }
        return MercuryServer(connections: connections, port: port, task: task)
    }

    func stop() async {
        task.cancel()
        _ = try? await task.value
    }

    private static func serve(
        inbound: WebSocketInboundStream, outbound: WebSocketOutboundWriter, connections: Locked<Connections>,
        state: Locked<WebexSimulator.State>
    ) async throws {
        let id = UUID()
        let (frames, continuation) = AsyncStream<String>.makeStream()
        defer { connections.update { $0.open[id] = nil } }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await frame in frames { try await outbound.writeTextMessage(frame) }
            }
            group.addTask {
                var authorized = false
                for try await message in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = message,
                        let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]
                    else { continue }
                    let type = object["type"] as? String
                    if !authorized {
                        let token = (object["data"] as? [String: Any])?["token"] as? String
                        guard type == "authorization", token == "Bearer \(WebexSimulator.token)", !state.read(\.revoked),
                            !connections.read(\.refusingAuthorization)
                        else {
                            connections.update { $0.refusedAuthorizations += 1 }
                            try await outbound.close(.policyViolation, reason: "authorization refused")
                            return
                        }
                        authorized = true
                        connections.update {
                            $0.open[id] = Connection(frames: continuation)
                            $0.authorizations += 1
                        }
                        continue
                    }
                    switch type {
                    case "ping":
                        let silent = connections.update { table -> Bool in
                            table.pings += 1
                            return table.open[id]?.silent ?? true
                        }
                        if !silent {
                            continuation.yield(WebexSimulator.jsonText(["type": "pong", "id": object["id"] ?? ""]))
                        }
                    case "ack":
                        if let acked = object["messageId"] as? String { connections.update { $0.acks.append(acked) } }
                    default: break
                    }
                }
                // The client's close frame ended the stream (a dropped connection throws instead).
                connections.update { $0.closedByClient += 1 }
            }
            // A dropped connection ends its frames; a client that leaves ends its inbound stream.
            _ = try await group.next()
            continuation.finish()
            group.cancelAll()
        }
    }

    /// Sends the message's activity event on every open connection that is not silent.
    func announce(_ message: WebexSimulator.Message) {
        let actor = message.personId == WebexSimulator.botID ? WebexSimulator.botUUID : "5f0c6f3e-0000-4000-8000-00000000a11c"
        let event: [String: Any] = [
            "id": UUID().uuidString, "trackingId": "simulated_\(UUID().uuidString)",
            "data": [
                "eventType": "conversation.activity",
                "activity": [
                    "id": message.uuid, "verb": "post", "objectType": "activity",
                    "actor": ["entryUUID": actor, "emailAddress": message.personEmail],
                    "target": ["id": message.roomId, "objectType": "conversation"],
                ] as [String: Any],
            ] as [String: Any],
        ]
        let frame = WebexSimulator.jsonText(event)
        connections.read { table in
            for connection in table.open.values where !connection.silent { connection.frames.yield(frame) }
        }
    }
}
