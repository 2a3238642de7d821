import Foundation
import Hummingbird
import Logging
import PokedexAssistant
import PokedexRecovery
import PokedexSessions
import PokedexSessionsPostgres
import PokedexTools
import PokedexWebex
import ServiceLifecycle

/// `pokedex serve`: the HTTP application, the session janitor, the assistant's start-up and (when
/// configured) the Webex bot, in one ServiceGroup. SIGTERM or SIGINT stops accepting connections,
/// lets in-flight turns finish within `server.grace_period`, cancels what is left, and returns.
public struct PokedexServerApp {
    public let configuration: PokedexConfiguration
    public let logger: Logger

    public init(configuration: PokedexConfiguration, logger: Logger = Logger(label: "pokedex.server")) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Runs until a shutdown signal.
    /// - Parameter onListening: told the bound port (the configured one, or the one picked for 0).
    public func run(onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let metrics = ServerMetrics()
        let store = try await SessionStores.open(configuration.sessions)
        let recovery = Recovery(configuration: configuration.recovery, metrics: metrics.factory)
        let slot = AssistantSlot()
        let webex =
            configuration.webex.enabled
            ? WebexBot(
                configuration: configuration.webex, slot: slot, sessionScope: configuration.sessions.scope,
                logger: logger) : nil
        var webhook: (@Sendable (Data, String?) async -> HTTPResponse.Status)?
        if let webex {
            webhook = { body, signature in HTTPResponse.Status(code: await webex.receive(body, signature: signature)) }
        }
        let dependencies = ServerDependencies(
            configuration: configuration.server, store: store, recovery: recovery, slot: slot, metrics: metrics,
            webexWebhook: webhook)
        let server = configuration.server
        let app = Application(
            router: PokedexRouter.make(dependencies),
            configuration: .init(address: .hostname(server.host, port: server.port), serverName: "pokedex"),
            onServerRunning: { channel in await onListening(channel.localAddress?.port ?? server.port) },
            logger: logger)
        let startup = StartupService(
            configuration: configuration, store: store, recovery: recovery, slot: slot, logger: logger)
        var services: [any Service] = [app, SessionJanitor(store: store, logger: logger), startup]
        if let webex { services.append(webex) }
        // A store with a connection pool (PostgreSQL) goes first, so it is shut down last.
        if let pool = store as? any Service { services.insert(pool, at: 0) }
        var group = ServiceGroupConfiguration(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = server.gracePeriod
        try await ServiceGroup(configuration: group).run()
    }
}

/// Builds the assistant while the server already listens (indexing the runbooks and looking for
/// the model take a moment), then waits for shutdown.
struct StartupService: Service {
    let configuration: PokedexConfiguration
    let store: any SessionStore
    let recovery: Recovery
    let slot: AssistantSlot
    let logger: Logger

    func run() async throws {
        let tools = try ToolSet.make(configuration.tools, recovery: recovery, ledger: StoredConfirmations(store: store))
        let model = await ChatModels.make(configuration.assistant)
        let assistant = Assistant(
            configuration: configuration.assistant, store: store, recovery: recovery, tools: tools, model: model,
            logger: logger)
        slot.fill(.init(assistant: assistant, tools: tools, model: model))
        logger.notice(
            "assistant ready",
            metadata: [
                "model": "\(model.map { "\($0.provider) \($0.model)" } ?? "none (degraded mode)")",
                "tools": "\(tools.registry.tools.map(\.name.rawValue).joined(separator: ","))",
            ])
        try? await gracefulShutdown()
    }
}
