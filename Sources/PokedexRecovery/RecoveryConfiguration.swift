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

    /// One service's numbers, the table ``serviceSettings`` reads into.
    struct ServiceNumbers: Sendable {
        var policy: RetryPolicy
        var threshold: Int
    }

    /// The fields of `recovery.<service>.*` (and `recovery.default.*`); each variable is
    /// `POKEDEX_RECOVERY_<SERVICE>_` followed by the field's.
    static let serviceSettings = SettingsTable<ServiceNumbers>([
        .integer("max_retries", "MAX_RETRIES", \.policy.maxRetries, in: 0...20),
        .duration("delay", "DELAY", \.policy.initialDelay, in: .milliseconds(1)...(.seconds(600))),
        .number("backoff", "BACKOFF", \.policy.backoff, in: 1...10),
        .duration("max_delay", "MAX_DELAY", \.policy.maxDelay, in: .milliseconds(1)...(.seconds(3600))),
        .number("jitter", "JITTER", \.policy.jitter, in: 0...1),
        .duration("timeout", "TIMEOUT", \.policy.timeout, in: .milliseconds(10)...(.seconds(600))),
        .boolean("retry_after_timeout", "RETRY_AFTER_TIMEOUT", \.policy.retryAfterTimeout),
        .integer("threshold", "THRESHOLD", \.threshold, in: 1...100_000),
    ])

    /// The settings of recovery as a whole.
    public static let settings = SettingsTable<RecoveryConfiguration>([
        .duration("recovery.window", "POKEDEX_RECOVERY_WINDOW", \.window, in: .seconds(1)...(.seconds(7 * 86400))),
        .duration("recovery.cool_down", "POKEDEX_RECOVERY_COOL_DOWN", \.coolDown, in: .milliseconds(10)...(.seconds(86400))),
        .duration(
            "recovery.max_cool_down", "POKEDEX_RECOVERY_MAX_COOL_DOWN", \.maxCoolDown,
            in: .milliseconds(10)...(.seconds(86400))),
        .integer("recovery.warning_threshold", "POKEDEX_RECOVERY_WARNING_THRESHOLD", \.warningThreshold, in: 0...1_000_000),
    ])

    /// Every `POKEDEX_RECOVERY_*` variable is one of these settings' (or names a service's field).
    public static let variablePrefix = "POKEDEX_RECOVERY_"

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
        if try Self.settings.set(key, to: value, in: &self) { return }
        let parts = key.split(separator: ".").map(String.init)
        guard parts.count == 3, parts[0] == "recovery" else {
            throw SettingError(key: key, message: "is not a recovery setting")
        }
        let tool = ToolName(rawValue: parts[1])
        let isDefault = tool.rawValue == "default"
        var numbers =
            isDefault
            ? ServiceNumbers(policy: defaultPolicy, threshold: defaultThreshold)
            : ServiceNumbers(policy: policy(for: tool), threshold: threshold(for: tool))
        guard try Self.serviceSettings.set(parts[2], to: value, in: &numbers, reportedKey: key) else {
            throw SettingError(key: key, message: "is not a recovery setting")
        }
        switch (isDefault, parts[2] == "threshold") {
        case (true, true): defaultThreshold = numbers.threshold
        case (true, false): defaultPolicy = numbers.policy
        case (false, true): thresholds[tool] = numbers.threshold
        case (false, false): policies[tool] = numbers.policy
        }
    }

    /// Applies every `POKEDEX_RECOVERY_*` variable of an environment: the whole's first, then
    /// `POKEDEX_RECOVERY_<SERVICE>_<FIELD>` (the longest field that ends the name).
    public mutating func apply(environment: [String: String]) throws(SettingError) {
        try Self.settings.apply(environment: environment, to: &self)
        let whole = Set(Self.settings.variables)
        let fields = Self.serviceSettings.settings.sorted { ($0.variable ?? "").count > ($1.variable ?? "").count }
        for (variable, value) in environment.sorted(by: { $0.key < $1.key })
        where variable.hasPrefix(Self.variablePrefix) && !whole.contains(variable) && !value.isEmpty {
            let name = variable.dropFirst(Self.variablePrefix.count)
            guard let field = fields.first(where: { name.hasSuffix("_" + ($0.variable ?? "")) }) else {
                throw SettingError(key: variable, message: "is not a recovery setting")
            }
            let service = name.dropLast((field.variable ?? "").count + 1).lowercased()
            try set("recovery.\(service).\(field.key)", to: value)
        }
    }

    /// Every number with its key, for `config check`: each service's, the defaults, the whole's.
    public var values: [(key: String, value: String)] {
        var values: [(key: String, value: String)] = []
        for service in services {
            values += Self.serviceSettings.values(
                of: ServiceNumbers(policy: policy(for: service), threshold: threshold(for: service)),
                prefix: "recovery.\(service.rawValue).")
        }
        values += Self.serviceSettings.values(
            of: ServiceNumbers(policy: defaultPolicy, threshold: defaultThreshold), prefix: "recovery.default.")
        return values + Self.settings.values(of: self)
    }
}
