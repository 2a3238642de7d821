import AsyncHTTPClient
import Foundation
import PokedexHTTP
import PokedexRecovery
import PokedexSettings

/// Any OpenAI-compatible `POST /v1/chat/completions` (OpenAI, vLLM, LM Studio, llama.cpp, Ollama's
/// `/v1`). Tolerates the dialects: missing call ids, arguments as an object instead of a string,
/// parallel calls that all claim `index: 0`, and `finish_reason: stop` with tool calls. Streaming
/// is server-sent events ending with `data: [DONE]`, tool-call fragments joined by index.
public struct OpenAIChatModel: ChatModel {
    public let provider = "openai"
    public let model: String
    private let baseURL: String
    private let http: LLMHTTP

    /// - Parameter baseURL: the server, with or without its `/v1` (`http://127.0.0.1:8089/v1`).
    public init(baseURL: String, model: String, apiKey: Secret?, http: HTTPClient = .services) {
        self.baseURL = ModelServerURL.openAIBase(baseURL)
        self.model = model
        self.http = LLMHTTP(http: http, apiKey: apiKey)
    }

    public func complete(
        _ request: ChatRequest, timeLimit: Duration, onText: (@Sendable (String) -> Void)?
    ) async throws -> ChatResponse {
        // Always streamed, even when no channel shows the pieces: when the time limit or the turn's
        // deadline ends the attempt, the connection closes and the server stops generating (a
        // one-request-at-a-time server would otherwise stay busy with an answer nobody reads).
        let body = try JSONEncoder().encode(WireRequest(model: model, request: request, stream: true))
        var content = ""
        var finish: String?
        var promptTokens: Int?
        var calls = CallAssembler()
        var whole = ""
        var streaming = false
        try await http.post(baseURL + "/chat/completions", body: body, timeLimit: timeLimit) { line in
            guard line.hasPrefix("data:") else {
                whole += line + "\n"  // a server that answers in one piece despite `stream`
                return
            }
            streaming = true
            let data = line.dropFirst(5).trimmingCharacters(in: .whitespaces)
            guard data != "[DONE]" else { return }
            let chunk = try Self.decode(WireChunk.self, data)
            if let error = chunk.error {
                throw ServiceFailure(.http(status: 500), "the language model failed: \(error)")
            }
            if let count = chunk.usage?.prompt_tokens { promptTokens = count }
            for choice in chunk.choices ?? [] {
                if let piece = choice.delta?.content, !piece.isEmpty {
                    content += piece
                    onText?(piece)
                }
                for fragment in choice.delta?.tool_calls ?? [] { calls.add(fragment) }
                if let reason = choice.finish_reason { finish = reason }
            }
        }
        if !streaming {
            let answer = try Self.decode(WireChunk.self, whole)
            if let error = answer.error {
                throw ServiceFailure(.http(status: 500), "the language model failed: \(error)")
            }
            guard let choice = answer.choices?.first else {
                throw ServiceFailure(.invalidResponse, "the language model sent no choices")
            }
            content = choice.message?.content ?? ""
            for fragment in choice.message?.tool_calls ?? [] { calls.add(fragment) }
            finish = choice.finish_reason
            promptTokens = answer.usage?.prompt_tokens
        }
        return ChatResponse(content: content, toolCalls: calls.calls, finishReason: finish, promptTokens: promptTokens)
    }

    public func ping(timeLimit: Duration) async throws {
        _ = try await http.get(baseURL + "/models", timeLimit: timeLimit)
    }

    private static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        do {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        } catch {
            throw ServiceFailure(.invalidResponse, "the language model sent an answer that could not be read")
        }
    }

    /// Joins tool-call fragments: a fragment continues the call at its index unless it brings a
    /// different id (servers that reuse index 0 for every call of a batch).
    struct CallAssembler {
        private(set) var calls: [ToolCall] = []
        private var positions: [Int: Int] = [:]

        mutating func add(_ fragment: WireCall) {
            let index = fragment.index ?? calls.count
            let id = fragment.id.flatMap { $0.isEmpty ? nil : $0 }
            if let position = positions[index], id == nil || id == calls[position].id {
                if let name = fragment.function?.name, calls[position].name.isEmpty { calls[position].name = name }
                calls[position].arguments += fragment.function?.arguments?.text ?? ""
            } else {
                positions[index] = calls.count
                calls.append(
                    ToolCall(
                        id: id ?? "call_\(calls.count)", name: fragment.function?.name ?? "",
                        arguments: fragment.function?.arguments?.text ?? ""))
            }
        }
    }

    // MARK: Wire format

    private struct WireRequest: Encodable {
        struct Message: Encodable {
            var role: String
            var content: String?
            var tool_calls: [OutgoingCall]?
            var tool_call_id: String?
        }
        struct OutgoingCall: Encodable {
            struct Function: Encodable {
                var name: String
                var arguments: String
            }
            var id: String
            var type = "function"
            var function: Function
        }
        var model: String
        var messages: [Message]
        var tools: [WireTool]?
        /// `auto` whenever tools are offered: some servers (llama.cpp) read a missing value as `none`.
        var tool_choice: String?
        var stream: Bool
        /// Asks for the usage figures in the last chunk (the prompt's size in tokens).
        var stream_options: StreamOptions?
        var max_tokens: Int?

        struct StreamOptions: Encodable {
            var include_usage = true
        }

        init(model: String, request: ChatRequest, stream: Bool) {
            self.model = model
            self.stream = stream
            stream_options = stream ? StreamOptions() : nil
            max_tokens = request.maxTokens
            messages = request.messages.map { message in
                Message(
                    role: message.role.rawValue,
                    // Always a string: several servers' chat templates fail on a null content, which
                    // OpenAI allows for an assistant message that only calls tools.
                    content: message.content,
                    tool_calls: message.toolCalls.isEmpty
                        ? nil
                        : message.toolCalls.map {
                            OutgoingCall(id: $0.id, function: .init(name: $0.name, arguments: $0.arguments))
                        },
                    tool_call_id: message.role == .tool ? message.toolCallID : nil)
            }
            tools =
                request.tools.isEmpty ? nil : request.tools.map(WireTool.init)
            tool_choice = request.tools.isEmpty ? nil : "auto"
        }
    }

    /// Arguments as a JSON string (the standard) or as an object (some servers).
    enum Arguments: Decodable {
        case string(String)
        case value(JSONValue)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .string(text)
            } else {
                self = .value(try container.decode(JSONValue.self))
            }
        }

        var text: String {
            switch self {
            case .string(let text): text
            case .value(let value): value.jsonText
            }
        }
    }

    struct WireCall: Decodable {
        struct Function: Decodable {
            var name: String?
            var arguments: Arguments?
        }
        var index: Int?
        var id: String?
        var function: Function?
    }

    private struct WireChunk: Decodable {
        struct Message: Decodable {
            var content: String?
            var tool_calls: [WireCall]?
        }
        struct Choice: Decodable {
            var message: Message?
            var delta: Message?
            var finish_reason: String?
        }
        struct Problem: Decodable {
            var message: String?
        }
        struct Usage: Decodable {
            var prompt_tokens: Int?
        }
        var choices: [Choice]?
        var usage: Usage?
        private var problem: Problem?

        var error: String? { problem.map { $0.message ?? "unknown error" } }

        enum CodingKeys: String, CodingKey {
            case choices, usage
            case problem = "error"
        }
    }
}
