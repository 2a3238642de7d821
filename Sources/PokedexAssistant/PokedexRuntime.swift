import AsyncHTTPClient
import CoreMetrics
import Logging
import PokedexAudit
import PokedexHTTP
import PokedexLLM
import PokedexRecovery
import PokedexSessions
import PokedexSessionsPostgres
import PokedexTools

/// What every surface stands on, opened by one rule for every command: the session store, the
/// process's one audit log (always opened, so an action of any tool is audited wherever it is
/// asked for) and recovery with every service's defaults declared.
public struct PokedexFoundation: Sendable {
    public let store: any SessionStore
    public let auditLog: AuditLog
    public let recovery: Recovery
    public let http: HTTPClient

    /// - Parameters:
    ///   - store: a store opened already (a benchmark's, `config check`'s scratch one); the
    ///     configured one when nil.
    ///   - clock: what recovery's delays, timeouts and deadlines are measured on (tests pass a
    ///     virtual one).
    ///   - metrics: where recovery counts its retries and breakers (the server's `/metrics`).
    public static func open(
        _ configuration: PokedexConfiguration, store: (any SessionStore)? = nil,
        clock: any Clock<Duration> = ContinuousClock(), metrics: (any MetricsFactory)? = nil,
        http: HTTPClient = .services
    ) async throws -> PokedexFoundation {
        let auditLog = try AuditLog(path: configuration.auditLog)
        let store = if let store { store } else { try await SessionStores.open(configuration.sessions) }
        let recovery = Recovery(
            configuration: PokedexRuntime.recoveryConfiguration(configuration), clock: clock, metrics: metrics)
        return PokedexFoundation(store: store, auditLog: auditLog, recovery: recovery, http: http)
    }
}

/// The assistant and what it stands on — the foundation, the tools, the language model —
/// assembled from the configuration in this one place. Every command (`serve`, `chat`, `ask`,
/// `mcp`, `config check`) and the benchmarks start here; the libraries wire nothing of their own.
public struct PokedexRuntime: Sendable {
    public let foundation: PokedexFoundation
    public let tools: ToolSet
    public let model: (any ChatModel)?
    public let assistant: Assistant

    public var store: any SessionStore { foundation.store }
    public var recovery: Recovery { foundation.recovery }
    public var auditLog: AuditLog { foundation.auditLog }

    /// Opens the foundation and assembles the assistant on it: what a command that answers needs.
    public static func start(
        _ configuration: PokedexConfiguration, store: (any SessionStore)? = nil,
        clock: any Clock<Duration> = ContinuousClock(), model: (any ChatModel)? = nil,
        logger: Logger = Logger(label: "pokedex.assistant")
    ) async throws -> PokedexRuntime {
        let foundation = try await PokedexFoundation.open(configuration, store: store, clock: clock)
        return try await assemble(configuration, on: foundation, model: model, logger: logger)
    }

    /// The recovery settings with every service's own defaults declared under them (each tool's,
    /// and the language model's).
    public static func recoveryConfiguration(_ configuration: PokedexConfiguration) -> RecoveryConfiguration {
        var recovery = configuration.recovery
        ToolSet.declareRecoveryDefaults(in: &recovery)
        recovery.declare(.llm, ChatModels.recoveryDefaults)
        // Each MCP server is a service of its own: its policy, its breaker.
        for server in configuration.mcp.servers {
            recovery.declare(server.service, MCPServerConnection.recoveryDefaults)
        }
        return recovery
    }

    /// Builds the configured tools and model, and the assistant on them (a server opens the
    /// foundation first, for its routes, and assembles once it listens).
    /// - Parameter model: the model to use instead of the configured one (benchmarks); the
    ///   configured one when nil.
    public static func assemble(
        _ configuration: PokedexConfiguration, on foundation: PokedexFoundation, model: (any ChatModel)? = nil,
        logger: Logger = Logger(label: "pokedex.assistant")
    ) async throws -> PokedexRuntime {
        let (store, recovery, auditLog, http) = (foundation.store, foundation.recovery, foundation.auditLog, foundation.http)
        let ledger = StoredConfirmations(store: store)
        let chosen: (any ChatModel)? =
            if let model { model } else { await ChatModels.make(configuration.assistant, http: http) }
        var tools = try ToolSet.make(
            configuration.tools, recovery: recovery, auditLog: auditLog, http: http, ledger: ledger,
            embeddingModel: EmbeddingModels.make(configuration, chat: chosen, http: http), logger: logger)
        if !configuration.mcp.servers.isEmpty {
            let desk = MCPActionDesk(
                recovery: recovery, auditLog: auditLog, responders: configuration.mcp.responders, ledger: ledger)
            let servers = configuration.mcp.servers.map {
                MCPServerConnection($0, recovery: recovery, desk: desk, http: http, logger: logger)
            }
            tools = tools.with(ToolRegistry(tools.registry.tools, sources: servers, recovery: recovery))
            // Connected at start-up, so the first question does not wait for it (one that is down
            // is tried again when needed).
            await tools.registry.refresh()
        }
        let assistant = Assistant(
            configuration: configuration.assistant, store: store, recovery: recovery, tools: tools, model: chosen,
            logger: logger)
        return PokedexRuntime(foundation: foundation, tools: tools, model: chosen, assistant: assistant)
    }
}
