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

    /// Applies one `key = value` setting to the section the key belongs to.
    public mutating func set(_ key: String, to value: String) throws(SettingError) {
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
        case "audit" where key == "audit.log", "falcon" where key == "falcon.containment.audit_log":
            guard !value.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw SettingError(key: key, message: "must name a file")
            }
            auditLog = value.trimmingCharacters(in: .whitespaces)
        case "webex": try webex.set(key, to: value)
        default:
            throw SettingError(
                key: key,
                message:
                    "is not a setting (sections: sessions, recovery, falcon, weather, runbooks, tools, assistant, llm, server, webex, audit)"
            )
        }
    }

    /// Applies every `POKEDEX_*` variable, then validates the whole.
    public mutating func apply(environment: [String: String]) throws(SettingError) {
        for (key, variable) in AssistantConfiguration.environmentKeys {
            if let value = environment[variable], !value.isEmpty { try assistant.set(key, to: value) }
        }
        for (key, variable) in ServerConfiguration.environmentKeys {
            if let value = environment[variable], !value.isEmpty { try server.set(key, to: value) }
        }
        for (key, variable) in WebexConfiguration.environmentKeys {
            if let value = environment[variable], !value.isEmpty { try webex.set(key, to: value) }
        }
        for variable in ["POKEDEX_FALCON_CONTAINMENT_AUDIT_LOG", "POKEDEX_AUDIT_LOG"] {
            if let value = environment[variable], !value.isEmpty { try set("audit.log", to: value) }
        }
        try server.validate()
        try webex.validate()
        try assistant.validate()
        try recovery.apply(environment: environment)
        try tools.apply(environment: environment)
        do {
            try sessions.apply(environment: environment)
        } catch {
            throw Self.settingError(error)
        }
    }

    /// Every key with its effective value, for `pokedex config check`: secrets are ``Secret``s,
    /// which print masked, and a password inside any URL is masked too.
    public var effectiveValues: [(key: String, value: String)] {
        var values: [(String, String)] = [
            ("database", sessions.database),
            ("sessions.max_messages", "\(sessions.maxMessages)"),
            ("sessions.timeout", SettingParser.text(sessions.timeout)),
            ("sessions.context_messages", "\(sessions.contextMessages)"),
            ("sessions.context_chars", "\(sessions.contextCharacters)"),
            ("sessions.cleanup_interval", SettingParser.text(sessions.cleanupInterval)),
            ("sessions.cleanup_batch", "\(sessions.cleanupBatchSize)"),
            ("sessions.durability", sessions.durability.rawValue),
            ("sessions.busy_timeout", SettingParser.text(sessions.busyTimeout)),
            ("sessions.max_message_bytes", "\(sessions.maxMessageBytes)"),
            ("sessions.scope", sessions.scope.rawValue),
        ]
        let recovery = PokedexRuntime.recoveryConfiguration(self)
        func policy(_ name: String, _ policy: RetryPolicy, threshold: Int) -> [(String, String)] {
            [
                ("recovery.\(name).max_retries", "\(policy.maxRetries)"),
                ("recovery.\(name).delay", SettingParser.text(policy.initialDelay)),
                ("recovery.\(name).backoff", "\(policy.backoff)"),
                ("recovery.\(name).max_delay", SettingParser.text(policy.maxDelay)),
                ("recovery.\(name).jitter", "\(policy.jitter)"),
                ("recovery.\(name).timeout", SettingParser.text(policy.timeout)),
                ("recovery.\(name).retry_after_timeout", "\(policy.retryAfterTimeout)"),
                ("recovery.\(name).threshold", "\(threshold)"),
            ]
        }
        for tool in recovery.services {
            values += policy(tool.rawValue, recovery.policy(for: tool), threshold: recovery.threshold(for: tool))
        }
        values += policy("default", recovery.defaultPolicy, threshold: recovery.defaultThreshold)
        values += [
            ("recovery.window", SettingParser.text(recovery.window)),
            ("recovery.cool_down", SettingParser.text(recovery.coolDown)),
            ("recovery.max_cool_down", SettingParser.text(recovery.maxCoolDown)),
            ("recovery.warning_threshold", "\(recovery.warningThreshold)"),
        ]
        values += [
            ("falcon.base_url", tools.falconBaseURL), ("falcon.client_id", tools.falconClientID),
            ("falcon.client_secret", tools.falconClientSecret.description),
            ("falcon.containment.enabled", "\(tools.containmentEnabled)"),
            ("falcon.containment.responders", tools.containmentResponders.joined(separator: ",")),
            ("falcon.containment.confirmation_window", SettingParser.text(tools.containmentConfirmationWindow)),
            ("weather.enabled", "\(tools.weatherEnabled)"), ("weather.url", tools.weatherURL),
            ("weather.geocoding_url", tools.geocodingURL), ("weather.units", tools.weatherUnits.rawValue),
            ("runbooks.dir", tools.runbooksDirectory), ("runbooks.index", tools.runbooksIndex),
        ]
        for (tool, settings) in tools.toolSettings.sorted(by: { $0.key < $1.key }) {
            for (name, value) in settings.sorted(by: { $0.key < $1.key }) {
                values.append(("tools.\(tool).\(name)", ToolsConfiguration.isSecret(name) ? Secret(value).description : value))
            }
        }
        values += assistant.values
        values += server.values
        values += webex.values
        values.append(("audit.log", auditLog))
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
