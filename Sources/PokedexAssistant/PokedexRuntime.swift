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
            recovery.declare(ToolName(rawValue: server.service), .standard)
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
        var tools = try ToolSet.make(
            configuration.tools, recovery: recovery, auditLog: auditLog, http: http,
            ledger: StoredConfirmations(store: store))
        if !configuration.mcp.servers.isEmpty {
            let remote = await MCPServerConnection.tools(
                of: configuration.mcp.servers.map { server in
                    (server.name, server.command, server.arguments, server.environment, { server.admits($0) }, server.routes)
                }, recovery: recovery, logger: logger)
            tools = ToolSet(registry: ToolRegistry(tools.registry.tools + remote, recovery: recovery), disabled: tools.disabled)
        }
        let chosen: (any ChatModel)? =
            if let model { model } else { await ChatModels.make(configuration.assistant, http: http) }
        let assistant = Assistant(
            configuration: configuration.assistant, store: store, recovery: recovery, tools: tools, model: chosen,
            logger: logger)
        return PokedexRuntime(store: store, recovery: recovery, tools: tools, model: chosen, assistant: assistant)
    }
}
