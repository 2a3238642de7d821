import Foundation
import PokedexSettings

/// Open-Meteo's geocoding (`/v1/search`) and forecast (`/v1/forecast`) APIs on a loopback port,
/// with their real wire format: `results` absent when nothing matches, parallel unit conversions,
/// and `{"error": true, "reason": …}` with HTTP 400 for bad parameters.
public struct OpenMeteoSimulator: Sendable {
    /// A place the simulator knows, with its conditions in metric units.
    public struct Place: Sendable {
        public var name: String
        public var country: String
        public var latitude: Double
        public var longitude: Double
        public var temperatureCelsius: Double
        public var feelsLikeCelsius: Double
        public var humidity: Int
        public var weatherCode: Int
        public var windKilometresPerHour: Double
        public var windDirection: Double
        /// ISO 3166-1 alpha-2, as the geocoder gives it.
        public var countryCode: String

        public init(
            name: String, country: String, latitude: Double, longitude: Double, temperatureCelsius: Double,
            feelsLikeCelsius: Double, humidity: Int, weatherCode: Int, windKilometresPerHour: Double,
            windDirection: Double, countryCode: String = "XX"
        ) {
            self.name = name
            self.country = country
            self.countryCode = countryCode
            self.latitude = latitude
            self.longitude = longitude
            self.temperatureCelsius = temperatureCelsius
            self.feelsLikeCelsius = feelsLikeCelsius
            self.humidity = humidity
            self.weatherCode = weatherCode
            self.windKilometresPerHour = windKilometresPerHour
            self.windDirection = windDirection
        }
    }

    public static let berlin = Place(
        name: "Berlin", country: "Germany", latitude: 52.52, longitude: 13.41, temperatureCelsius: 5,
        feelsLikeCelsius: 2, humidity: 81, weatherCode: 3, windKilometresPerHour: 16.09344, windDirection: 247.5)
    public static let oslo = Place(
        name: "Oslo", country: "Norway", latitude: 59.91, longitude: 10.75, temperatureCelsius: -3,
        feelsLikeCelsius: -3, humidity: 90, weatherCode: 71, windKilometresPerHour: 0, windDirection: 0)

    public let server: LoopbackHTTPServer
    public let faults: FaultInjector
    private let log: RequestLog

    /// Both APIs' base URL (scheme and host), for `POKEDEX_WEATHER_URL` and `POKEDEX_GEOCODING_URL`.
    public var baseURL: String { server.baseURL }
    /// The paths requested so far, in order.
    public var requestedPaths: [String] { log.paths }

    public static func start(
        places: [Place] = [berlin, oslo], faults: FaultInjector = FaultInjector()
    ) async throws
        -> OpenMeteoSimulator
    {
        let log = RequestLog()
        let server = try await LoopbackHTTPServer.start(faults: faults) { request in
            log.record(request.path)
            switch request.path {
            case "/v1/search": return search(request, places)
            case "/v1/forecast": return forecast(request, places)
            default: return .json(#"{"error":true,"reason":"Not Found"}"#, status: 404)
            }
        }
        return OpenMeteoSimulator(server: server, faults: faults, log: log)
    }

    public func stop() async throws { try await server.stop() }

    private static func search(_ request: LoopbackHTTPServer.Request, _ places: [Place]) -> LoopbackHTTPServer.Response
    {
        guard let name = request.queryValue("name") else {
            return .json(#"{"error":true,"reason":"Parameter 'name' is missing"}"#, status: 400)
        }
        let count = request.queryValue("count").flatMap(Int.init) ?? 10
        let found = matches(name, in: places).prefix(max(1, min(count, 100)))
        guard !found.isEmpty else { return .json(#"{"generationtime_ms":0.31}"#) }
        let results = found.enumerated().map { index, place in
            #"{"id":\#(index + 1),"name":"\#(place.name)","latitude":\#(place.latitude),"longitude":\#(place.longitude),"#
                + #""country":"\#(place.country)","country_code":"\#(place.countryCode)","timezone":"Europe/Berlin"}"#
        }
        return .json(#"{"results":["# + results.joined(separator: ",") + #"],"generationtime_ms":0.52}"#)
    }

    /// As Open-Meteo documents its search: two characters match exactly; three and more match
    /// fuzzily — here a prefix ("buenos" finds Buenos Aires) or a small misspelling (one edit, two
    /// for names of eight letters or more; diacritics aside: "sao paulo" finds São Paulo).
    /// Every match, the closest first.
    static func matches(_ name: String, in places: [Place]) -> [Place] {
        func folded(_ text: String) -> String { text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil) }
        let wanted = folded(name.trimmingCharacters(in: .whitespaces))
        let exact = places.filter { folded($0.name) == wanted }
        guard wanted.count >= 3 else { return exact }
        let prefix = places.filter { folded($0.name).hasPrefix(wanted) && folded($0.name) != wanted }
        let allowed = wanted.count >= 8 ? 2 : 1
        let fuzzy = places.filter { place in
            let known = folded(place.name)
            return !known.hasPrefix(wanted) && abs(known.count - wanted.count) <= allowed
                && editDistance(Array(known), Array(wanted)) <= allowed
        }
        return exact + prefix + fuzzy
    }

    private static func forecast(
        _ request: LoopbackHTTPServer.Request, _ places: [Place]
    ) -> LoopbackHTTPServer.Response {
        guard let latitude = request.queryValue("latitude").flatMap(Double.init),
            let longitude = request.queryValue("longitude").flatMap(Double.init)
        else {
            return .json(
                #"{"error":true,"reason":"Parameter 'latitude' and 'longitude' must have the same number of elements"}"#,
                status: 400)
        }
        let known: Set = [
            "temperature_2m", "relative_humidity_2m", "apparent_temperature", "weather_code", "wind_speed_10m",
            "wind_direction_10m",
        ]
        let asked = (request.queryValue("current") ?? "").split(separator: ",").map(String.init)
        if let unknown = asked.first(where: { !known.contains($0) }) {
            return .json(
                #"{"error":true,"reason":"Cannot initialize WeatherVariable from invalid String value \#(unknown)"}"#,
                status: 400)
        }
        let place = places.min {
            abs($0.latitude - latitude) + abs($0.longitude - longitude) < abs($1.latitude - latitude)
                + abs($1.longitude - longitude)
        }!
        let fahrenheit = request.queryValue("temperature_unit") == "fahrenheit"
        let mph = request.queryValue("wind_speed_unit") == "mph"
        func temperature(_ celsius: Double) -> Double { fahrenheit ? (celsius * 9 / 5 + 32) : celsius }
        let wind = mph ? place.windKilometresPerHour / 1.609344 : place.windKilometresPerHour
        return .json(
            #"{"latitude":\#(place.latitude),"longitude":\#(place.longitude),"timezone":"GMT","utc_offset_seconds":0,"#
                + #""current":{"time":"2026-11-25T10:00","interval":900,"temperature_2m":\#(temperature(place.temperatureCelsius)),"#
                + #""relative_humidity_2m":\#(place.humidity),"apparent_temperature":\#(temperature(place.feelsLikeCelsius)),"#
                + #""weather_code":\#(place.weatherCode),"wind_speed_10m":\#(wind),"wind_direction_10m":\#(place.windDirection)}}"#
        )
    }
}

/// Paths a simulator was asked for.
final class RequestLog: @unchecked Sendable {
    private let lock = NSLock()
    private var recorded: [String] = []

    func record(_ path: String) { lock.withLock { recorded.append(path) } }
    var paths: [String] { lock.withLock { recorded } }
}
