import AsyncHTTPClient
import Foundation
import PokedexHTTP
import PokedexRecovery

/// Ollama's native `POST /api/chat`: tool arguments are JSON objects, tool results carry the tool's
/// name (there are no call ids), and streaming is NDJSON, one object per line, ending `done: true`.
public struct OllamaChatModel: ChatModel {
    public let provider = "ollama"
    public let model: String
    private let baseURL: String
    private let http: LLMHTTP

    /// - Parameter baseURL: scheme, host and port, e.g. `http://127.0.0.1:11434`.
    public init(baseURL: String, model: String, http: HTTPClient = .services) {
        self.baseURL = ModelServerURL.root(baseURL)
        self.model = model
        self.http = LLMHTTP(http: http, apiKey: nil)
    }

    public func complete(
        _ request: ChatRequest, timeLimit: Duration, onText: (@Sendable (String) -> Void)?
    ) async throws -> ChatResponse {
        // Always streamed (NDJSON): when the attempt ends early the connection closes and Ollama
        // stops generating.
        let body = try JSONEncoder().encode(WireRequest(model: model, request: request, stream: true))
        var content = ""
        var calls: [ToolCall] = []
        var finish: String?
        var promptTokens: Int?
        try await http.post(baseURL + "/api/chat", body: body, timeLimit: timeLimit) { line in
            guard !line.allSatisfy(\.isWhitespace) else { return }
            guard let chunk = try? JSONDecoder().decode(WireChunk.self, from: Data(line.utf8)) else {
                throw ServiceFailure(.invalidResponse, "the language model sent an answer that could not be read")
            }
            if let error = chunk.error {
                throw ServiceFailure(.http(status: 500), "the language model failed: \(error.prefix(300))")
            }
            if let piece = chunk.message?.content, !piece.isEmpty {
                content += piece
                onText?(piece)
            }
            for call in chunk.message?.tool_calls ?? [] {
                calls.append(
                    ToolCall(
                        id: "call_\(calls.count)", name: call.function.name,
                        arguments: call.function.arguments?.jsonText ?? "{}"))
            }
            if chunk.done == true { finish = chunk.done_reason ?? "stop" }
            if let count = chunk.prompt_eval_count { promptTokens = count }
        }
        return ChatResponse(content: content, toolCalls: calls, finishReason: finish, promptTokens: promptTokens)
    }

    public func ping(timeLimit: Duration) async throws {
        _ = try await http.get(baseURL + "/api/tags", timeLimit: timeLimit)
    }

    // MARK: Wire format

    private struct WireRequest: Encodable {
        struct Message: Encodable {
            var role: String
            var content: String
            var tool_calls: [WireCall]?
            var tool_name: String?
        }
        struct Options: Encodable {
            var num_predict: Int
        }

        var model: String
        var messages: [Message]
        var tools: [WireTool]?
        var stream: Bool
        var options: Options?

        init(model: String, request: ChatRequest, stream: Bool) {
            self.model = model
            self.stream = stream
            options = request.maxTokens.map { Options(num_predict: $0) }
            messages = request.messages.map { message in
                Message(
                    role: message.role.rawValue, content: message.content,
                    tool_calls: message.toolCalls.isEmpty
                        ? nil
                        : message.toolCalls.map {
                            // Arguments go back as the object they were; garbage as an empty object.
                            var arguments = JSONValue.parse($0.arguments) ?? .object([:])
                            if case .object = arguments {} else { arguments = .object([:]) }
                            return WireCall(function: .init(name: $0.name, arguments: arguments))
                        },
                    tool_name: message.role == .tool ? message.toolName : nil)
            }
            tools =
                request.tools.isEmpty ? nil : request.tools.map(WireTool.init)
        }
    }

    private struct WireCall: Codable {
        struct Function: Codable {
            var name: String
            var arguments: JSONValue?
        }
        var function: Function
    }

    private struct WireChunk: Decodable {
        struct Message: Decodable {
            var content: String?
            var tool_calls: [WireCall]?
        }
        var message: Message?
        var done: Bool?
        var done_reason: String?
        var prompt_eval_count: Int?
        var error: String?
    }
}
