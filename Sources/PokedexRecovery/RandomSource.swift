import Foundation

/// Where jitter comes from; injected so tests get the same delays every run.
public protocol RandomSource: Sendable {
    /// A number in [0, 1).
    func nextUnit() -> Double
}

/// The system's random numbers.
public struct SystemRandomSource: RandomSource {
    public init() {}
    public func nextUnit() -> Double { Double.random(in: 0..<1) }
}

/// A reproducible sequence (SplitMix64) from a seed.
public final class SeededRandomSource: RandomSource, @unchecked Sendable {
    private let lock = NSLock()
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public func nextUnit() -> Double {
        Double(nextValue() >> 11) / Double(1 << 53)
    }

    /// The next 64 random bits.
    public func nextValue() -> UInt64 {
        lock.withLock {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }
}
