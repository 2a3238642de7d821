import PokedexTools
import Testing

@Suite("Weather report")
struct WeatherReportTests {
    @Test(arguments: [
        (0.0, "N"), (11.25, "NNE"), (22.5, "NNE"), (45.0, "NE"), (90.0, "E"), (180.0, "S"), (191.25, "SSW"),
        (270.0, "W"),
        (337.5, "NNW"), (348.75, "N"), (359.9, "N"), (360.0, "N"), (-90.0, "W"),
    ])
    func windDirectionsAreSixteenCompassPoints(degrees: Double, point: String) {
        #expect(WeatherReport.compassPoint(degrees) == point)
    }

    @Test func theSentenceFollowsTheSpecification() {
        let report = WeatherReport(
            place: "Oslo", country: "Norway", weatherCode: 51, temperature: 41.23, feelsLike: 36.5, humidity: 87,
            windSpeed: 9.8, windDirection: 225)
        #expect(
            report.sentence
                == "Current weather in Oslo, Norway: Light drizzle, 41°F (feels like 37°F), humidity 87%, wind 10 mph SW"
        )
    }

    @Test func celsiusAndCalmAirAreSupported() {
        let report = WeatherReport(
            place: "Berlin", country: "Germany", weatherCode: 2, temperature: 5, feelsLike: 2.4, humidity: 81,
            windSpeed: 0, windDirection: 0, units: .celsius)
        #expect(
            report.sentence
                == "Current weather in Berlin, Germany: Partly cloudy, 5°C (feels like 2°C), humidity 81%")
        var windy = report
        windy.windSpeed = 12.3
        #expect(windy.sentence.hasSuffix(", wind 12 km/h N"))
        // Whole figures, as weather services show them: no "-0", and a breath of air is calm.
        windy.temperature = -0.4
        windy.windSpeed = 0.4
        #expect(windy.sentence == "Current weather in Berlin, Germany: Partly cloudy, 0°C (feels like 2°C), humidity 81%")
    }

    @Test func everyDocumentedWeatherCodeHasWordsAndOthersSaySo() {
        let documented = [
            0, 1, 2, 3, 45, 48, 51, 53, 55, 56, 57, 61, 63, 65, 66, 67, 71, 73, 75, 77, 80, 81, 82, 85, 86, 95, 96, 99,
        ]
        #expect(documented.allSatisfy { !WeatherReport.describe($0).hasPrefix("Unknown") })
        #expect(WeatherReport.describe(42) == "Unknown conditions (code 42)")
        #expect(
            WeatherReport.unknownPlace("Atlantis")
                == "Weather data not available for 'Atlantis'. Please check the city name and try again.")
    }
}
