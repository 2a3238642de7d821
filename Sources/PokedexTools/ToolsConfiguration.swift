import Foundation
import PokedexSettings

/// The tools' settings (SPEC 7): which integrations exist and where their services are. A tool
/// whose integration is not configured is left out, not an error; settings that contradict each
/// other (containment without responders) are.
public struct ToolsConfiguration: Sendable, Equatable {
    /// Falcon API base (scheme and host). `falcon.base_url`, `POKEDEX_FALCON_BASE_URL`.
    public var falconBaseURL = "https://api.crowdstrike.com"
    /// `falcon.client_id`; without it and the secret there is no `crowdstrike` tool.
    public var falconClientID = ""
    /// `falcon.client_secret`; a secret, never shown.
    public var falconClientSecret = Secret("")
    /// Offer `crowdstrike_containment`. `falcon.containment.enabled`; off by default.
    public var containmentEnabled = false
    /// Users allowed to contain hosts (Webex emails, CLI user names). `falcon.containment.responders`.
    public var containmentResponders: [String] = []
    /// How long a request waits for its confirmation turn. `falcon.containment.confirmation_window`.
    public var containmentConfirmationWindow: Duration = .seconds(300)
    /// Offer `weather`. `weather.enabled`.
    public var weatherEnabled = true
    /// `weather.url`, `POKEDEX_WEATHER_URL`.
    public var weatherURL = "https://api.open-meteo.com"
    /// `weather.geocoding_url`, `POKEDEX_GEOCODING_URL`.
    public var geocodingURL = "https://geocoding-api.open-meteo.com"
    /// `weather.units`: fahrenheit (default) or celsius.
    public var weatherUnits = WeatherReport.Units.fahrenheit
    /// The runbooks folder. `runbooks.dir`, `POKEDEX_RUNBOOKS_DIR`.
    public var runbooksDirectory = "./runbooks"
    /// The runbook index file. `runbooks.index`, `POKEDEX_RUNBOOKS_INDEX`.
    public var runbooksIndex = "./.pokedex/runbooks.db"

    /// Settings of tools without a section of their own: `tools.<tool>.<name> = value`, read by
    /// the tool's `build` (a secret's name contains secret, token, key or password).
    public var toolSettings: [String: [String: String]] = [:]

    public init() {}

    /// Whether a `tools.<tool>.<name>` setting holds a secret, by its name.
    public static func isSecret(_ name: String) -> Bool {
        ["secret", "token", "key", "password"].contains { name.lowercased().contains($0) }
    }

    /// The environment variable for each key.
    public static let environmentKeys: [(key: String, variable: String)] = [
        ("falcon.base_url", "POKEDEX_FALCON_BASE_URL"),
        ("falcon.client_id", "POKEDEX_FALCON_CLIENT_ID"),
        ("falcon.client_secret", "POKEDEX_FALCON_CLIENT_SECRET"),
        ("falcon.containment.enabled", "POKEDEX_FALCON_CONTAINMENT_ENABLED"),
        ("falcon.containment.responders", "POKEDEX_FALCON_CONTAINMENT_RESPONDERS"),
        ("falcon.containment.confirmation_window", "POKEDEX_FALCON_CONTAINMENT_CONFIRMATION_WINDOW"),
        ("weather.enabled", "POKEDEX_WEATHER_ENABLED"),
        ("weather.url", "POKEDEX_WEATHER_URL"),
        ("weather.geocoding_url", "POKEDEX_GEOCODING_URL"),
        ("weather.units", "POKEDEX_WEATHER_UNITS"),
        ("runbooks.dir", "POKEDEX_RUNBOOKS_DIR"),
        ("runbooks.index", "POKEDEX_RUNBOOKS_INDEX"),
    ]

    /// Applies one `key = value` setting.
    public mutating func set(_ key: String, to value: String) throws(SettingError) {
        switch key {
        case "falcon.base_url": falconBaseURL = try Self.url(value, key: key)
        case "falcon.client_id": falconClientID = value.trimmingCharacters(in: .whitespaces)
        case "falcon.client_secret": falconClientSecret = Secret(value.trimmingCharacters(in: .whitespaces))
        case "falcon.containment.enabled": containmentEnabled = try SettingParser.boolean(value, key: key)
        case "falcon.containment.responders": containmentResponders = SettingParser.list(value)
        case "falcon.containment.confirmation_window":
            containmentConfirmationWindow = try SettingParser.duration(value, key: key)
        case "weather.enabled": weatherEnabled = try SettingParser.boolean(value, key: key)
        case "weather.url": weatherURL = try Self.url(value, key: key)
        case "weather.geocoding_url": geocodingURL = try Self.url(value, key: key)
        case "weather.units": weatherUnits = try SettingParser.choice(value, key: key, as: WeatherReport.Units.self)
        case "runbooks.dir": runbooksDirectory = value
        case "runbooks.index": runbooksIndex = value
        default:
            let parts = key.split(separator: ".", maxSplits: 2).map(String.init)
            guard parts.count == 3, parts[0] == "tools", !parts[1].isEmpty, !parts[2].isEmpty else {
                throw SettingError(key: key, message: "is not a tools setting")
            }
            toolSettings[parts[1], default: [:]][parts[2]] = value
        }
    }

    /// Applies the `POKEDEX_*` variables of the tools, then validates.
    public mutating func apply(environment: [String: String]) throws(SettingError) {
        for (key, variable) in Self.environmentKeys {
            if let value = environment[variable], !value.isEmpty { try set(key, to: value) }
        }
        try validate()
    }

    /// True when Falcon has both credentials.
    public var falconConfigured: Bool { !falconClientID.isEmpty && !falconClientSecret.isEmpty }

    /// Checks that the values fit together.
    public func validate() throws(SettingError) {
        if falconClientID.isEmpty != falconClientSecret.isEmpty {
            throw SettingError(
                key: falconClientID.isEmpty ? "falcon.client_id" : "falcon.client_secret",
                message: "must be set too: Falcon needs both the client id and the client secret")
        }
        guard containmentEnabled else { return }
        if !falconConfigured {
            throw SettingError(
                key: "falcon.containment.enabled", message: "needs Falcon credentials (falcon.client_id and secret)")
        }
        if containmentResponders.isEmpty {
            throw SettingError(
                key: "falcon.containment.responders", message: "must list at least one user when containment is enabled"
            )
        }
    }

    /// An http(s) URL with a host, without a trailing slash.
    private static func url(_ value: String, key: String) throws(SettingError) -> String {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard let url = URL(string: trimmed), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
            url.host?.isEmpty == false
        else {
            throw SettingError(key: key, message: "must be an http or https URL such as https://host (got '\(value)')")
        }
        return trimmed.hasSuffix("/") ? String(trimmed.dropLast()) : trimmed
    }
}
