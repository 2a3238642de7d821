/// A duration as the figures people read and APIs take: seconds with a fraction (`1.25`), whole
/// milliseconds (`1250`). Written once here rather than from `components` at each use.
extension Duration {
    /// In seconds, as a floating-point number.
    public var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }

    /// In whole milliseconds (rounded towards zero).
    public var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
