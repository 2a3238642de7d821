import PokedexSettings

/// Every number of SPEC section 2, per service. Keys are `recovery.<service>.<field>` (environment
/// `POKEDEX_RECOVERY_<SERVICE>_<FIELD>`) and `recovery.<field>`. A service's numbers are the
/// defaults its tool declares (``declare(_:_:)``) with these settings applied on top, whichever
/// comes first.
public struct RecoveryConfiguration: Sendable, Equatable {
    /// Retry policies by service; services not listed use `defaultPolicy`.
    public var policies: [ToolName: RetryPolicy] = [:]
    /// `recovery.default.*`.
    public var defaultPolicy = RetryPolicy.default
    /// Failures in the window above which a service becomes unavailable (`recovery.<service>.threshold`).
    public var thresholds: [ToolName: Int] = [:]
    /// The `recovery.<service>.*` settings in the order given, replayed over declared defaults.
    private var serviceSettings: [ServiceSetting] = []

    private struct ServiceSetting: Sendable, Equatable {
        var service: ToolName
        var key: String
        var value: String
    }
    /// `recovery.default.threshold`.
    public var defaultThreshold = 8
    /// The sliding window failures are counted in. `recovery.window`.
    public var window: Duration = .seconds(3600)
    /// Wait before the first probe of an unavailable tool. `recovery.cool_down`.
    public var coolDown: Duration = .seconds(60)
    /// The cool-down doubles on each re-open up to this. `recovery.max_cool_down`.
    public var maxCoolDown: Duration = .seconds(600)
    /// Failures in the window above which a warning is logged. `recovery.warning_threshold`.
    public var warningThreshold = 10

    public init() {}

    /// Takes a service's own defaults; the settings already given for it still win.
    public mutating func declare(_ service: ToolName, _ defaults: RecoveryDefaults) {
        policies[service] = defaults.policy
        thresholds[service] = defaults.threshold
        for setting in serviceSettings where setting.service == service {
            // Each was checked when it was given.
            try? apply(setting.key, setting.value)
        }
    }

    /// The services with numbers of their own (declared or configured).
    public var services: [ToolName] { Set(policies.keys).union(thresholds.keys).sorted() }

    public func policy(for tool: ToolName) -> RetryPolicy { policies[tool] ?? defaultPolicy }
    public func threshold(for tool: ToolName) -> Int { thresholds[tool] ?? defaultThreshold }

    // Longer names first: `retry_after_timeout` also ends in `_timeout`.
    private static let toolFields = [
        "retry_after_timeout", "max_retries", "max_delay", "delay", "backoff", "jitter", "timeout", "threshold",
    ]
    private static let globalFields = ["window", "cool_down", "max_cool_down", "warning_threshold"]

    /// Applies one setting, e.g. `recovery.weather.max_retries = 5` or `recovery.cool_down = 2m`.
    /// - Throws: ``SettingError`` naming the key.
    public mutating func set(_ key: String, to value: String) throws(SettingError) {
        try apply(key, value)
        let parts = key.split(separator: ".")
        if parts.count == 3, parts[1] != "default" {
            serviceSettings.append(ServiceSetting(service: ToolName(rawValue: String(parts[1])), key: key, value: value))
        }
    }

    private mutating func apply(_ key: String, _ value: String) throws(SettingError) {
        let parts = key.split(separator: ".").map(String.init)
        guard parts.first == "recovery", parts.count == 2 || parts.count == 3 else {
            throw SettingError(key: key, message: "is not a recovery setting")
        }
        if parts.count == 2 {
            switch parts[1] {
            case "window": window = try SettingParser.duration(value, key: key)
            case "cool_down": coolDown = try SettingParser.duration(value, key: key)
            case "max_cool_down": maxCoolDown = try SettingParser.duration(value, key: key)
            case "warning_threshold": warningThreshold = try SettingParser.integer(value, key: key, minimum: 0)
            default: throw SettingError(key: key, message: "is not a recovery setting")
            }
            return
        }
        let tool = ToolName(rawValue: parts[1])
        let isDefault = tool.rawValue == "default"
        var policy = isDefault ? defaultPolicy : policy(for: tool)
        switch parts[2] {
        case "max_retries": policy.maxRetries = try SettingParser.integer(value, key: key, minimum: 0)
        case "delay": policy.initialDelay = try SettingParser.duration(value, key: key)
        case "backoff": policy.backoff = try SettingParser.number(value, key: key, in: 1...10)
        case "max_delay": policy.maxDelay = try SettingParser.duration(value, key: key)
        case "jitter": policy.jitter = try SettingParser.number(value, key: key, in: 0...1)
        case "timeout": policy.timeout = try SettingParser.duration(value, key: key, in: .milliseconds(10)...(.seconds(600)))
        case "retry_after_timeout": policy.retryAfterTimeout = try SettingParser.boolean(value, key: key)
        case "threshold":
            let threshold = try SettingParser.integer(value, key: key, minimum: 0)
            if isDefault { defaultThreshold = threshold } else { thresholds[tool] = threshold }
            return
        default: throw SettingError(key: key, message: "is not a recovery setting")
        }
        if isDefault { defaultPolicy = policy } else { policies[tool] = policy }
    }

    /// Applies every `POKEDEX_RECOVERY_*` variable of an environment.
    public mutating func apply(environment: [String: String]) throws(SettingError) {
        let prefix = "POKEDEX_RECOVERY_"
        for (variable, value) in environment.sorted(by: { $0.key < $1.key }) where variable.hasPrefix(prefix) {
            let name = variable.dropFirst(prefix.count).lowercased()
            if !Self.globalFields.contains(name), let field = Self.toolFields.first(where: { name.hasSuffix("_" + $0) })
            {
                let tool = name.dropLast(field.count + 1)
                try set("recovery.\(tool).\(field)", to: value)
            } else {
                try set("recovery.\(name)", to: value)
            }
        }
    }
}
