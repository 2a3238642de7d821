import Synchronization

/// Takes a failing tool out of service and lets it back in by itself (SPEC 2.3).
///
/// Failures are counted per call in a sliding window. Above the threshold the tool is unavailable;
/// after a cool-down exactly one caller is let through as a probe (however many arrive at once). A
/// successful probe makes the tool available and clears its count; a failed one re-opens it with
/// twice the cool-down, up to a maximum. Successes outside a probe never clear the count, so a tool
/// that fails half the time still trips.
final class CircuitBreaker: Sendable {
    /// What the breaker lets a caller do.
    enum Admission: Equatable {
        case call
        case probe
        case reject(nextProbe: Duration?)
    }

    /// An operator's override.
    enum Forced: String, Sendable {
        case available, unavailable
    }

    private enum Mode {
        case closed
        case open(until: Duration)
        case probing
    }

    private struct State {
        var mode = Mode.closed
        var failures: [Duration] = []
        var reopenings = 0
        var forced: Forced?
        var lastError: (message: String, at: Duration)?
        var lastSuccess: Duration?
        var lastReset: Duration?
    }

    let tool: ToolName
    private let threshold: Int
    private let window: Duration
    private let coolDown: Duration
    private let maxCoolDown: Duration
    private let state = Mutex(State())

    init(tool: ToolName, threshold: Int, window: Duration, coolDown: Duration, maxCoolDown: Duration) {
        self.tool = tool
        self.threshold = threshold
        self.window = window
        self.coolDown = coolDown
        self.maxCoolDown = maxCoolDown
    }

    /// Decides whether a call may go ahead; at most one probe is handed out at a time.
    func admit(now: Duration) -> Admission {
        state.withLock { state in
            switch state.forced {
            case .available: return .call
            case .unavailable: return .reject(nextProbe: nil)
            case nil: break
            }
            switch state.mode {
            case .closed:
                return .call
            case .open(let until) where now >= until:
                state.mode = .probing
                return .probe
            case .open(let until):
                return .reject(nextProbe: until)
            case .probing:
                return .reject(nextProbe: nil)
            }
        }
    }

    /// Whether a call now would be let through (as a call or a probe), without taking the probe.
    func isAvailable(now: Duration) -> Bool {
        state.withLock { state in
            switch (state.forced, state.mode) {
            case (.available, _): true
            case (.unavailable, _): false
            case (nil, .closed): true
            case (nil, .open(let until)): now >= until
            case (nil, .probing): false
            }
        }
    }

    /// Counts a successful call.
    /// - Returns: true when it was the probe that brought the tool back into service.
    @discardableResult
    func recordSuccess(now: Duration, probe: Bool) -> Bool {
        state.withLock { state in
            state.lastSuccess = now
            guard probe else { return false }
            state.mode = .closed
            state.failures.removeAll()
            state.reopenings = 0
            state.lastReset = now
            return true
        }
    }

    /// What a failed call did to the breaker.
    struct FailureEffect {
        /// The failures now in the window.
        var count: Int
        /// The tool was in service and is not any more; it is probed again after this wait.
        var opened: Duration?
    }

    /// Counts a failed call.
    func recordFailure(now: Duration, message: String, probe: Bool) -> FailureEffect {
        state.withLock { state in
            state.failures.append(now)
            prune(&state, now: now)
            state.lastError = (message, now)
            var opened: Duration?
            if probe {
                state.reopenings += 1
                state.mode = .open(until: now + currentCoolDown(state))
            } else if case .closed = state.mode, state.failures.count > threshold {
                state.reopenings = 1
                opened = currentCoolDown(state)
                state.mode = .open(until: now + currentCoolDown(state))
            }
            return FailureEffect(count: state.failures.count, opened: opened)
        }
    }

    /// A probe that ended without a verdict (cancelled, or cut short by the turn's deadline): the
    /// next caller may probe at once.
    func abandon(now: Duration, probe: Bool) {
        guard probe else { return }
        state.withLock { state in
            if case .probing = state.mode { state.mode = .open(until: now) }
        }
    }

    func force(_ forced: Forced?) {
        state.withLock { $0.forced = forced }
    }

    /// Clears the count and closes the breaker (an operator's reset).
    func reset(now: Duration) {
        state.withLock { state in
            state.mode = .closed
            state.failures.removeAll()
            state.reopenings = 0
            state.lastReset = now
        }
    }

    /// The cool-down for the next opening: doubled per re-opening, capped.
    private func currentCoolDown(_ state: State) -> Duration {
        var delay = coolDown
        for _ in 0..<max(0, state.reopenings - 1) where delay < maxCoolDown {
            delay *= 2
        }
        return min(delay, maxCoolDown)
    }

    private func prune(_ state: inout State, now: Duration) {
        let start = now - window
        if let firstKept = state.failures.firstIndex(where: { $0 > start }) {
            state.failures.removeFirst(firstKept)
        } else {
            state.failures.removeAll()
        }
    }

    /// The breaker as the health report shows it.
    struct Snapshot {
        var state: ToolState
        var forced: Bool
        var failuresInWindow: Int
        var lastError: (message: String, at: Duration)?
        var lastSuccess: Duration?
        var lastReset: Duration?
        var nextProbe: Duration?
    }

    func snapshot(now: Duration) -> Snapshot {
        state.withLock { state in
            prune(&state, now: now)
            let toolState: ToolState
            var nextProbe: Duration?
            switch (state.forced, state.mode) {
            case (.available, _): toolState = .available
            case (.unavailable, _): toolState = .unavailable
            case (nil, .closed): toolState = .available
            case (nil, .probing): toolState = .probing
            case (nil, .open(let until)):
                toolState = .unavailable
                nextProbe = until
            }
            return Snapshot(
                state: toolState, forced: state.forced != nil, failuresInWindow: state.failures.count,
                lastError: state.lastError, lastSuccess: state.lastSuccess, lastReset: state.lastReset,
                nextProbe: nextProbe)
        }
    }
}
