import Foundation
import PokedexRecovery
import PokedexTesting
import Testing

@testable import PokedexTools

/// The weather tool and its Open-Meteo client against the loopback simulator.
@Suite("Weather tool")
struct WeatherToolTests {
    private func tool(
        _ simulator: OpenMeteoSimulator, units: WeatherReport.Units = .fahrenheit, clock: ManualClock = ManualClock(),
        retries: Int? = nil
    ) -> WeatherTool {
        var configuration = ToolSet.recoveryConfiguration()
        configuration.policies[.weather]?.jitter = 0
        if let retries { configuration.policies[.weather]?.maxRetries = retries }
        let client = OpenMeteoClient(
            weatherURL: simulator.baseURL, geocodingURL: simulator.baseURL + "/", now: { clock.currentDate })
        return WeatherTool(client: client, units: units, recovery: Recovery(configuration: configuration, clock: clock))
    }

    private func ask(_ tool: WeatherTool, _ location: String) async throws -> ToolResult {
        let arguments = try ToolArguments(["location": .string(location)], for: tool.name, tool.parameters)
        return await tool.run(arguments, context: ToolContext(question: "weather in \(location)?", user: "alice"))
    }

    @Test func reportsCurrentConditionsInFahrenheit() async throws {
        let simulator = try await OpenMeteoSimulator.start()
        defer { Task { try await simulator.stop() } }
        let result = try await ask(tool(simulator), "berlin")
        #expect(!result.fellBack)
        #expect(
            result.text
                == "Current weather in Berlin, Germany: Overcast, 41°F (feels like 36°F), humidity 81%, wind 10 mph WSW"
        )
        #expect(simulator.requestedPaths == ["/v1/search", "/v1/forecast"])
    }

    @Test func celsiusAndNoWind() async throws {
        let simulator = try await OpenMeteoSimulator.start()
        defer { Task { try await simulator.stop() } }
        let result = try await ask(tool(simulator, units: .celsius), "Oslo")
        #expect(
            result.text == "Current weather in Oslo, Norway: Slight snow fall, -3°C (feels like -3°C), humidity 90%"
        )
    }

    @Test func anUnknownPlaceIsSaidSoWithoutAForecast() async throws {
        let simulator = try await OpenMeteoSimulator.start()
        defer { Task { try await simulator.stop() } }
        let result = try await ask(tool(simulator), "Atlantis")
        #expect(result == ToolResult(text: WeatherReport.unknownPlace("Atlantis")))
        #expect(simulator.requestedPaths == ["/v1/search"])
    }

    /// People write a place with its country or a spot in it; the geocoder knows only the name.
    @Test(arguments: [
        ("vienna austria", "Vienna, Austria"), ("vienna us", "Vienna, United States"), ("Vienna, AT", "Vienna, Austria"),
        ("oslo depot", "Oslo, Norway"), ("berlin main yard", "Berlin, Germany"),
    ])
    func aPlaceWrittenWithItsCountryOrASpotInItIsTheNamedPlace(location: String, found: String) async throws {
        let vienna = OpenMeteoSimulator.Place(
            name: "Vienna", country: "Austria", latitude: 48.21, longitude: 16.37, temperatureCelsius: 2,
            feelsLikeCelsius: 0, humidity: 80, weatherCode: 3, windKilometresPerHour: 5, windDirection: 90,
            countryCode: "AT")
        let virginia = OpenMeteoSimulator.Place(
            name: "Vienna", country: "United States", latitude: 38.90, longitude: -77.27, temperatureCelsius: 8,
            feelsLikeCelsius: 6, humidity: 60, weatherCode: 0, windKilometresPerHour: 5, windDirection: 90,
            countryCode: "US")
        let simulator = try await OpenMeteoSimulator.start(places: [OpenMeteoSimulator.berlin, OpenMeteoSimulator.oslo, vienna, virginia])
        defer { Task { try await simulator.stop() } }
        let result = try await ask(tool(simulator), location.replacingOccurrences(of: ",", with: ""))
        #expect(result.text.hasPrefix("Current weather in \(found):"), "\(result.text)")
        // A name it does not know is still said so, after at most one try per shorter name.
        let unknown = try await ask(tool(simulator), "gotham city north")
        #expect(unknown == ToolResult(text: WeatherReport.unknownPlace("gotham city north")))
    }

    @Test func aRateLimitedAnswerIsRetriedAfterTheWaitItAsksFor() async throws {
        let faults = FaultInjector(FaultPlan().failFirst(1, with: .status(429, retryAfter: "2")))
        let simulator = try await OpenMeteoSimulator.start(faults: faults)
        defer { Task { try await simulator.stop() } }
        let clock = ManualClock()
        let weather = tool(simulator, clock: clock)
        let answer = Task { try await ask(weather, "Berlin") }
        #expect(await clock.advanceToNextWake(within: .seconds(5)) == .seconds(2))
        let result = try await answer.value
        #expect(result.text.hasPrefix("Current weather in Berlin, Germany"))
        #expect(faults.requestCount == 3)
    }

    /// A `Retry-After` date is measured against the injected clock, not the machine's.
    @Test func aRetryAfterDateIsMeasuredAgainstTheClock() async throws {
        let clock = ManualClock()
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let date = formatter.string(from: clock.currentDate.addingTimeInterval(7))
        let faults = FaultInjector(FaultPlan().failFirst(1, with: .status(503, retryAfter: date)))
        let simulator = try await OpenMeteoSimulator.start(faults: faults)
        defer { Task { try await simulator.stop() } }
        let weather = tool(simulator, clock: clock)
        let answer = Task { try await ask(weather, "Berlin") }
        // Within 8 s: the attempt's 10 s time limit also sleeps on this clock.
        #expect(await clock.advanceToNextWake(within: .seconds(8)) == .seconds(7))
        #expect(try await answer.value.text.hasPrefix("Current weather in Berlin, Germany"))
    }

    @Test func aDeadServiceGivesTheWeatherFallbackAfterItsRetries() async throws {
        let faults = FaultInjector(FaultPlan().failAlways(with: .status(503)))
        let simulator = try await OpenMeteoSimulator.start(faults: faults)
        defer { Task { try await simulator.stop() } }
        let clock = ManualClock()
        let weather = tool(simulator, clock: clock)
        let answer = Task { try await ask(weather, "Berlin") }
        var waits: [Duration] = []
        for _ in 0..<3 { waits.append(await clock.advanceToNextWake(within: .seconds(5))) }
        let result = try await answer.value
        #expect(waits == [.milliseconds(500), .milliseconds(750), .milliseconds(1125)])
        #expect(result == ToolResult(text: ToolBehaviourTests.weather, fellBack: true))
        #expect(faults.requestCount == 4)
    }

    /// A refused connection fails the attempt at once (recovery then retries it), not after the
    /// attempt's whole time limit.
    @Test func aServiceThatIsNotListeningIsUnreachableAtOnce() async throws {
        let simulator = try await OpenMeteoSimulator.start()
        try await simulator.stop()
        let client = OpenMeteoClient(weatherURL: simulator.baseURL, geocodingURL: simulator.baseURL)
        do {
            _ = try await client.place(named: "Berlin", timeLimit: .seconds(60))
            Issue.record("a stopped service must not answer")
        } catch let failure as ServiceFailure {
            #expect(failure.kind == .connection, "\(failure)")
        }
    }

    @Test func aMalformedAnswerIsNeverTurnedIntoInventedWeather() async throws {
        let faults = FaultInjector(FaultPlan().failAlways(with: .malformedBody))
        let simulator = try await OpenMeteoSimulator.start(faults: faults)
        defer { Task { try await simulator.stop() } }
        let result = try await ask(tool(simulator, retries: 0), "Berlin")
        #expect(result == ToolResult(text: ToolBehaviourTests.weather, fellBack: true))
    }

    @Test func aHangingServiceIsCutOffAtTheAttemptTimeout() async throws {
        let faults = FaultInjector(FaultPlan().failAlways(with: .hang))
        let simulator = try await OpenMeteoSimulator.start(faults: faults)
        defer { Task { try await simulator.stop() } }
        let clock = ManualClock()
        let weather = tool(simulator, clock: clock, retries: 0)
        let answer = Task { try await ask(weather, "Berlin") }
        #expect(await clock.advanceToNextWake(within: .seconds(10)) == .seconds(10))
        #expect(try await answer.value.fellBack)
    }
}
