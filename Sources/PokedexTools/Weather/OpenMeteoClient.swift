import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PokedexHTTP
import PokedexRecovery

/// Open-Meteo's geocoding and forecast APIs (no key). Failures are reported as
/// ``ServiceFailure`` so that recovery can retry what may pass; nothing here retries or invents data.
public struct OpenMeteoClient: Sendable {
    /// A place found by geocoding.
    public struct Place: Sendable, Equatable, Decodable {
        public var name: String
        public var country: String?
        public var countryCode: String?
        public var latitude: Double
        public var longitude: Double

        enum CodingKeys: String, CodingKey {
            case name, country, latitude, longitude
            case countryCode = "country_code"
        }
    }

    private let weatherURL: String
    private let geocodingURL: String
    private let http: ServiceHTTP
    private let now: @Sendable () -> Date

    /// - Parameters:
    ///   - weatherURL: scheme and host of the forecast API (`POKEDEX_WEATHER_URL`).
    ///   - geocodingURL: scheme and host of the geocoding API (`POKEDEX_GEOCODING_URL`).
    ///   - now: the wall clock a `Retry-After` date is measured against.
    public init(
        weatherURL: String = "https://api.open-meteo.com",
        geocodingURL: String = "https://geocoding-api.open-meteo.com",
        http: HTTPClient = .services, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.weatherURL = weatherURL.trimmingTrailingSlash()
        self.geocodingURL = geocodingURL.trimmingTrailingSlash()
        self.http = ServiceHTTP(http: http, service: "Open-Meteo")
        self.now = now
    }

    /// The best match for a place name, or nil when there is none.
    public func place(named name: String, timeLimit: Duration) async throws -> Place? {
        try await places(named: name, count: 1, timeLimit: timeLimit).first
    }

    /// The place a name means as people write it: the whole name if the geocoder knows it, else
    /// its first words, with the rest read as the country ("vienna austria", "lisbon pt") or as a
    /// spot in the place ("wroclaw yard", "ostrava depot"). The report names the place found, so
    /// the reader sees which one it is.
    public func place(matching name: String, timeLimit: Duration) async throws -> Place? {
        if let place = try await place(named: name, timeLimit: timeLimit) { return place }
        let words = name.split(separator: " ")
        for cut in stride(from: words.count - 1, through: 1, by: -1) {
            let head = words[..<cut].joined(separator: " ")
            let rest = words[cut...].joined(separator: " ").lowercased()
            guard head.count >= 3 else { continue }
            let found = try await places(named: head, count: 10, timeLimit: timeLimit)
            guard let first = found.first else { continue }
            return found.first { $0.country?.lowercased() == rest || $0.countryCode?.lowercased() == rest } ?? first
        }
        return nil
    }

    private func places(named name: String, count: Int, timeLimit: Duration) async throws -> [Place] {
        struct Found: Decodable { var results: [Place]? }  // absent when nothing matched
        let url = "\(geocodingURL)/v1/search?name=\(name.queryEncoded)&count=\(count)&language=en&format=json"
        return try await get(url, as: Found.self, timeLimit: timeLimit).results ?? []
    }

    /// Current conditions at a place.
    public func current(at place: Place, units: WeatherReport.Units, timeLimit: Duration) async throws -> WeatherReport
    {
        struct Forecast: Decodable {
            struct Current: Decodable {
                var temperature_2m: Double
                var apparent_temperature: Double
                var relative_humidity_2m: Double
                var weather_code: Int
                var wind_speed_10m: Double
                var wind_direction_10m: Double
            }
            var current: Current
        }
        let speed = units == .fahrenheit ? "mph" : "kmh"
        let url =
            "\(weatherURL)/v1/forecast?latitude=\(place.latitude)&longitude=\(place.longitude)"
            + "&current=temperature_2m,relative_humidity_2m,apparent_temperature,weather_code,wind_speed_10m,wind_direction_10m"
            + "&temperature_unit=\(units.rawValue)&wind_speed_unit=\(speed)&timezone=auto"
        let current = try await get(url, as: Forecast.self, timeLimit: timeLimit).current
        return WeatherReport(
            place: place.name, country: place.country ?? "", weatherCode: current.weather_code,
            temperature: current.temperature_2m, feelsLike: current.apparent_temperature,
            humidity: Int(current.relative_humidity_2m.rounded()), windSpeed: current.wind_speed_10m,
            windDirection: current.wind_direction_10m, units: units)
    }

    private func get<T: Decodable>(_ url: String, as type: T.Type, timeLimit: Duration) async throws -> T {
        let (status, headers, body) = try await http.send(
            HTTPClientRequest(url: url), timeLimit: timeLimit, maxBody: 1 << 20)
        guard (200..<300).contains(status) else {
            let reason = (try? JSONDecoder().decode(Problem.self, from: body))?.reason ?? "error"
            throw ServiceFailure(
                .http(status: status), "Open-Meteo: \(reason)",
                retryAfter: headers.first(name: "Retry-After").flatMap { RetryAfter.parse($0, now: now()) })
        }
        do {
            return try JSONDecoder().decode(T.self, from: body)
        } catch {
            throw ServiceFailure(.invalidResponse, "Open-Meteo sent an answer that could not be read")
        }
    }
}

/// Open-Meteo's error body: `{"error": true, "reason": "…"}`.
private struct Problem: Decodable {
    var reason: String?
}

extension String {
    fileprivate func trimmingTrailingSlash() -> String {
        hasSuffix("/") ? String(dropLast()) : self
    }
}
