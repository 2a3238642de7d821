import Foundation

/// The source of "now" for timestamps and expiry; injected so tests control time.
public protocol WallClock: Sendable {
    /// The current date.
    var currentDate: Date { get }
}

/// The real time of day.
public struct SystemWallClock: WallClock {
    public init() {}
    public var currentDate: Date { Date() }
}
