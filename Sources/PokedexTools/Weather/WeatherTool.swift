import PokedexRecovery

/// `weather`: current conditions for a place, through recovery (SPEC 4.2).
public struct WeatherTool: Tool {
    public let name = ToolName.weather
    public let description = "Current weather for a city: conditions, temperature, humidity and wind."
    public let parameters = ToolParameters(
        ["location": .init(.string, "The city, e.g. 'Berlin' (without the country).")], required: ["location"])

    private let client: OpenMeteoClient
    private let units: WeatherReport.Units
    private let recovery: Recovery

    public init(client: OpenMeteoClient, units: WeatherReport.Units = .fahrenheit, recovery: Recovery) {
        self.client = client
        self.units = units
        self.recovery = recovery
    }

    public func run(_ arguments: ToolArguments, context: ToolContext) async -> ToolResult {
        let location = (arguments.string("location") ?? "").trimmingWhitespace()
        let (client, units) = (self.client, self.units)
        return ToolResult(
            await recovery.call(name, question: context.question) { attempt in
                guard let place = try await client.place(named: location, timeLimit: attempt.timeLimit) else {
                    return WeatherReport.unknownPlace(location)
                }
                return try await client.current(at: place, units: units, timeLimit: attempt.timeLimit).sentence
            })
    }
}

extension WeatherTool: SelfTesting {
    /// Looks up one place: the geocoding service answers.
    public func selfTest(timeLimit: Duration) async -> SelfTest {
        await SelfTest.run("Open-Meteo answers") { _ = try await client.place(named: "London", timeLimit: timeLimit) }
    }
}
