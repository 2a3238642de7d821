import CoreMetrics
import PokedexSessions
import PokedexWebex
import Prometheus
import Synchronization

/// The Prometheus registry `/metrics` shows: HTTP requests and latencies, session counts, and —
/// through the same factory handed to recovery — tool calls, failures, retries, breaker states and
/// turns by channel (counted by the turn pipeline itself). No secret or message text is ever a label.
public final class ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// For recovery's instruments, so they land in this registry.
    public let factory: PrometheusMetricsFactory
    private let sessions: Prometheus.Gauge
    private let messages: Prometheus.Gauge
    private let activeSessions: Prometheus.Gauge
    /// The Webex websocket's gauges, made when there is a websocket (none in webhook mode, where
    /// "not connected" would be a false alarm).
    private let webexGauges = Mutex<[Prometheus.Gauge]?>(nil)
    /// Instruments by label set, so a request does not build and look them up in the registry.
    private let requestInstruments = Mutex<[String: (Prometheus.Counter, DurationHistogram)]>([:])
    private let forcedGauges = Mutex<[String: Prometheus.Gauge]>([:])

    public init() {
        registry = PrometheusCollectorRegistry()
        factory = PrometheusMetricsFactory(registry: registry)
        sessions = registry.makeGauge(descriptor: Self.name("sessions", help: "Stored sessions"))
        messages = registry.makeGauge(descriptor: Self.name("messages", help: "Stored messages"))
        activeSessions = registry.makeGauge(
            descriptor: Self.name("active_sessions", help: "Sessions active in the last 24 hours"))
    }

    private static func name(_ metric: String, _ unit: String = "", help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "pokedex", metricName: metric, unitName: unit, helpText: help)
    }

    private static var requests: MetricNameDescriptor {
        name("http_requests", "total", help: "HTTP requests by route, method and status")
    }
    private static var requestDuration: MetricNameDescriptor {
        name("http_request_duration", "seconds", help: "HTTP request latency by route")
    }
    private static let requestBuckets: [Duration] = [
        .milliseconds(5), .milliseconds(25), .milliseconds(100), .milliseconds(500), .seconds(2), .seconds(10),
        .seconds(30),
    ]

    /// Counts one HTTP request by route pattern (never the raw path, which may hold user names).
    func request(route: String, method: String, status: Int, seconds: Double) {
        let (counter, histogram) = requestInstruments.withLock { cache in
            let key = "\(method) \(route) \(status)"
            if let found = cache[key] { return found }
            let made = (
                registry.makeCounter(
                    descriptor: Self.requests, labels: [("route", route), ("method", method), ("status", "\(status)")]),
                registry.makeDurationHistogram(
                    descriptor: Self.requestDuration, labels: [("route", route)], buckets: Self.requestBuckets)
            )
            cache[key] = made
            return made
        }
        counter.increment()
        histogram.record(.milliseconds(Int64(seconds * 1000)))
    }

    /// Whether an operator forced a tool (1) or recovery decides its state (0).
    func forced(_ tool: String, _ isForced: Bool) {
        let gauge = forcedGauges.withLock { cache in
            if let found = cache[tool] { return found }
            let made = registry.makeGauge(
                descriptor: Self.name("tool_forced", help: "1 while an operator forces the tool's state"),
                labels: [("tool", tool)])
            cache[tool] = made
            return made
        }
        gauge.set(isForced ? 1.0 : 0.0)
    }

    /// The exposition text, with session counts read now.
    func exposition(statistics: StoreStatistics?, webex: WebexConnectionStatus? = nil) -> [UInt8] {
        if let webex {
            let gauges = webexGauges.withLock { gauges in
                if let gauges { return gauges }
                let made = [
                    ("webex_websocket_connected", "1 while the Webex websocket is connected"),
                    ("webex_websocket_reconnects", "Webex websocket reconnections since start"),
                    ("webex_messages_caught_up", "Messages answered after a reconnection caught them up"),
                    ("webex_last_event_timestamp_seconds", "When the last Webex message event came"),
                ].map { registry.makeGauge(descriptor: Self.name($0.0, help: $0.1)) }
                gauges = made
                return made
            }
            let figures = [
                webex.state == .connected ? 1 : 0, Double(webex.reconnects), Double(webex.caughtUp),
                webex.lastEvent?.timeIntervalSince1970 ?? 0,
            ]
            for (gauge, figure) in zip(gauges, figures) { gauge.set(figure) }
        }
        if let statistics {
            sessions.set(Double(statistics.totalSessions))
            messages.set(Double(statistics.totalMessages))
            activeSessions.set(Double(statistics.activeSessions))
        }
        return registry.emitToBuffer()
    }
}
