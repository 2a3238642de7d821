import CoreMetrics
import PokedexAudit

/// Every turn counted where it is answered, by the channel it came from (`http`, `openai`,
/// `webex`, `mcp`, `cli`): a Webex or terminal turn reaches `pokedex_turns_total` as an HTTP one
/// does. The instruments go to recovery's factory, so a server's `/metrics` shows them.
struct TurnMetrics: Sendable {
    let factory: any MetricsFactory

    func count(_ reply: Reply, caller: Caller) {
        let dimensions = [("channel", caller.channel)]
        Counter(label: "pokedex_turns_total", dimensions: dimensions, factory: factory).increment()
        if reply.degraded {
            Counter(label: "pokedex_degraded_turns_total", dimensions: dimensions, factory: factory).increment()
        }
        if reply.isFallback {
            Counter(label: "pokedex_fallback_turns_total", dimensions: dimensions, factory: factory).increment()
        }
    }
}
