import Foundation
import PokedexRecovery

/// What a simulated service does wrong, request by request: the fault injection that the recovery
/// tests and the loopback simulators (Falcon, Open-Meteo, the LLM, Webex) share.
public struct FaultPlan: Sendable {
    /// One way of failing a request.
    public enum Fault: Sendable, Equatable {
        /// Answer with this HTTP status (and, for 429/503, this `Retry-After` header value).
        case status(Int, retryAfter: String? = nil)
        /// Answer 429 with a rate-limit header of the service's own, e.g. Falcon's
        /// `X-RateLimit-RetryAfter` (an epoch second).
        case rateLimited(header: String, value: String)
        /// Answer 200 with a body that is not what the client expects.
        case malformedBody
        /// Never answer (until the caller gives up).
        case hang
        /// Drop the connection.
        case connectionReset
    }

    private enum Rule: Sendable {
        case first(Int, Fault)
        case random(rate: Double, Fault)
        case always(Fault)
    }

    private var rules: [Rule] = []
    /// Added before every answer, faulty or not.
    public private(set) var latency: Duration = .zero
    /// The seed for ``failRandomly(rate:with:)``.
    public private(set) var seed: UInt64 = 1

    public init() {}

    /// No faults.
    public static let healthy = FaultPlan()

    /// The first `count` requests fail with `fault`.
    public func failFirst(_ count: Int, with fault: Fault) -> FaultPlan {
        adding(.first(count, fault))
    }

    /// Each request fails with probability `rate`, drawn from a seeded source.
    public func failRandomly(rate: Double, with fault: Fault, seed: UInt64 = 1) -> FaultPlan {
        var plan = adding(.random(rate: rate, fault))
        plan.seed = seed
        return plan
    }

    /// Every request fails.
    public func failAlways(with fault: Fault) -> FaultPlan {
        adding(.always(fault))
    }

    /// Every answer is delayed.
    public func delayed(by latency: Duration) -> FaultPlan {
        var plan = self
        plan.latency = latency
        return plan
    }

    private func adding(_ rule: Rule) -> FaultPlan {
        var plan = self
        plan.rules.append(rule)
        return plan
    }

    /// The fault for the request numbered `index` (0-based), drawing from `random` for random rules.
    func fault(forRequest index: Int, random: SeededRandomSource) -> Fault? {
        for rule in rules {
            switch rule {
            case .first(let count, let fault) where index < count: return fault
            case .random(let rate, let fault) where random.nextUnit() < rate: return fault
            case .always(let fault): return fault
            default: continue
            }
        }
        return nil
    }
}

/// Applies a ``FaultPlan`` to a stream of requests, counting them. Thread-safe.
public final class FaultInjector: @unchecked Sendable {
    private let lock = NSLock()
    private var plan: FaultPlan
    private var random: SeededRandomSource
    private var requests = 0

    public init(_ plan: FaultPlan = .healthy) {
        self.plan = plan
        self.random = SeededRandomSource(seed: plan.seed)
    }

    /// Replaces the plan (and restarts its request count), e.g. to bring a dead service back.
    public func use(_ plan: FaultPlan) {
        lock.withLock {
            self.plan = plan
            random = SeededRandomSource(seed: plan.seed)
            requests = 0
        }
    }

    /// Requests seen since the plan was set.
    public var requestCount: Int { lock.withLock { requests } }

    /// Decides the next request's fate.
    /// - Returns: the latency to add and the fault, if any.
    public func nextRequest() -> (latency: Duration, fault: FaultPlan.Fault?) {
        lock.withLock {
            defer { requests += 1 }
            return (plan.latency, plan.fault(forRequest: requests, random: random))
        }
    }

    /// Runs an in-process "service call" under the plan: waits the latency on `clock`, then fails
    /// as a real client would report it (a ``ServiceFailure``) or returns `body()`.
    public func perform<T: Sendable>(
        clock: any Clock<Duration>, now: Date = Date(), _ body: @Sendable () async throws -> T
    ) async throws -> T {
        let (latency, fault) = nextRequest()
        if latency > .zero { try await clock.sleep(for: latency) }
        switch fault {
        case nil:
            return try await body()
        case .status(let status, let retryAfter)?:
            throw ServiceFailure(
                .http(status: status), "simulated HTTP \(status)",
                retryAfter: retryAfter.flatMap { RetryAfter.parse($0, now: now) })
        case .rateLimited?:
            throw ServiceFailure(.http(status: 429), "simulated HTTP 429")
        case .malformedBody?:
            throw ServiceFailure(.invalidResponse, "simulated malformed body")
        case .connectionReset?:
            throw ServiceFailure(.connection, "simulated connection reset")
        case .hang?:
            while true { try await clock.sleep(for: .seconds(3600)) }
        }
    }
}
