import Foundation

/// Millisecond UTC timestamps: the stored form (an integer) and the exported form (ISO 8601).
public enum Timestamp {
    /// Milliseconds since 1970 for a date, rounded to the nearest millisecond.
    public static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// The date for milliseconds since 1970.
    public static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// `2026-11-25T09:11:40.123Z`: always UTC, always three fractional digits, so exports are stable.
    public static func iso8601(_ date: Date) -> String {
        let ms = milliseconds(date)
        let seconds = ms.floorDiv(1000)
        let fraction = ms - seconds * 1000
        let whole = Date(timeIntervalSince1970: Double(seconds)).formatted(.iso8601)
        // `whole` ends in "Z"; insert the milliseconds before it.
        return whole.dropLast() + "." + String(format: "%03d", fraction) + "Z"
    }

    /// Parses ISO 8601 with or without fractional seconds, with `Z` or an offset.
    public static func parse(_ text: String) -> Date? {
        if let date = try? Date.ISO8601FormatStyle(includingFractionalSeconds: true).parse(text) {
            return date
        }
        return try? Date.ISO8601FormatStyle().parse(text)
    }
}

extension Int64 {
    fileprivate func floorDiv(_ divisor: Int64) -> Int64 {
        let q = self / divisor
        return (self % divisor != 0 && (self < 0) != (divisor < 0)) ? q - 1 : q
    }
}
