import CoreMetrics

/// The swift-metrics instruments of one tool, exported by the server as Prometheus metrics.
struct ToolMetrics: Sendable {
    let calls: Counter
    let failures: Counter
    let retries: Counter
    let fallbacks: Counter
    /// 0 available, 1 probing, 2 unavailable.
    let state: Gauge

    init(tool: ToolName, factory: any MetricsFactory) {
        let dimensions = [("tool", tool.rawValue)]
        calls = Counter(label: "pokedex_tool_calls_total", dimensions: dimensions, factory: factory)
        failures = Counter(label: "pokedex_tool_failures_total", dimensions: dimensions, factory: factory)
        retries = Counter(label: "pokedex_tool_retries_total", dimensions: dimensions, factory: factory)
        fallbacks = Counter(label: "pokedex_tool_fallbacks_total", dimensions: dimensions, factory: factory)
        state = Gauge(label: "pokedex_tool_state", dimensions: dimensions, factory: factory)
    }

    func record(_ toolState: ToolState) {
        switch toolState {
        case .available: state.record(0)
        case .probing: state.record(1)
        case .unavailable: state.record(2)
        }
    }
}
