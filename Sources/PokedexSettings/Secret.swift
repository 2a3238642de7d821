import Foundation

/// A value that must never be printed: a token, a password, a client secret.
///
/// Every way Swift turns a value into text (`"\(secret)"`, `String(describing:)`, `dump`, a
/// logger's metadata, `print` of a configuration that holds one) shows `********`, so a new
/// setting or a new log line cannot leak it by accident. The value itself is read only through
/// ``revealed``, where it is sent to the service that needs it — a name that is easy to review.
public struct Secret: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible,
    CustomReflectable, ExpressibleByStringLiteral
{
    /// The clear value, for the one place that hands it to its service.
    public let revealed: String

    public init(_ value: String) { revealed = value }

    public init(stringLiteral value: String) { revealed = value }

    public var isEmpty: Bool { revealed.isEmpty }

    /// `********`, or nothing when there is no secret (so "not set" stays visible).
    public var description: String { revealed.isEmpty ? "" : Self.mask }

    public var debugDescription: String { description }

    public var customMirror: Mirror { Mirror(self, children: [], displayStyle: .struct) }

    public static let mask = "********"

    /// A URL with its password masked (`postgres://user:pw@host` → `postgres://user:***@host`);
    /// any other text as it is.
    public static func maskingPassword(in text: String) -> String {
        guard text.contains("://"), var components = URLComponents(string: text), components.password != nil else {
            return text
        }
        components.password = "***"
        return components.string ?? text
    }
}
