import Foundation
import PokedexRecovery

extension ToolName {
    /// Open-Meteo weather.
    public static let weather: ToolName = "weather"
}

/// `weather`: current conditions for a place, through recovery (SPEC 4.2).
public struct WeatherTool: CatalogTool {
    public static let name = ToolName.weather
    public static let recoveryDefaults = RecoveryDefaults(
        policy: RetryPolicy(maxRetries: 3, initialDelay: .milliseconds(500), backoff: 1.5), threshold: 10)

    public let description = "Current weather for a city: conditions, temperature, humidity and wind."
    public let parameters = ToolParameters(
        ["location": .init(.string, "The city, e.g. 'Berlin' (without the country).")], required: ["location"])
    public let capability: String? = "tell you the current weather for a place you name (\"temperature in Lisbon?\")"
    public let claims: (any ClaimRule)? = WeatherClaims()
    /// A place named in a question about the weather (SPEC 3.2).
    public let entityParameters: [EntityKind: String] = [.place: "location"]

    private let client: OpenMeteoClient
    private let units: WeatherReport.Units
    private let recovery: Recovery

    public init(client: OpenMeteoClient, units: WeatherReport.Units = .fahrenheit, recovery: Recovery) {
        self.client = client
        self.units = units
        self.recovery = recovery
    }

    public static func build(_ context: ToolBuildContext) throws -> ToolBuild {
        let configuration = context.configuration
        guard configuration.weatherEnabled else { return .disabled("turned off (weather.enabled = false)") }
        let client = OpenMeteoClient(
            weatherURL: configuration.weatherURL, geocodingURL: configuration.geocodingURL, http: context.http,
            now: context.now)
        return .built(WeatherTool(client: client, units: configuration.weatherUnits, recovery: context.recovery))
    }

    public func run(_ arguments: ToolArguments, context: ToolContext) async -> ToolResult {
        let location = (arguments.string("location") ?? "").trimmingWhitespace()
        let (client, units) = (self.client, self.units)
        let outcome = await recovery.call(Self.service) { attempt in
            guard let place = try await client.place(matching: location, timeLimit: attempt.timeLimit) else {
                return WeatherReport.unknownPlace(location)
            }
            return try await client.current(at: place, units: units, timeLimit: attempt.timeLimit).sentence
        }
        return result(outcome, context: context)
    }

    public func fallbackText(for question: String) -> String {
        "⚠️ Weather information is temporarily unavailable. Please check a reliable weather service directly."
    }

    /// Looks up one place: the geocoding service answers.
    public func selfTest(timeLimit: Duration) async -> SelfTest? {
        await SelfTest.run("Open-Meteo answers") { _ = try await client.place(named: "London", timeLimit: timeLimit) }
    }
}
