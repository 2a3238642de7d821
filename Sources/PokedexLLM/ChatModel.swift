import PokedexRecovery

/// A language model behind an HTTP API. Failures are ``ServiceFailure``s, so recovery can tell a
/// transient failure (timeout, 5xx, 429) from a permanent one (unknown model, bad key); nothing
/// here retries.
public protocol ChatModel: Sendable {
    /// `ollama` or `openai`, for status and logs.
    var provider: String { get }
    /// The model name.
    var model: String { get }

    /// One completion.
    /// - Parameter onText: when given, the answer is streamed and each piece of text is handed over
    ///   as it arrives; the full answer is returned either way.
    func complete(
        _ request: ChatRequest, timeLimit: Duration, onText: (@Sendable (String) -> Void)?
    ) async throws -> ChatResponse

    /// Checks that the server answers (for `status` and health tests).
    func ping(timeLimit: Duration) async throws
}
