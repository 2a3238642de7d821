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
    /// Rank runbook sections by meaning too, when an embedding server answers.
    /// `runbooks.embeddings.enabled`; on by default.
    public var embeddingsEnabled = true
    /// The embedding server's wire format; `auto`: the language model server's, or by the URL's
    /// shape (ending in `/v1`: OpenAI-compatible). `runbooks.embeddings.provider`.
    public var embeddingsProvider = EmbeddingProvider.auto
    /// The embedding server; empty: the language model's server. `runbooks.embeddings.url`.
    public var embeddingsURL = ""
    /// The embedding model; empty: `nomic-embed-text` on Ollama, `text-embedding-3-small` on
    /// OpenAI-compatible servers. `runbooks.embeddings.model`.
    public var embeddingsModel = ""
    /// How near in meaning (cosine similarity, 0–1) a section must be to answer a question whose
    /// words the runbooks hardly use; it depends on the model (measure with `pokedex-bench
    /// retrieval`). `runbooks.embeddings.min_similarity`.
    public var embeddingsMinimumSimilarity = RunbookIndex.Ranking().minimumSimilarity
    /// Bearer key for a separate OpenAI-compatible embedding server (on the language model's
    /// server, `llm.api_key` is used). `runbooks.embeddings.api_key`.
    public var embeddingsAPIKey = Secret("")

    /// Which wire format the embedding server speaks.
    public enum EmbeddingProvider: String, Sendable, CaseIterable {
        case auto, ollama, openai
    }

    /// Settings of tools without a section of their own: `tools.<tool>.<name> = value`, read by
    /// the tool's `build` (a secret's name contains secret, token, key or password).
    public var toolSettings: [String: [String: String]] = [:]

    public init() {}

    /// Whether a `tools.<tool>.<name>` setting holds a secret, by its name.
    public static func isSecret(_ name: String) -> Bool {
        ["secret", "token", "key", "password"].contains { name.lowercased().contains($0) }
    }

    /// Every `falcon.*`, `weather.*` and `runbooks.*` setting; `tools.<tool>.<name>` are read by
    /// ``set(_:to:)``.
    public static let settings = SettingsTable<ToolsConfiguration>([
        .url("falcon.base_url", "POKEDEX_FALCON_BASE_URL", \.falconBaseURL),
        .text("falcon.client_id", "POKEDEX_FALCON_CLIENT_ID", \.falconClientID),
        .secret("falcon.client_secret", "POKEDEX_FALCON_CLIENT_SECRET", \.falconClientSecret),
        .boolean("falcon.containment.enabled", "POKEDEX_FALCON_CONTAINMENT_ENABLED", \.containmentEnabled),
        .list("falcon.containment.responders", "POKEDEX_FALCON_CONTAINMENT_RESPONDERS", \.containmentResponders),
        .duration(
            "falcon.containment.confirmation_window", "POKEDEX_FALCON_CONTAINMENT_CONFIRMATION_WINDOW",
            \.containmentConfirmationWindow, in: .seconds(10)...(.seconds(86400))),
        .boolean("weather.enabled", "POKEDEX_WEATHER_ENABLED", \.weatherEnabled),
        .url("weather.url", "POKEDEX_WEATHER_URL", \.weatherURL),
        .url("weather.geocoding_url", "POKEDEX_GEOCODING_URL", \.geocodingURL),
        .choice("weather.units", "POKEDEX_WEATHER_UNITS", \.weatherUnits),
        .text("runbooks.dir", "POKEDEX_RUNBOOKS_DIR", \.runbooksDirectory, required: true),
        .text("runbooks.index", "POKEDEX_RUNBOOKS_INDEX", \.runbooksIndex, required: true),
        .boolean("runbooks.embeddings.enabled", "POKEDEX_RUNBOOKS_EMBEDDINGS_ENABLED", \.embeddingsEnabled),
        .choice("runbooks.embeddings.provider", "POKEDEX_RUNBOOKS_EMBEDDINGS_PROVIDER", \.embeddingsProvider),
        .url("runbooks.embeddings.url", "POKEDEX_RUNBOOKS_EMBEDDINGS_URL", \.embeddingsURL),
        .text("runbooks.embeddings.model", "POKEDEX_RUNBOOKS_EMBEDDINGS_MODEL", \.embeddingsModel),
        .number(
            "runbooks.embeddings.min_similarity", "POKEDEX_RUNBOOKS_EMBEDDINGS_MIN_SIMILARITY",
            \.embeddingsMinimumSimilarity, in: 0...1),
        .secret("runbooks.embeddings.api_key", "POKEDEX_RUNBOOKS_EMBEDDINGS_API_KEY", \.embeddingsAPIKey),
    ])

    /// Applies one `key = value` setting.
    public mutating func set(_ key: String, to value: String) throws(SettingError) {
        guard try !Self.settings.set(key, to: value, in: &self) else { return }
        let parts = key.split(separator: ".", maxSplits: 2).map(String.init)
        guard parts.count == 3, parts[0] == "tools", !parts[1].isEmpty, !parts[2].isEmpty else {
            throw SettingError(key: key, message: "is not a tools setting")
        }
        toolSettings[parts[1], default: [:]][parts[2]] = value
    }

    /// Applies the `POKEDEX_*` variables of the tools, then validates.
    public mutating func apply(environment: [String: String]) throws(SettingError) {
        try Self.settings.apply(environment: environment, to: &self)
        try validate()
    }

    /// Every key and its value as text, for `config check`; a `tools.<tool>.<name>` whose name
    /// says it is a secret is masked.
    public var values: [(key: String, value: String)] {
        var values = Self.settings.values(of: self)
        for (tool, settings) in toolSettings.sorted(by: { $0.key < $1.key }) {
            for (name, value) in settings.sorted(by: { $0.key < $1.key }) {
                values.append(("tools.\(tool).\(name)", Self.isSecret(name) ? Secret(value).description : value))
            }
        }
        return values
    }

    /// How the runbook index ranks, as configured.
    public var runbookRanking: RunbookIndex.Ranking {
        var ranking = RunbookIndex.Ranking()
        ranking.minimumSimilarity = embeddingsMinimumSimilarity
        return ranking
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
}
