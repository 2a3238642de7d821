import PokedexLLM
import Synchronization

/// Keeps each request within the model's context window: the prompt (system prompt, tool
/// definitions, history, question, this turn's tool results) must leave `llm.max_tokens` for the
/// answer, or the server cuts the prompt or refuses it. Tokens are estimated from UTF-8 bytes at a
/// rate learned from the server's own usage figures, starting cautiously (3 bytes a token; English
/// is nearer 4) until the first figure arrives. What does not fit is the oldest history.
final class PromptBudget: Sendable {
    /// Bytes per token, as last measured (smoothed).
    private let rate = Mutex<Double>(3.0)

    /// A request's prompt size, in bytes.
    static func bytes(_ messages: [ChatMessage], _ tools: [ToolSpec]) -> Int {
        let text = messages.reduce(0) { sum, message in
            sum + message.content.utf8.count + message.toolCalls.reduce(0) { $0 + $1.name.utf8.count + $1.arguments.utf8.count }
        }
        return text + tools.reduce(0) { $0 + $1.name.utf8.count + $1.description.utf8.count + $1.parameters.jsonText.utf8.count }
    }

    /// Learns from the server: this many bytes made that many prompt tokens (its chat template's
    /// own text included, which is why the rate is measured rather than assumed).
    func learn(bytes: Int, tokens: Int) {
        guard bytes > 0, tokens > 0 else { return }
        let measured = min(8, max(1, Double(bytes) / Double(tokens)))
        rate.withLock { $0 = $0 * 0.5 + measured * 0.5 }
    }

    func tokens(_ bytes: Int) -> Int { Int((Double(bytes) / rate.withLock { $0 }).rounded(.up)) }

    /// Drops the oldest history (the messages after the system prompt, before `protectedFrom`)
    /// while the prompt is estimated over `limit` tokens.
    /// - Returns: how many messages were dropped; `protectedFrom` moves with them.
    func fit(_ messages: inout [ChatMessage], tools: [ToolSpec], limit: Int, protectedFrom: inout Int) -> Int {
        var dropped = 0
        var size = Self.bytes(messages, tools)
        while tokens(size) > limit, protectedFrom > 1 {
            size -= Self.bytes([messages[1]], [])
            messages.remove(at: 1)
            protectedFrom -= 1
            dropped += 1
        }
        return dropped
    }
}
