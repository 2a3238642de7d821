import Foundation

/// Current conditions at a place, and the sentence users see (SPEC 4.2).
public struct WeatherReport: Sendable, Equatable {
    /// Fahrenheit with wind in mph (the default), or Celsius with wind in km/h.
    public enum Units: String, Sendable, CaseIterable {
        case fahrenheit, celsius

        var temperatureSymbol: String { self == .fahrenheit ? "°F" : "°C" }
        var windUnit: String { self == .fahrenheit ? "mph" : "km/h" }
    }

    public var place: String
    public var country: String
    /// The WMO weather code.
    public var weatherCode: Int
    public var temperature: Double
    public var feelsLike: Double
    public var humidity: Int
    public var windSpeed: Double
    /// Where the wind comes from, in degrees (0 = north).
    public var windDirection: Double
    public var units: Units

    public init(
        place: String, country: String, weatherCode: Int, temperature: Double, feelsLike: Double, humidity: Int,
        windSpeed: Double, windDirection: Double, units: Units = .fahrenheit
    ) {
        self.place = place
        self.country = country
        self.weatherCode = weatherCode
        self.temperature = temperature
        self.feelsLike = feelsLike
        self.humidity = humidity
        self.windSpeed = windSpeed
        self.windDirection = windDirection
        self.units = units
    }

    /// `Current weather in Oslo, Norway: Light drizzle, 41.2°F (feels like 36.5°F), humidity 87%, wind 9.8 mph SW`;
    /// the wind part is left out when there is none.
    public var sentence: String {
        let symbol = units.temperatureSymbol
        var text =
            "Current weather in \(place), \(country): \(Self.describe(weatherCode)), "
            + "\(Self.number(temperature))\(symbol) (feels like \(Self.number(feelsLike))\(symbol)), humidity \(humidity)%"
        if windSpeed.rounded() > 0 {
            text += ", wind \(Self.number(windSpeed)) \(units.windUnit) \(Self.compassPoint(windDirection))"
        }
        return text
    }

    /// The reply when geocoding finds no such place.
    public static func unknownPlace(_ city: String) -> String {
        "Weather data not available for '\(city)'. Please check the city name and try again."
    }

    /// One of the 16 compass points: 0° → N, 11.25° → NNE, 90° → E, 348.75° → N.
    public static func compassPoint(_ degrees: Double) -> String {
        let points = [
            "N", "NNE", "NE", "ENE", "E", "ESE", "SE", "SSE", "S", "SSW", "SW", "WSW", "W", "WNW", "NW", "NNW",
        ]
        let normalised = (degrees.truncatingRemainder(dividingBy: 360) + 360).truncatingRemainder(dividingBy: 360)
        return points[Int((normalised / 22.5).rounded(.toNearestOrAwayFromZero)) % 16]
    }

    /// The WMO code in words, as Open-Meteo documents them.
    public static func describe(_ code: Int) -> String {
        switch code {
        case 0: "Clear sky"
        case 1: "Mainly clear"
        case 2: "Partly cloudy"
        case 3: "Overcast"
        case 45: "Fog"
        case 48: "Depositing rime fog"
        case 51: "Light drizzle"
        case 53: "Moderate drizzle"
        case 55: "Dense drizzle"
        case 56: "Light freezing drizzle"
        case 57: "Dense freezing drizzle"
        case 61: "Slight rain"
        case 63: "Moderate rain"
        case 65: "Heavy rain"
        case 66: "Light freezing rain"
        case 67: "Heavy freezing rain"
        case 71: "Slight snow fall"
        case 73: "Moderate snow fall"
        case 75: "Heavy snow fall"
        case 77: "Snow grains"
        case 80: "Slight rain showers"
        case 81: "Moderate rain showers"
        case 82: "Violent rain showers"
        case 85: "Slight snow showers"
        case 86: "Heavy snow showers"
        case 95: "Thunderstorm"
        case 96: "Thunderstorm with slight hail"
        case 99: "Thunderstorm with heavy hail"
        default: "Unknown conditions (code \(code))"
        }
    }

    /// Whole degrees and whole mph or km/h, as weather services show them (-0.4 is "0", not "-0").
    private static func number(_ value: Double) -> String {
        let whole = Int(value.rounded())
        return "\(whole)"
    }
}
