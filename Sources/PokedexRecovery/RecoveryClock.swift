/// Monotonic time on an injected clock, as offsets from when recovery was created: what backoff,
/// deadlines, windows and cool-downs are measured on. A test clock makes all of them instant.
public struct RecoveryClock: Sendable {
    public let now: @Sendable () -> Duration
    public let sleep: @Sendable (Duration) async throws -> Void

    public init<C: Clock>(_ clock: C) where C.Duration == Duration {
        let origin = clock.now
        now = { origin.duration(to: clock.now) }
        sleep = { duration in try await clock.sleep(until: clock.now.advanced(by: duration), tolerance: nil) }
    }
}

/// The deadline of the current user turn, as a task-local value, so every nested call (tool,
/// retry, LLM) sees it without passing it along. Set with ``Recovery/withDeadline(_:_:)``.
enum TurnDeadline {
    /// The deadline as an offset on the recovery clock; nil outside a turn.
    @TaskLocal static var current: Duration?
}
