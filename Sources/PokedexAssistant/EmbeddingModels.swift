import AsyncHTTPClient
import PokedexHTTP
import PokedexLLM
import PokedexSettings
import PokedexTools

/// Picks the embedding model runbook search ranks with (`runbooks.embeddings.*`).
public enum EmbeddingModels {
    public static let ollamaDefault = "nomic-embed-text"
    public static let openAIDefault = "text-embedding-3-small"

    /// The configured embedding server, or the language model's own (same server, same wire
    /// format, same key) when none is; nil when embeddings are off, or there is neither.
    public static func make(
        _ configuration: PokedexConfiguration, chat: (any ChatModel)?, http: HTTPClient = .services
    ) -> (any EmbeddingModel)? {
        let tools = configuration.tools
        guard tools.embeddingsEnabled else { return nil }
        let url: String
        let provider: String
        let apiKey: Secret?
        if !tools.embeddingsURL.isEmpty {
            url = tools.embeddingsURL
            provider =
                tools.embeddingsProvider == .auto
                ? (ModelServerURL.looksOpenAICompatible(url) ? "openai" : "ollama") : tools.embeddingsProvider.rawValue
            apiKey = tools.embeddingsAPIKey.isEmpty ? nil : tools.embeddingsAPIKey
        } else if let chat {
            let assistant = configuration.assistant
            provider = tools.embeddingsProvider == .auto ? chat.provider : tools.embeddingsProvider.rawValue
            url =
                !assistant.llmURL.isEmpty
                ? assistant.llmURL
                : chat.provider == "openai" ? AssistantConfiguration.openAIURL : AssistantConfiguration.ollamaURL
            apiKey = assistant.apiKey.isEmpty ? nil : assistant.apiKey
        } else {
            return nil
        }
        if provider == "openai" {
            let model = tools.embeddingsModel.isEmpty ? openAIDefault : tools.embeddingsModel
            return OpenAIEmbeddingModel(baseURL: url, model: model, apiKey: apiKey, http: http)
        }
        let model = tools.embeddingsModel.isEmpty ? ollamaDefault : tools.embeddingsModel
        return OllamaEmbeddingModel(baseURL: url, model: model, http: http)
    }
}
