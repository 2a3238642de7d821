import Foundation

/// What the model says of the weather, against this turn's reports (SPEC 3.1): a temperature no
/// report gives (in either scale), or conditions of another kind ("rain" where the report says
/// clear sky), is refused. The facts an answer must carry are the place, the conditions and the
/// temperature, or that there is no data for the place.
public struct WeatherClaims: ClaimRule {
    public init() {}

    public let unfoundedText =
        "⚠️ I have no weather report behind that, so I won't guess. Name the place (\"temperature in Lisbon\") and I'll check it."

    public func contradicts(_ sentence: String, subjects: [Entity], results: [String]) -> Bool {
        let reports = results.compactMap(Report.init)
        let lower = sentence.lowercased()
        let temperatures = Self.temperatures(in: lower)
        let conditions = Self.conditions(in: lower)
        guard !temperatures.isEmpty || !conditions.isEmpty else { return false }
        // About the place it names, else about any place reported this turn.
        let named = reports.filter { lower.contains($0.place.lowercased()) }
        let about = named.isEmpty ? reports : named
        guard !about.isEmpty else { return !temperatures.isEmpty }
        for temperature in temperatures where !about.contains(where: { $0.agrees(with: temperature) }) { return true }
        for condition in conditions where !about.contains(where: { $0.condition == condition }) { return true }
        return false
    }

    public func facts(in result: String) -> [String] {
        if result.hasPrefix("Weather data not available") { return ["weather data not available"] }
        guard let report = Report(result) else { return [result] }
        return [report.place, report.description, report.temperatureText]
    }

    /// A report as the tool words it (SPEC 4.2).
    struct Report {
        var place: String
        var description: String
        var condition: Condition?
        /// The temperature and what it feels like, in the report's scale.
        var degrees: [Double]
        var celsius: Bool
        var temperatureText: String

        init?(_ text: String) {
            guard text.hasPrefix("Current weather in "), let colon = text.range(of: ": ") else { return nil }
            let placeAndCountry = text[text.index(text.startIndex, offsetBy: 19)..<colon.lowerBound]
            place = String(placeAndCountry.split(separator: ",").first ?? placeAndCountry)
            let rest = text[colon.upperBound...]
            description = String(rest.split(separator: ",").first ?? rest)
            condition = WeatherClaims.conditions(in: description.lowercased()).first
            let matches = rest.matches(of: /(-?\d+)°([FC])/)
            guard let first = matches.first else { return nil }
            degrees = matches.compactMap { Double($0.1) }
            celsius = first.2 == "C"
            temperatureText = String(first.0)
        }

        /// Whether a stated temperature is one of the report's (in its scale or the other, to the
        /// degree).
        func agrees(with stated: (value: Double, scale: Character?)) -> Bool {
            degrees.contains { value in
                let inCelsius = celsius ? value : (value - 32) * 5 / 9
                let inFahrenheit = celsius ? value * 9 / 5 + 32 : value
                switch stated.scale {
                case "c": return abs(inCelsius - stated.value) < 1.01
                case "f": return abs(inFahrenheit - stated.value) < 1.01
                default: return abs(inCelsius - stated.value) < 1.01 || abs(inFahrenheit - stated.value) < 1.01
                }
            }
        }
    }

    enum Condition: CaseIterable { case clear, cloudy, fog, rain, snow, thunder }

    nonisolated(unsafe) private static let temperature =
        /(-?\d+(?:\.\d+)?)\s*(?:°\s*([fc])?|degrees?(?:\s+(fahrenheit|celsius|f|c)\b)?)/

    /// Temperatures a (lower-cased) sentence states, with their scale when it says one.
    static func temperatures(in lower: String) -> [(value: Double, scale: Character?)] {
        lower.matches(of: temperature).compactMap { match in
            guard let value = Double(match.1) else { return nil }
            return (value, (match.2 ?? match.3).flatMap(\.first))
        }
    }

    private static let conditionWords: [(Condition, [String])] = [
        (.thunder, ["thunder", "storm"]), (.snow, ["snow", "sleet", "blizzard"]),
        (.rain, ["rain", "drizzle", "shower", "wet"]), (.fog, ["fog", "mist"]),
        (.cloudy, ["cloud", "overcast", "grey", "gray"]), (.clear, ["clear sk", "mainly clear", "sunny", "sunshine"]),
    ]

    /// The kinds of conditions a (lower-cased) text states, not those it denies ("no rain").
    static func conditions(in lower: String) -> [Condition] {
        var found: [Condition] = []
        for (condition, words) in conditionWords {
            for word in words {
                guard let range = lower.range(of: word) else { continue }
                let before = lower[..<range.lowerBound].split(separator: " ").suffix(3)
                if before.contains(where: { ["no", "not", "without", "isn't", "won't", "zero"].contains($0) }) { continue }
                if !found.contains(condition) { found.append(condition) }
                break
            }
        }
        return found
    }
}
