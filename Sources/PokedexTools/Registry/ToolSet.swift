import AsyncHTTPClient
import Foundation
import PokedexAudit
import Logging
import PokedexHTTP
import PokedexLLM
import PokedexRecovery

/// A tool the tool set builds from the configuration.
public protocol CatalogTool: Tool {
    /// This installation's tool, or why there is none (its integration is not configured).
    /// - Throws: when the configuration must stop start-up (an action without its audit log).
    static func build(_ context: ToolBuildContext) throws -> ToolBuild
}

/// What building a tool gave.
public enum ToolBuild: Sendable {
    case built(any Tool)
    /// Not configured here; the reason is shown by `status`, `help` and `config check`.
    case disabled(String)
}

/// What a tool may be built from.
public struct ToolBuildContext: Sendable {
    public var configuration: ToolsConfiguration
    public var recovery: Recovery
    public var http: HTTPClient
    /// Where actions are audited; nil when none was opened.
    public var auditLog: AuditLog?
    /// Where actions wait for their confirmation.
    public var ledger: any ConfirmationLedger
    public var now: @Sendable () -> Date
    /// The model runbook search embeds with; nil: keyword search alone.
    public var embeddingModel: (any EmbeddingModel)?
    public var logger: Logger
}

/// The tools an installation has, built from its configuration: a tool whose integration is not
/// configured (no Falcon credentials, no runbooks folder) is left out and the reason kept, so the
/// bot still runs and can say what it cannot do.
public struct ToolSet: Sendable {
    /// Every tool Pokedex knows, in the order they are offered to the model. Adding a tool is one
    /// file and one line here.
    public static let catalog: [any CatalogTool.Type] = [
        FalconTool.self,
        ContainmentTool.self,
        WeatherTool.self,
        RunbookSearchTool.self,
    ]

    public let registry: ToolRegistry
    /// Why each missing tool is missing, for `status`, `help` and `config check`.
    public let disabled: [ToolName: String]
    /// The actions of the missing tools: a request for one is told why it cannot be done.
    let missingActions: [(tool: ToolName, actions: [ToolAction])]

    public init(registry: ToolRegistry, disabled: [ToolName: String] = [:], missingActions: [(ToolName, [ToolAction])] = []) {
        self.registry = registry
        self.disabled = disabled
        self.missingActions = missingActions.map { (tool: $0.0, actions: $0.1) }
    }

    /// The same tool set with another registry (its tools and those of MCP servers).
    public func with(_ registry: ToolRegistry) -> ToolSet {
        ToolSet(registry: registry, disabled: disabled, missingActions: missingActions.map { ($0.tool, $0.actions) })
    }

    /// The request to act a question makes (SPEC 3.2): the tool that takes it, or — when the tool
    /// is not configured here — why it cannot be done.
    public func request(for reading: QuestionReading) -> ActionRequest? {
        if let (tool, action, targets) = registry.request(for: reading) {
            return .available(tool, action, targets)
        }
        for missing in missingActions {
            if let (action, _) = reading.request(among: missing.actions) {
                return .unavailable(action, reason: disabled[missing.tool] ?? "not configured")
            }
        }
        return nil
    }

    /// Every catalogued tool's recovery defaults, for the configuration they are declared in.
    public static func declareRecoveryDefaults(in configuration: inout RecoveryConfiguration) {
        for kind in catalog { configuration.declare(kind.service, kind.recoveryDefaults) }
        configuration.declare(.embeddings, RunbookEmbeddings.recoveryDefaults)
    }

    /// `configuration` with every catalogued tool's recovery defaults declared.
    public static func recoveryConfiguration(_ configuration: RecoveryConfiguration = .init()) -> RecoveryConfiguration {
        var declared = configuration
        declareRecoveryDefaults(in: &declared)
        return declared
    }

    /// Builds the configured tools of `catalog`. `ledger` is where containment requests wait for their
    /// confirmation; `auditLog` where their every step is recorded.
    /// - Throws: ``ToolSetError`` when containment is enabled without an audit log: an enabled
    ///   containment action without its audit trail must stop start-up.
    public static func make(
        _ configuration: ToolsConfiguration, recovery: Recovery, auditLog: AuditLog?, http: HTTPClient = .services,
        ledger: any ConfirmationLedger = InMemoryConfirmationLedger(), now: @escaping @Sendable () -> Date = { Date() },
        embeddingModel: (any EmbeddingModel)? = nil, logger: Logger = Logger(label: "pokedex.tools"),
        catalog: [any CatalogTool.Type] = catalog
    ) throws -> ToolSet {
        let context = ToolBuildContext(
            configuration: configuration, recovery: recovery, http: http, auditLog: auditLog, ledger: ledger, now: now,
            embeddingModel: embeddingModel, logger: logger)
        var tools: [any Tool] = []
        var disabled: [ToolName: String] = [:]
        var missingActions: [(ToolName, [ToolAction])] = []
        for kind in catalog {
            switch try kind.build(context) {
            case .built(let tool): tools.append(tool)
            case .disabled(let reason):
                disabled[kind.name] = reason
                if !kind.actions.isEmpty { missingActions.append((kind.name, kind.actions)) }
            }
        }
        return ToolSet(registry: ToolRegistry(tools, recovery: recovery), disabled: disabled, missingActions: missingActions)
    }
}

/// A request to act, as the tool set can take it.
public enum ActionRequest: Sendable {
    /// The tool that carries it out, with what it acts on.
    case available(any Tool, ToolAction, [Entity])
    /// No tool here carries it out, and why.
    case unavailable(ToolAction, reason: String)
}

/// The configured tools cannot be built.
public enum ToolSetError: Error, CustomStringConvertible {
    case containmentWithoutAuditLog

    public var description: String {
        "containment is enabled (falcon.containment.enabled) but no audit log was opened for it"
    }
}
