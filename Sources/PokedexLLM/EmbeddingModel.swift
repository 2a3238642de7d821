import AsyncHTTPClient
import Foundation
import PokedexHTTP
import PokedexRecovery
import PokedexSettings

/// A model that turns texts into vectors whose closeness means closeness of meaning (runbook
/// search ranks sections by it beside keywords). Failures are ``ServiceFailure``s, as for
/// ``ChatModel``, so recovery can tell what to retry.
public protocol EmbeddingModel: Sendable {
    /// `ollama` or `openai`: which wire format.
    var provider: String { get }
    /// The model's name on its server; vectors of different models are never compared.
    var model: String { get }
    /// One vector per text, in order, all of one length.
    func embed(_ texts: [String], timeLimit: Duration) async throws -> [[Float]]
}

/// Ollama's `POST /api/embed`: `{"model", "input": [...]}` → `{"embeddings": [[...], ...]}`.
public struct OllamaEmbeddingModel: EmbeddingModel {
    public let provider = "ollama"
    public let model: String
    private let url: String
    private let http: LLMHTTP

    /// - Parameter baseURL: scheme, host and port, e.g. `http://127.0.0.1:11434`.
    public init(baseURL: String, model: String, http: HTTPClient = .services) {
        url = ModelServerURL.root(baseURL) + "/api/embed"
        self.model = model
        self.http = LLMHTTP(http: http, apiKey: nil, subject: "the embedding model")
    }

    public func embed(_ texts: [String], timeLimit: Duration) async throws -> [[Float]] {
        struct Answer: Decodable { var embeddings: [[Float]] }
        let body = try JSONEncoder().encode(EmbeddingRequest(model: model, input: texts))
        let answer: Answer = try await http.postJSON(url, body: body, timeLimit: timeLimit)
        return try EmbeddingRequest.checked(answer.embeddings, count: texts.count)
    }
}

/// OpenAI-compatible `POST /v1/embeddings` (OpenAI, llama.cpp, vLLM, Ollama's `/v1`):
/// `{"model", "input": [...]}` → `{"data": [{"index", "embedding"}, ...]}`.
public struct OpenAIEmbeddingModel: EmbeddingModel {
    public let provider = "openai"
    public let model: String
    private let url: String
    private let http: LLMHTTP

    /// - Parameter baseURL: the server, with or without its `/v1`.
    public init(baseURL: String, model: String, apiKey: Secret?, http: HTTPClient = .services) {
        url = ModelServerURL.openAIBase(baseURL) + "/embeddings"
        self.model = model
        self.http = LLMHTTP(http: http, apiKey: apiKey, subject: "the embedding model")
    }

    public func embed(_ texts: [String], timeLimit: Duration) async throws -> [[Float]] {
        struct Answer: Decodable {
            struct Item: Decodable {
                var index: Int?
                var embedding: [Float]
            }
            var data: [Item]
        }
        let body = try JSONEncoder().encode(EmbeddingRequest(model: model, input: texts))
        let answer: Answer = try await http.postJSON(url, body: body, timeLimit: timeLimit)
        // Items carry their index; servers need not answer in order.
        let ordered = answer.data.enumerated().sorted { ($0.element.index ?? $0.offset) < ($1.element.index ?? $1.offset) }
        return try EmbeddingRequest.checked(ordered.map(\.element.embedding), count: texts.count)
    }
}

/// The request both formats share, and the checks every answer passes.
struct EmbeddingRequest: Encodable {
    var model: String
    var input: [String]

    /// The vectors, if there is one per text, all of one non-zero length and finite.
    static func checked(_ vectors: [[Float]], count: Int) throws -> [[Float]] {
        let length = vectors.first?.count ?? 0
        guard vectors.count == count, count == 0 || length > 0,
            vectors.allSatisfy({ $0.count == length && $0.allSatisfy(\.isFinite) })
        else {
            throw ServiceFailure(.invalidResponse, "the embedding model's answer does not hold one vector per text")
        }
        return vectors
    }
}
