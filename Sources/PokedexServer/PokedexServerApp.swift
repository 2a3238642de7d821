import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import PokedexAssistant
import PokedexAudit
import PokedexHTTP
import PokedexRecovery
import PokedexSessions
import PokedexSessionsPostgres
import PokedexTools
import PokedexWebex
import ServiceLifecycle

/// What `pokedex serve` runs: the HTTP application, the session janitor, the assistant's start-up
/// and (when configured) the Webex bot, as services in the order they start. The executable puts
/// them in its `ServiceGroup`: SIGTERM or SIGINT stops accepting connections, lets in-flight turns
/// finish within `server.grace_period`, cancels what is left, and returns.
public struct PokedexServerApp {
    /// In start order; the group stops them in reverse.
    public let services: [any Service]

    /// Opens the foundation (store, audit log, recovery counted into `/metrics`) and builds the
    /// services on it; the assistant itself is assembled once the server listens.
    /// - Parameter onListening: told the bound port (the configured one, or the one picked for 0).
    public static func make(
        configuration: PokedexConfiguration, logger: Logger = Logger(label: "pokedex.server"),
        onListening: @escaping @Sendable (Int) async -> Void = { _ in }
    ) async throws -> PokedexServerApp {
        let metrics = ServerMetrics()
        let server = configuration.server
        var jwt: JWTVerifier?
        if server.access.jwt.enabled {
            let verifier = JWTVerifier(server.access.jwt, http: .services, logger: logger)
            do {
                try await verifier.load()
            } catch {
                throw ServerStartError("the JWT key set cannot be used (server.jwt): \(error)")
            }
            jwt = verifier
        }
        let foundation: PokedexFoundation
        do {
            foundation = try await PokedexFoundation.open(configuration, metrics: metrics.factory)
        } catch let error as AuditLogError {
            throw ServerStartError("\(error)")
        }
        let (store, recovery, auditLog) = (foundation.store, foundation.recovery, foundation.auditLog)
        let slot = AssistantSlot()
        let webex =
            configuration.webex.enabled
            ? WebexBot(
                configuration: configuration.webex, slot: slot, sessionScope: configuration.sessions.scope,
                deliveries: store, logger: logger) : nil
        var webhook: (@Sendable (Data, String?) async -> HTTPResponse.Status)?
        var websocket: WebexWebsocket?
        if let webex {
            switch configuration.webex.effectiveMode {
            case .websocket:
                websocket = WebexWebsocket(configuration: configuration.webex, bot: webex, store: store, logger: logger)
            case .webhook, .auto:
                webhook = { body, signature in HTTPResponse.Status(code: await webex.receive(body, signature: signature)) }
            }
        }
        var websocketStatus: (@Sendable () -> WebexConnectionStatus)?
        if let websocket { websocketStatus = { websocket.status } }
        let dependencies = ServerDependencies(
            configuration: server, store: store, recovery: recovery, slot: slot, metrics: metrics,
            auditLog: auditLog, webexWebhook: webhook, webexWebsocket: websocketStatus,
            mcp: configuration.mcp.http ? configuration.mcp : nil)
        let perClient = ConnectionsPerClient(limit: server.maxConnectionsPerClient)
        let headerTimeout = server.headerTimeout
        let app = Application(
            router: PokedexRouter.make(dependencies, authenticator: Authenticator(server.access, jwt: jwt)),
            server: .http1(
                configuration: .init(
                    additionalChannelHandlers: [ConnectionGuard(perClient: perClient, headerTimeout: headerTimeout)],
                    idleTimeout: TimeAmount(server.idleTimeout))),
            configuration: .init(
                address: .hostname(server.host, port: server.port), serverName: "pokedex",
                availableConnectionsDelegate: MaximumAvailableConnections(server.maxConnections, logger: logger)),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? server.port) },
            logger: logger)
        let startup = StartupService(
            configuration: configuration, foundation: foundation, slot: slot, gracePeriod: server.gracePeriod,
            logger: logger)
        var services: [any Service] = [app, SessionJanitor(store: store, logger: logger), startup]
        if let webex { services.append(webex) }
        // After the bot, so it stops first: the connection closes, then the turns in flight finish.
        if let websocket { services.append(websocket) }
        // A store with a connection pool (PostgreSQL) goes first, so it is shut down last.
        if let pool = store as? any Service { services.insert(pool, at: 0) }
        return PokedexServerApp(services: services)
    }
}

/// The server cannot start; the message says why (never with a secret in it).
public struct ServerStartError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// Builds the assistant while the server already listens (indexing the runbooks and looking for
/// the model take a moment), then waits for shutdown; shortly before the grace period ends it ends
/// the turns still in flight, so each gets its fallback reply before the connections close.
struct StartupService: Service, CustomStringConvertible {
    /// ServiceLifecycle logs services by their description: a name, never the configuration.
    var description: String { "StartupService" }

    let configuration: PokedexConfiguration
    let foundation: PokedexFoundation
    let slot: AssistantSlot
    let gracePeriod: Duration
    let logger: Logger

    /// How long before the grace period's end the turns in flight are ended: time to write and store
    /// their replies.
    var endingMargin: Duration { min(.seconds(1), gracePeriod / 4) }

    func run() async throws {
        let runtime = try await PokedexRuntime.assemble(configuration, on: foundation, logger: logger)
        let (tools, model) = (runtime.tools, runtime.model)
        slot.fill(.init(assistant: runtime.assistant, tools: tools, model: model))
        if let model {
            // An operator should read it in the log, not find out from the first degraded answer.
            do {
                try await model.ping(timeLimit: .seconds(3))
            } catch {
                let reason = (error as? ServiceFailure)?.message ?? "no answer"
                logger.warning(
                    "the language model is not reachable at start-up (\(reason)): answering from the tools until it is",
                    metadata: ["model": "\(model.provider) \(model.model)"])
            }
        }
        logger.notice(
            "assistant ready",
            metadata: [
                "model": "\(model.map { "\($0.provider) \($0.model)" } ?? "none (degraded mode)")",
                "tools": "\(tools.registry.tools.map(\.name.rawValue).joined(separator: ","))",
            ])
        try? await gracefulShutdown()
        // Not waited for here: the service group shuts its services down one after the other, and
        // the HTTP server must stop accepting at once. The process ends with the group anyway.
        let (slot, delay) = (self.slot, gracePeriod - endingMargin)
        Task {
            try? await Task.sleep(for: delay)
            slot.ready?.assistant.endTurnsInFlight()
        }
    }
}
