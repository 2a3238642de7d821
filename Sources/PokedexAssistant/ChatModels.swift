import AsyncHTTPClient
import PokedexHTTP
import PokedexLLM
import PokedexRecovery

extension ToolName {
    /// The language model: its calls have recovery books like any service's.
    public static let llm: ToolName = "llm"
}

/// Picks the language model client the configuration asks for.
public enum ChatModels {
    /// The language model's recovery defaults: a completion on a local CPU model can take many
    /// seconds and a second full attempt rarely fits a 30-second turn, so one retry (for a quick
    /// failure) is enough, and an attempt that ran out of time is not retried: a
    /// one-request-at-a-time server may still be working on it, so a retry only queues behind it.
    public static let recoveryDefaults = RecoveryDefaults(
        policy: RetryPolicy(
            maxRetries: 1, initialDelay: .seconds(1), backoff: 2.0, timeout: .seconds(25), retryAfterTimeout: false))

    /// The client for `llm.provider`; nil for `none`. `auto` uses a URL's shape when one is given
    /// (ending in `/v1`: OpenAI-compatible, else Ollama), and otherwise asks the default local
    /// Ollama whether it is there (half a second at most), falling back to no model.
    public static func make(
        _ configuration: AssistantConfiguration, http: HTTPClient = .services
    ) async -> (any ChatModel)? {
        switch configuration.provider {
        case .none: return nil
        case .ollama: return ollama(configuration, http: http)
        case .openai: return openAI(configuration, http: http)
        case .auto:
            if !configuration.llmURL.isEmpty {
                return ModelServerURL.looksOpenAICompatible(configuration.llmURL)
                    ? openAI(configuration, http: http) : ollama(configuration, http: http)
            }
            let local = ollama(configuration, http: http)
            do {
                try await local.ping(timeLimit: .milliseconds(500))
                return local
            } catch {
                return nil
            }
        }
    }

    private static func ollama(_ configuration: AssistantConfiguration, http: HTTPClient) -> OllamaChatModel {
        OllamaChatModel(
            baseURL: configuration.llmURL.isEmpty ? AssistantConfiguration.ollamaURL : configuration.llmURL,
            model: configuration.model, http: http)
    }

    private static func openAI(_ configuration: AssistantConfiguration, http: HTTPClient) -> OpenAIChatModel {
        OpenAIChatModel(
            baseURL: configuration.llmURL.isEmpty ? AssistantConfiguration.openAIURL : configuration.llmURL,
            model: configuration.model, apiKey: configuration.apiKey.isEmpty ? nil : configuration.apiKey, http: http)
    }
}
