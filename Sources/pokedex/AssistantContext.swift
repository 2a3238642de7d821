import Foundation
import Logging
import PokedexAssistant
import PokedexAudit
import PokedexLLM
import PokedexRecovery
import PokedexSessions
import PokedexSessionsPostgres
import PokedexTools
import Synchronization

/// Everything a turn needs, built from the configuration: the store, recovery, the tools that are
/// configured, the language model (if any) and the assistant on top.
struct AssistantContext {
    let configuration: PokedexConfiguration
    let runtime: PokedexRuntime

    var store: any SessionStore { runtime.store }
    var tools: ToolSet { runtime.tools }
    var model: (any ChatModel)? { runtime.model }
    var assistant: Assistant { runtime.assistant }
    /// The process's one audit log, opened by the same rule as `serve`'s: always, so an action of
    /// any tool (containment, an MCP server's tool that acts) is audited from the terminal too.
    var auditLog: AuditLog { runtime.auditLog }

    static func start(_ options: GlobalOptions) async throws -> AssistantContext {
        let configuration = try options.loadConfiguration()
        return try await start(configuration, store: nil)
    }

    /// - Parameter store: one opened already (`config check` falls back to a scratch one).
    static func start(_ configuration: PokedexConfiguration, store: (any SessionStore)?) async throws -> AssistantContext {
        do {
            let runtime = try await PokedexRuntime.start(configuration, store: store)
            return AssistantContext(configuration: configuration, runtime: runtime)
        } catch let error as CommandError {
            throw error
        } catch {
            throw CommandError("\(error)")
        }
    }

    /// "openai, model X" or the degraded-mode note.
    var modelDescription: String {
        model.map { "\($0.provider), model \($0.model)" } ?? "none — answering straight from the tools (degraded mode)"
    }
}

/// Logs go to standard error, warnings and worse unless `POKEDEX_LOG_LEVEL` says otherwise, so
/// they never mix with answers on standard output.
enum CommandLogging {
    private static let bootstrapped = Mutex(false)
    private static let variablesReported = Mutex(false)

    /// Warns once per process about `POKEDEX_*` variables that are no setting.
    static func reportUnknownVariables(in environment: [String: String]) {
        let warnings = PokedexConfiguration.unknownVariableWarnings(in: environment)
        guard !warnings.isEmpty, variablesReported.withLock({ done in defer { done = true }; return !done }) else {
            return
        }
        bootstrap()
        for warning in warnings { Logger(label: "pokedex.config").warning("\(warning)") }
    }

    /// - Parameter standard: the level when `POKEDEX_LOG_LEVEL` is not set (or not a level, which
    ///   is said in the log rather than ignored).
    /// Only the first call counts: the logging system can be set up once per process.
    static func bootstrap(standard: Logger.Level = .warning) {
        guard bootstrapped.withLock({ done in defer { done = true }; return !done }) else { return }
        let given = ProcessInfo.processInfo.environment["POKEDEX_LOG_LEVEL"]
        let level = given.flatMap { Logger.Level(rawValue: $0.lowercased()) } ?? standard
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        if let given, Logger.Level(rawValue: given.lowercased()) == nil {
            let levels = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
            Logger(label: "pokedex").warning(
                "POKEDEX_LOG_LEVEL '\(given)' is not a level (\(levels)): logging at \(standard.rawValue)")
        }
    }
}

/// The OS user, the default `--user` of the CLI.
var defaultUser: String {
    ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "cli-user"
}

/// The account this process runs as, from the system's user database (not from `$USER`, which
/// anyone can set).
var loginName: String? {
    guard let entry = getpwuid(getuid()), let name = entry.pointee.pw_name else { return nil }
    return String(cString: name)
}

/// The terminal's caller: the operator at the keyboard is verified as their own login, never as
/// a `--user` they type.
func terminalCaller(user: String) -> Caller {
    let login = loginName
    return Caller(principal: "cli:\(login ?? "unknown")", channel: "cli", verified: login != nil && user == login)
}
