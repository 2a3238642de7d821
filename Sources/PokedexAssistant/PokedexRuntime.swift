import AsyncHTTPClient
import Logging
import PokedexAudit
import PokedexHTTP
import PokedexLLM
import PokedexRecovery
import PokedexSessions
import PokedexTools

/// The assistant and what it stands on — recovery, the tools, the language model — assembled
/// from the configuration in this one place. The executable's commands (`serve`, `chat`, `ask`)
/// and the benchmarks open the store and hand it in; the libraries wire nothing of their own.
public struct PokedexRuntime: Sendable {
    public let store: any SessionStore
    public let recovery: Recovery
    public let tools: ToolSet
    public let model: (any ChatModel)?
    public let assistant: Assistant

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

    /// Builds the configured tools and model, and the assistant on them.
    /// - Parameters:
    ///   - recovery: made from ``recoveryConfiguration(_:)`` (a server makes it early, for its status routes).
    ///   - auditLog: where actions are audited; containment cannot be enabled without it.
    ///   - model: the model to use instead of the configured one (benchmarks); the configured one when nil.
    /// - Throws: ``ToolSetError`` when an enabled action has no audit log.
    public static func assemble(
        _ configuration: PokedexConfiguration, store: any SessionStore, recovery: Recovery, auditLog: AuditLog?,
        http: HTTPClient = .services, model: (any ChatModel)? = nil,
        logger: Logger = Logger(label: "pokedex.assistant")
    ) async throws -> PokedexRuntime {
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
        return PokedexRuntime(store: store, recovery: recovery, tools: tools, model: chosen, assistant: assistant)
    }
}
