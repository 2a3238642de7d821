import CoreMetrics
import Foundation
import Logging
import PokedexSettings
import Synchronization

/// The one place that decides about retries, time limits, tool availability and fallbacks
/// (SPEC section 2). Every call to a tool or service goes through ``call(_:idempotent:_:)``;
/// nothing else in Pokedex retries or sleeps on its own. It knows services only by name: their
/// defaults are declared by the tools (``RecoveryConfiguration/declare(_:_:)``).
///
/// Waiting is always asynchronous (the injected clock's `sleep`) and cancellable: cancelling the
/// turn's task stops its retries at once.
public final class Recovery: Sendable {
    public let configuration: RecoveryConfiguration
    private let clock: RecoveryClock
    private let wallClock: @Sendable () -> Date
    private let random: any RandomSource
    private let logger: Logger
    /// Where recovery's instruments go, and the turn pipeline's: one registry per process.
    public let metricsFactory: any MetricsFactory
    private let started: Duration
    private let tools = Mutex<[ToolName: (breaker: CircuitBreaker, metrics: ToolMetrics)]>([:])
    private let watchdog: TimeoutWatchdog

    /// - Parameters:
    ///   - configuration: policies, thresholds and windows.
    ///   - clock: what delays, timeouts, deadlines and windows are measured on.
    ///   - wallClock: today's date, for the times in the health report.
    ///   - random: the source of jitter.
    ///   - logger: where warnings (such as a high error rate) go.
    ///   - metrics: the swift-metrics factory; the global one by default.
    public init(
        configuration: RecoveryConfiguration = .init(), clock: any Clock<Duration> = ContinuousClock(),
        wallClock: @escaping @Sendable () -> Date = { Date() }, random: any RandomSource = SystemRandomSource(),
        logger: Logger = Logger(label: "pokedex.recovery"), metrics: (any MetricsFactory)? = nil
    ) {
        self.configuration = configuration
        self.clock = RecoveryClock(clock)
        self.watchdog = TimeoutWatchdog(clock: self.clock)
        self.wallClock = wallClock
        self.random = random
        self.logger = logger
        self.metricsFactory = metrics ?? MetricsSystem.factory
        self.started = self.clock.now()
        for service in configuration.services { _ = books(for: service) }
    }

    /// Calls a tool under its recovery policy.
    /// - Parameters:
    ///   - tool: which service's policy and breaker apply.
    ///   - idempotent: false for actions such as host containment, which are never retried.
    ///   - operation: one attempt; it should throw ``ServiceFailure`` so recovery can tell transient
    ///     failures from permanent ones, and must honour task cancellation.
    /// - Returns: the value, or why there is none. It never throws.
    public func call<T: Sendable>(
        _ tool: ToolName, idempotent: Bool = true,
        _ operation: @escaping @Sendable (Attempt) async throws -> T
    ) async -> CallOutcome<T> {
        let (breaker, metrics) = books(for: tool)
        let policy = configuration.policy(for: tool)
        metrics.calls.increment()
        let admission = breaker.admit(now: clock.now())
        if case .reject(let nextProbe) = admission {
            return fallBack(.unavailable(nextProbe: nextProbe.map(date)), metrics)
        }
        let isProbe = admission == .probe
        if isProbe { metrics.record(.probing) }
        // A probe is one attempt: its job is to find out, not to insist.
        let attempts = idempotent && !isProbe ? policy.attempts : 1
        // Ends the call without a verdict on the tool (the turn was cancelled or ran out of time).
        func abandon(_ reason: FailureReason) -> CallOutcome<T> {
            breaker.abandon(now: clock.now(), probe: isProbe)
            if isProbe { metrics.record(breaker.snapshot(now: clock.now()).state) }
            return fallBack(reason, metrics)
        }

        var attempt = 0
        while true {
            attempt += 1
            let remaining = remainingTime()
            if let remaining, remaining <= .zero {
                return abandon(.deadlineExceeded(attempts: attempt - 1))
            }
            let limit = min(policy.timeout, remaining ?? policy.timeout)
            let failure: ServiceFailure
            do {
                let details = Attempt(number: attempt, timeLimit: limit, isProbe: isProbe)
                let value = try await withTimeLimit(limit) { try await operation(details) }
                if breaker.recordSuccess(now: clock.now(), probe: isProbe) {
                    logger.notice("\(tool) is back in service", metadata: ["tool": "\(tool)"])
                }
                if isProbe { metrics.record(.available) }
                return .success(value, attempts: attempt)
            } catch is CancellationError where Task.isCancelled {
                return abandon(.cancelled)
            } catch let error as ServiceFailure {
                failure = error
            } catch {
                // Only the error's type: its text could hold anything, secrets included.
                failure = ServiceFailure(.invalidRequest, "unexpected error (\(type(of: error)))")
            }
            if case .timeout = failure.kind, limit < policy.timeout {
                // Cut short by the turn's deadline, not by the tool's own time limit.
                return abandon(.deadlineExceeded(attempts: attempt))
            }
            let timedOut = if case .timeout = failure.kind { true } else { false }
            guard failure.isTransient, attempt < attempts, !(timedOut && !policy.retryAfterTimeout),
                let wait = retryWait(policy, attempt, failure)
            else {
                return fail(tool, failure, attempts: attempt, probe: isProbe, breaker, metrics)
            }
            metrics.retries.increment()
            do {
                try await clock.sleep(wait)
            } catch {
                return abandon(.cancelled)
            }
        }
    }

    /// How long to wait before the next attempt, or nil when waiting would run past the deadline
    /// (then the call fails fast instead of sleeping in vain).
    private func retryWait(_ policy: RetryPolicy, _ attempt: Int, _ failure: ServiceFailure) -> Duration? {
        var wait = policy.delay(beforeRetry: attempt - 1, unit: policy.jitter > 0 ? random.nextUnit() : 0.5)
        if let asked = failure.retryAfter { wait = max(wait, asked) }
        if let remaining = remainingTime(), wait >= remaining { return nil }
        return wait
    }

    private func fail<T>(
        _ tool: ToolName, _ failure: ServiceFailure, attempts: Int, probe: Bool,
        _ breaker: CircuitBreaker, _ metrics: ToolMetrics
    ) -> CallOutcome<T> {
        metrics.failures.increment()
        // What an operator needs to act on an outage, at warning: the service, and why (failure
        // messages are written to hold no secrets).
        logger.warning(
            "\(tool) call failed: \(failure.description)",
            metadata: ["tool": "\(tool)", "attempts": "\(attempts)", "probe": "\(probe)"])
        let effect = breaker.recordFailure(now: clock.now(), message: failure.description, probe: probe)
        metrics.record(breaker.snapshot(now: clock.now()).state)
        if let coolDown = effect.opened {
            logger.warning(
                "\(tool) is out of service after \(effect.count) failures; it is tried again in \(SettingParser.text(coolDown))",
                metadata: ["tool": "\(tool)"])
        }
        let count = effect.count
        if count > configuration.warningThreshold {
            logger.warning("High error rate for \(tool): \(count) errors in last hour")
        }
        return fallBack(.failed(failure, attempts: attempts), metrics)
    }
}

extension Recovery {
    private func fallBack<T>(_ reason: FailureReason, _ metrics: ToolMetrics) -> CallOutcome<T> {
        metrics.fallbacks.increment()
        return .failure(reason)
    }

    /// The breaker and instruments of a tool, created on first use.
    private func books(for tool: ToolName) -> (breaker: CircuitBreaker, metrics: ToolMetrics) {
        tools.withLock { tools in
            if let existing = tools[tool] { return existing }
            let created = (
                CircuitBreaker(
                    tool: tool, threshold: configuration.threshold(for: tool), window: configuration.window,
                    coolDown: configuration.coolDown, maxCoolDown: configuration.maxCoolDown),
                ToolMetrics(tool: tool, factory: metricsFactory)
            )
            created.1.record(.available)
            tools[tool] = created
            return created
        }
    }

    /// Runs one attempt, giving up with a ``ServiceFailure/Kind/timeout`` after `limit`.
    ///
    /// The attempt runs in a task of its own so that it can be cancelled alone, and the caller
    /// returns at the limit even if the attempt ignores cancellation. The task starts on the
    /// caller's thread (`Task.immediate`), so an attempt that finishes without suspending costs no
    /// thread hop.
    private func withTimeLimit<T: Sendable>(
        _ limit: Duration, _ attempt: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let deadline = clock.now() + limit
        let race = AttemptRace<T>()
        let work = Task.immediate {
            do {
                race.finish(.success(try await attempt()))
            } catch {
                race.finish(.failure(error))
            }
        }
        let timer = watchdog.schedule(at: deadline) {
            race.finish(.failure(ServiceFailure(.timeout, "no answer within \(limit.seconds) s")))
            work.cancel()
        }
        defer { watchdog.cancel(timer) }
        return try await withTaskCancellationHandler {
            try await race.wait()
        } onCancel: {
            race.finish(.failure(CancellationError()))
            work.cancel()
        }
    }

    /// Today's date and time, from the wall clock recovery was given (tests inject theirs).
    public func currentDate() -> Date { wallClock() }

    /// The wall-clock date of an instant on the recovery clock.
    private func date(_ instant: Duration) -> Date {
        wallClock().addingTimeInterval((instant - clock.now()).seconds)
    }

    // MARK: Deadlines

    /// Runs a user turn with a deadline (SPEC 2.2: default 30 s, `assistant.deadline`). Every guarded
    /// call inside it, however deeply nested, stops retrying and shortens its time limits so as to
    /// end by then. A deadline already in force is never extended.
    public func withDeadline<T>(_ limit: Duration, _ body: () async throws -> T) async rethrows -> T {
        let deadline = clock.now() + limit
        return try await TurnDeadline.$current.withValue(min(deadline, TurnDeadline.current ?? deadline)) {
            try await body()
        }
    }

    /// Time left before the current turn's deadline; nil outside a turn.
    public func remainingTime() -> Duration? {
        TurnDeadline.current.map { $0 - clock.now() }
    }

    // MARK: Availability and operators

    /// Whether a call to the tool would go through now; the model is offered only such tools.
    public func isAvailable(_ tool: ToolName) -> Bool {
        books(for: tool).breaker.isAvailable(now: clock.now())
    }

    /// An operator's override: force a tool available or unavailable, or (nil) let recovery decide.
    public func force(_ tool: ToolName, available: Bool?) {
        let (breaker, metrics) = books(for: tool)
        breaker.force(available.map { $0 ? .available : .unavailable })
        metrics.record(breaker.snapshot(now: clock.now()).state)
    }

    /// An operator's reset: clears a tool's failure count and makes it available.
    public func reset(_ tool: ToolName) {
        let (breaker, metrics) = books(for: tool)
        breaker.reset(now: clock.now())
        metrics.record(.available)
    }

    /// Every tool's health (SPEC 2.7).
    public func healthReport() -> HealthReport {
        let now = clock.now()
        let snapshots = tools.withLock { tools in
            tools.map { tool, books in
                (tool, books.breaker.snapshot(now: now), configuration.threshold(for: tool))
            }
        }
        var report = HealthReport(
            timestamp: wallClock(), errorCounts: [:], toolAvailability: [:], lastReset: date(started), tools: [:])
        for (tool, snapshot, threshold) in snapshots {
            report.errorCounts[tool.rawValue] = snapshot.failuresInWindow
            report.toolAvailability[tool.rawValue] = snapshot.state == .available
            if let reset = snapshot.lastReset { report.lastReset = max(report.lastReset, date(reset)) }
            report.tools[tool.rawValue] = ToolHealth(
                state: snapshot.state, forced: snapshot.forced, failuresInWindow: snapshot.failuresInWindow,
                threshold: threshold,
                lastError: snapshot.lastError.map { ToolHealth.LastError(message: $0.message, time: date($0.at)) },
                lastSuccess: snapshot.lastSuccess.map(date), nextProbe: snapshot.nextProbe.map(date))
        }
        return report
    }
}
