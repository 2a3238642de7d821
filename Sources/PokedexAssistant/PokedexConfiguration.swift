import Foundation
import PokedexRecovery
import PokedexSessions
import PokedexSettings
import PokedexTools

/// Everything Pokedex is configured with, in one typed value: defaults, then a file (`--config`,
/// or `./pokedex.toml` / `./pokedex.yaml` when present), then `POKEDEX_*` environment variables,
/// then command-line options. Validated as a whole; a wrong value stops start-up with one line
/// naming the key (and the file's line).
public struct PokedexConfiguration: Sendable {
    public var sessions = SessionsConfiguration()
    public var recovery = RecoveryConfiguration()
    public var tools = ToolsConfiguration()
    public var assistant = AssistantConfiguration()
    public var server = ServerConfiguration()
    public var webex = WebexConfiguration()
    public var mcp = MCPConfiguration()
    /// The append-only audit log of containment steps and admin actions. `audit.log`,
    /// `POKEDEX_AUDIT_LOG` (`falcon.containment.audit_log` is its older name).
    public var auditLog = "./.pokedex/audit.jsonl"
    /// The file the settings came from, if any.
    public var file: String?

    public init() {}

    /// Files looked for in the working directory when no `--config` is given.
    public static let defaultFiles = ["pokedex.toml", "pokedex.yaml", "pokedex.yml"]

    /// Loads the configuration.
    /// - Parameters:
    ///   - file: `--config`; nil looks for `POKEDEX_CONFIG`, then the default files.
    ///   - environment: the process environment.
    public static func load(file: String?, environment: [String: String]) throws(SettingError) -> PokedexConfiguration {
        var configuration = PokedexConfiguration()
        let path =
            file ?? environment["POKEDEX_CONFIG"].flatMap { $0.isEmpty ? nil : $0 }
            ?? defaultFiles.first { FileManager.default.fileExists(atPath: $0) }
        if let path {
            let parsed = try ConfigurationFile(path: path)
            for setting in parsed.settings {
                do throws(SettingError) {
                    try configuration.set(setting.key, to: setting.value)
                } catch {
                    throw SettingError(key: "\(path):\(setting.line): \(error.key)", message: error.message)
                }
            }
            configuration.file = path
        }
        try configuration.apply(environment: environment)
        return configuration
    }

    /// The settings outside any section.
    static let settings = SettingsTable<PokedexConfiguration>([
        // The older name first, so the newer wins when both are set; only the newer is printed.
        Setting(
            "falcon.containment.audit_log", "POKEDEX_FALCON_CONTAINMENT_AUDIT_LOG",
            parse: { configuration, value, key throws(SettingError) in
                configuration.auditLog = try auditLogPath(value, key: key)
            }, format: nil),
        Setting(
            "audit.log", "POKEDEX_AUDIT_LOG",
            parse: { configuration, value, key throws(SettingError) in
                configuration.auditLog = try auditLogPath(value, key: key)
            }, format: { $0.auditLog }),
    ])

    private static func auditLogPath(_ value: String, key: String) throws(SettingError) -> String {
        let path = value.trimmingCharacters(in: .whitespaces)
        if path.isEmpty { throw SettingError(key: key, message: "must name a file") }
        return path
    }

    /// Variables that are not settings but are read by Pokedex.
    static let otherVariables: Set = ["POKEDEX_CONFIG", "POKEDEX_LOG_LEVEL"]

    /// Applies one `key = value` setting to the section the key belongs to.
    public mutating func set(_ key: String, to value: String) throws(SettingError) {
        if try Self.settings.set(key, to: value, in: &self) { return }
        let section = key.split(separator: ".").first.map(String.init) ?? key
        switch section {
        case "database", "sessions":
            do {
                try sessions.set(key, to: value)
            } catch {
                throw Self.settingError(error)
            }
        case "recovery": try recovery.set(key, to: value)
        case "falcon", "weather", "runbooks", "tools": try tools.set(key, to: value)
        case "assistant", "llm": try assistant.set(key, to: value)
        case "server": try server.set(key, to: value)
        case "webex": try webex.set(key, to: value)
        case "mcp": try mcp.set(key, to: value)
        default:
            throw SettingError(
                key: key,
                message:
                    "is not a setting (sections: sessions, recovery, falcon, weather, runbooks, tools, assistant, llm, server, webex, mcp, audit)"
            )
        }
    }

    /// Applies every `POKEDEX_*` variable, then validates the whole.
    public mutating func apply(environment: [String: String]) throws(SettingError) {
        try Self.settings.apply(environment: environment, to: &self)
        try AssistantConfiguration.settings.apply(environment: environment, to: &assistant)
        try server.apply(environment: environment)
        try WebexConfiguration.settings.apply(environment: environment, to: &webex)
        try MCPConfiguration.settings.apply(environment: environment, to: &mcp)
        try server.validate()
        try webex.validate()
        try assistant.validate()
        try mcp.validate()
        try recovery.apply(environment: environment)
        try tools.apply(environment: environment)
        do {
            try sessions.apply(environment: environment)
        } catch {
            throw Self.settingError(error)
        }
    }

    /// The `POKEDEX_*` variables of an environment that no setting reads (a misspelling is
    /// otherwise ignored in silence), each with the known variable it most resembles.
    public static func unknownVariables(in environment: [String: String]) -> [(variable: String, suggestion: String?)] {
        var known = otherVariables
        for variables in [
            settings.variables, SessionsConfiguration.settings.variables, ToolsConfiguration.settings.variables,
            AssistantConfiguration.settings.variables, ServerConfiguration.variables,
            WebexConfiguration.settings.variables, RecoveryConfiguration.settings.variables,
            MCPConfiguration.settings.variables,
        ] {
            known.formUnion(variables)
        }
        return environment.keys.sorted()
            .filter { $0.hasPrefix("POKEDEX_") && !known.contains($0) && !$0.hasPrefix(RecoveryConfiguration.variablePrefix) }
            .map { variable in
                let nearest = known.map { ($0, editDistance(Array(variable), Array($0))) }.min { ($0.1, $0.0) < ($1.1, $1.0) }
                return (variable, nearest.flatMap { $0.1 <= 3 ? $0.0 : nil })
            }
    }

    /// Lines for the unknown variables of an environment, for the log and `config check`.
    public static func unknownVariableWarnings(in environment: [String: String]) -> [String] {
        unknownVariables(in: environment).map { unknown in
            "\(unknown.variable) is not a Pokedex setting and is ignored"
                + (unknown.suggestion.map { " (did you mean \($0)?)" } ?? "")
        }
    }


    /// Every key with its effective value, for `pokedex config check`: secrets are masked by the
    /// tables that declare them, and a password inside any URL is masked too.
    public var effectiveValues: [(key: String, value: String)] {
        var values = sessions.values
        values += PokedexRuntime.recoveryConfiguration(self).values
        values += tools.values
        values += assistant.values
        values += server.values
        values += webex.values
        values += mcp.values
        values += Self.settings.values(of: self)
        return values.map { key, value in (key, Secret.maskingPassword(in: value)) }
    }

    /// The session layer's "key message" text as a ``SettingError``.
    private static func settingError(_ error: SessionStoreError) -> SettingError {
        guard case .invalidConfiguration(let reason) = error, let space = reason.firstIndex(of: " ") else {
            return SettingError(key: "sessions", message: "\(error)")
        }
        return SettingError(key: String(reason[..<space]), message: String(reason[reason.index(after: space)...]))
    }
}
