import Foundation

/// A failed call to a service, described well enough for recovery to decide what to do: retry
/// (and when), or give up at once. Tool clients throw this; any other error counts as permanent.
public struct ServiceFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Kind: Sendable, Equatable {
        /// The attempt ran out of time.
        case timeout
        /// The service could not be reached or the connection broke.
        case connection
        /// The service answered with this HTTP status.
        case http(status: Int)
        /// The answer could not be understood (malformed body).
        case invalidResponse
        /// The request itself was wrong (bad arguments); sending it again cannot help.
        case invalidRequest
    }

    public var kind: Kind
    /// A short description for logs and health output. Never a secret, never a whole body.
    public var message: String
    /// How long the service asked us to wait (from `Retry-After` or `X-RateLimit-RetryAfter`).
    public var retryAfter: Duration?

    public init(_ kind: Kind, _ message: String, retryAfter: Duration? = nil) {
        self.kind = kind
        self.message = message
        self.retryAfter = retryAfter
    }

    /// Whether trying again may succeed: timeouts, connection errors, HTTP 408, 425, 429 and 5xx.
    /// A malformed body is treated as transient too: it is usually a proxy or a half-deployed service.
    public var isTransient: Bool {
        switch kind {
        case .timeout, .connection, .invalidResponse: true
        case .http(let status): [408, 425, 429].contains(status) || (500...599).contains(status)
        case .invalidRequest: false
        }
    }

    public var description: String {
        switch kind {
        case .http(let status): "HTTP \(status): \(message)"
        default: message
        }
    }
}

/// Reads the wait a rate-limited service asks for.
public enum RetryAfter {
    /// `Retry-After`: either delay-seconds (`120`) or an HTTP date (`Wed, 21 Oct 2026 07:28:00 GMT`).
    /// - Parameter now: the current time, to turn a date into a delay.
    /// - Returns: the delay (zero for a date in the past), or nil when the value is unreadable.
    public static func parse(_ value: String, now: Date) -> Duration? {
        let text = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(text), seconds >= 0 {
            return .seconds(seconds)
        }
        guard let date = httpDate(text) else { return nil }
        return .milliseconds(max(0, Int64((date.timeIntervalSince(now) * 1000).rounded(.up))))
    }

    /// Falcon's `X-RateLimit-RetryAfter`: the epoch second at which to try again (not a delay).
    public static func fromEpochSeconds(_ value: String, now: Date) -> Duration? {
        guard let epoch = Double(value.trimmingCharacters(in: .whitespaces)) else { return nil }
        return .milliseconds(max(0, Int64(((epoch - now.timeIntervalSince1970) * 1000).rounded(.up))))
    }

    private static func httpDate(_ text: String) -> Date? {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        // IMF-fixdate, then the two obsolete forms RFC 9110 still asks recipients to accept.
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: text) { return date }
        }
        return nil
    }
}
