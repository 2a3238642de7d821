import Foundation

/// Reads configuration values given as text (from a file or an environment variable), so every
/// module parses `10m`, `0.2` or `30` the same way and names the key when a value is wrong.
public enum SettingParser {
    /// A whole number in `range` (a number too large for it, or not a whole number, is an error
    /// naming the range, never a crash).
    public static func integer(
        _ value: String, key: String, in range: ClosedRange<Int> = 1...Int.max
    ) throws(SettingError) -> Int {
        guard let number = Int(value.trimmingCharacters(in: .whitespaces)), range.contains(number) else {
            let bound =
                switch (range.lowerBound, range.upperBound) {
                case (1, Int.max): "a positive whole number"
                case (let low, Int.max): "a whole number of at least \(low)"
                case (let low, let high): "a whole number from \(low) to \(high)"
                }
            throw SettingError(key: key, message: "must be \(bound) (got '\(value)')")
        }
        return number
    }

    /// A finite number in `range`.
    public static func number(
        _ value: String, key: String, in range: ClosedRange<Double>
    ) throws(SettingError) -> Double {
        guard let number = decimal(value.trimmingCharacters(in: .whitespaces)), range.contains(number) else {
            throw SettingError(
                key: key, message: "must be a number from \(range.lowerBound) to \(range.upperBound) (got '\(value)')")
        }
        return number
    }

    /// The durations any setting may take unless it says otherwise: a millisecond to ten years.
    public static let durations: ClosedRange<Duration> = .milliseconds(1)...(.seconds(10 * 365 * 86400))

    /// A duration in `range`: plain seconds (`600`, `0.5`) or a number with a unit: `500ms`, `90s`,
    /// `10m`, `24h`, `7d`. A value out of the range (or too large to represent) is an error naming
    /// the range, never a crash.
    public static func duration(
        _ value: String, key: String, in range: ClosedRange<Duration> = durations
    ) throws(SettingError) -> Duration {
        let text = value.trimmingCharacters(in: .whitespaces).lowercased()
        let units: [(suffix: String, seconds: Double)] = [
            ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400),
        ]
        var number = text
        var scale = 1.0
        for unit in units where text.hasSuffix(unit.suffix) {
            number = String(text.dropLast(unit.suffix.count))
            scale = unit.seconds
            break
        }
        guard let amount = decimal(number), amount > 0 else {
            throw SettingError(
                key: key, message: "must be a positive duration such as 600, 90s, 10m or 24h (got '\(value)')")
        }
        let milliseconds = (amount * scale * 1000).rounded()
        let bounds = Double(range.lowerBound.milliseconds)...Double(range.upperBound.milliseconds)
        guard bounds.contains(milliseconds) else {
            throw SettingError(
                key: key,
                message: "must be from \(bound(range.lowerBound)) to \(bound(range.upperBound)) (got '\(value)')")
        }
        return .milliseconds(Int64(milliseconds))
    }

    /// A number written in decimal digits (`30`, `0.5`, `-2`), nothing else: Swift's `Double`
    /// also reads `0x10` as 16, `1e3`, `nan` and `infinity`, which no one means in a setting.
    private static func decimal(_ text: String) -> Double? {
        guard text.wholeMatch(of: /[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)/) != nil else { return nil }
        return Double(text)
    }

    /// An http or https URL with a host, returned trimmed and without a trailing slash.
    public static func url(_ value: String, key: String) throws(SettingError) -> String {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard let url = URL(string: trimmed), ["http", "https"].contains(url.scheme?.lowercased() ?? ""),
            url.host?.isEmpty == false
        else {
            throw SettingError(key: key, message: "must be an http or https URL such as https://host (got '\(value)')")
        }
        return trimmed.hasSuffix("/") ? String(trimmed.dropLast()) : trimmed
    }

    /// `true`/`false` (also `yes`/`no`, `on`/`off`, `1`/`0`), case-insensitive.
    public static func boolean(_ value: String, key: String) throws(SettingError) -> Bool {
        switch value.trimmingCharacters(in: .whitespaces).lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw SettingError(key: key, message: "must be true or false (got '\(value)')")
        }
    }

    /// A comma-separated list; spaces around items and empty items are dropped.
    public static func list(_ value: String) -> [String] {
        value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// A duration as a setting would be written: `90s`, `1500ms`.
    public static func text(_ duration: Duration) -> String {
        let milliseconds = duration.milliseconds
        return milliseconds % 1000 == 0 ? "\(milliseconds / 1000)s" : "\(milliseconds)ms"
    }

    /// A bound in an error message, in its largest whole unit: `1s`, `1h`, `3650d`.
    private static func bound(_ duration: Duration) -> String {
        let milliseconds = duration.milliseconds
        for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1000)]
        where milliseconds >= size && milliseconds % size == 0 {
            return "\(milliseconds / size)\(unit)"
        }
        return "\(milliseconds)ms"
    }

    /// One of a fixed set of words, case-insensitive.
    public static func choice<T: RawRepresentable & CaseIterable>(
        _ value: String, key: String, as type: T.Type
    ) throws(SettingError) -> T where T.RawValue == String {
        guard let parsed = T(rawValue: value.lowercased()) else {
            let accepted = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw SettingError(key: key, message: "must be one of \(accepted) (got '\(value)')")
        }
        return parsed
    }
}

/// A configuration value that cannot be used, with the key it belongs to.
public struct SettingError: Error, Equatable, Sendable, CustomStringConvertible {
    public var key: String
    public var message: String

    public init(key: String, message: String) {
        self.key = key
        self.message = message
    }

    public var description: String { "\(key) \(message)" }
}
