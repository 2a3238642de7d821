import Foundation

/// A language model server on a loopback port that speaks both wire formats — Ollama's
/// `/api/chat` (JSON or NDJSON) and OpenAI's `/v1/chat/completions` (JSON or server-sent events) —
/// and answers from a script: text, tool calls (well-formed or not), an empty answer, a hang, an
/// error status. Every request is recorded, so tests can check what the model was sent.
public final class ScriptedLLMServer: Sendable {
    /// One scripted answer.
    public enum Step: Sendable, Equatable {
        case text(String)
        /// Calls tools: names with their arguments as JSON text (which may be malformed on purpose).
        case toolCalls([Call])
        case empty
        case hang
        case status(Int, retryAfter: String? = nil)
        /// 200 with a body that is not the protocol.
        case garbage

        public static func toolCall(_ name: String, _ arguments: String) -> Step {
            .toolCalls([Call(name: name, arguments: arguments)])
        }
    }

    public struct Call: Sendable, Equatable {
        public var name: String
        public var arguments: String

        public init(name: String, arguments: String) {
            self.name = name
            self.arguments = arguments
        }
    }

    /// A request as received.
    public struct Received: Sendable {
        /// `ollama` or `openai`.
        public var wire: String
        public var model: String
        /// Role and content of each message, in order.
        public var messages: [(role: String, content: String)]
        /// Names of the tools offered.
        public var tools: [String]
        public var stream: Bool
        public var authorization: String?
        /// The OpenAI `tool_choice`, when sent.
        public var toolChoice: String?
        /// How many messages came without a string `content` (absent or null).
        public var messagesWithoutContent: Int
    }

    /// How faithfully the OpenAI dialect is spoken.
    public enum Dialect: Sendable {
        case standard
        /// Servers seen in the wild: no call ids, arguments as an object, `finish_reason: stop`
        /// with tool calls, and in streams every call at `index: 0` (told apart by id).
        case quirky
        /// llama.cpp started without `--jinja`: any request with tools is refused.
        case noToolTemplate
    }

    public let server: LoopbackHTTPServer
    /// Faults applied before the script (latency, hangs, errors).
    public let faults: FaultInjector
    private let state: Locked<State>

    private struct State {
        var script: [Step] = []
        var fallback: Step
        var received: [Received] = []
        var probes = 0
        var dialect: Dialect
    }

    /// Ollama's base URL.
    public var ollamaURL: String { server.baseURL }
    /// The OpenAI-compatible base URL (with `/v1`).
    public var openAIURL: String { server.baseURL + "/v1" }
    /// Every request so far.
    public var received: [Received] { state.read { $0.received } }
    /// How many one-token health probes were answered (not in ``received``).
    public var probes: Int { state.read { $0.probes } }

    private init(server: LoopbackHTTPServer, faults: FaultInjector, state: Locked<State>) {
        self.server = server
        self.faults = faults
        self.state = state
    }

    /// - Parameters:
    ///   - script: answers given in order, one per chat request.
    ///   - otherwise: the answer once the script is used up.
    public static func start(
        _ script: [Step] = [], otherwise: Step = .text("OK"), dialect: Dialect = .standard,
        faults: FaultInjector = FaultInjector()
    ) async throws -> ScriptedLLMServer {
        let state = Locked(State(script: script, fallback: otherwise, dialect: dialect))
        let server = try await LoopbackHTTPServer.start(faults: faults) { request in
            await handle(request, state: state)
        }
        return ScriptedLLMServer(server: server, faults: faults, state: state)
    }

    public func stop() async throws { try await server.stop() }

    /// Adds answers to the end of the script.
    public func enqueue(_ steps: Step...) { state.update { $0.script += steps } }

    /// Changes the answer given once the script is used up.
    public func otherwise(_ step: Step) { state.update { $0.fallback = step } }

    private static func handle(
        _ request: LoopbackHTTPServer.Request, state: Locked<State>
    ) async
        -> LoopbackHTTPServer.Response
    {
        switch (request.method, request.path) {
        case ("GET", "/api/tags"): return .json(#"{"models":[{"name":"scripted"}]}"#)
        case ("GET", "/v1/models"): return .json(#"{"object":"list","data":[{"id":"scripted","object":"model"}]}"#)
        case ("POST", "/api/chat"), ("POST", "/v1/chat/completions"): break
        default: return .json(#"{"error":"not found"}"#, status: 404)
        }
        let wire = request.path == "/api/chat" ? "ollama" : "openai"
        guard let body = try? JSONSerialization.jsonObject(with: request.body) as? [String: Any] else {
            return .json(#"{"error":"invalid JSON body"}"#, status: 400)
        }
        let stream = (body["stream"] as? Bool) ?? (wire == "ollama")
        let rawMessages = body["messages"] as? [[String: Any]] ?? []
        let withoutContent = rawMessages.filter { !($0["content"] is String) }.count
        let messages = rawMessages.map {
            (role: $0["role"] as? String ?? "", content: $0["content"] as? String ?? "")
        }
        let tools = (body["tools"] as? [[String: Any]] ?? []).compactMap {
            ($0["function"] as? [String: Any])?["name"] as? String
        }
        if !tools.isEmpty, state.read({ $0.dialect }) == .noToolTemplate {
            return .json(#"{"error":{"code":500,"message":"tools param requires --jinja flag","type":"server_error"}}"#, status: 500)
        }
        // The prompt's size as a tokenizer would count it (about 4 bytes a token), for usage figures.
        let promptTokens = messages.reduce(0) { $0 + $1.content.utf8.count } / 4 + 8
        // A one-token completion is a health probe (`status`): answered like a real server would,
        // counted apart, and it does not use up the script.
        let maxTokens = (body["max_tokens"] as? Int) ?? ((body["options"] as? [String: Any])?["num_predict"] as? Int)
        if maxTokens == 1 {
            let dialect = state.update { state -> Dialect in
                state.probes += 1
                return state.dialect
            }
            return answer(wire, stream: stream, text: "OK", calls: [], dialect: dialect, promptTokens: promptTokens)
        }
        let (step, dialect) = state.update { state -> (Step, Dialect) in
            state.received.append(
                Received(
                    wire: wire, model: body["model"] as? String ?? "", messages: messages, tools: tools, stream: stream,
                    authorization: request.header("Authorization"), toolChoice: body["tool_choice"] as? String,
                    messagesWithoutContent: withoutContent))
            return (state.script.isEmpty ? state.fallback : state.script.removeFirst(), state.dialect)
        }
        switch step {
        case .hang: return .noAnswer
        case .status(let status, let retryAfter):
            let error =
                wire == "ollama" ? #"{"error":"scripted failure"}"# : #"{"error":{"message":"scripted failure"}}"#
            return .json(error, status: status, headers: retryAfter.map { [("Retry-After", $0)] } ?? [])
        case .garbage: return .json("<html>surprise</html>")
        case .text(let text):
            return answer(wire, stream: stream, text: text, calls: [], dialect: dialect, promptTokens: promptTokens)
        case .empty: return answer(wire, stream: stream, text: "", calls: [], dialect: dialect, promptTokens: promptTokens)
        case .toolCalls(let calls):
            return answer(wire, stream: stream, text: "", calls: calls, dialect: dialect, promptTokens: promptTokens)
        }
    }

    private static func answer(
        _ wire: String, stream: Bool, text: String, calls: [Call], dialect: Dialect, promptTokens: Int
    )
        -> LoopbackHTTPServer.Response
    {
        let pieces = stride(from: 0, to: text.count, by: 6).map {
            String(text.dropFirst($0).prefix(6))
        }
        if wire == "ollama" {
            let toolCalls = calls.map { call -> [String: Any] in
                // Ollama sends an object; text that is not JSON goes as a string, as broken servers do.
                ["function": ["name": call.name, "arguments": jsonObject(call.arguments) ?? call.arguments]]
            }
            guard stream else {
                var message: [String: Any] = ["role": "assistant", "content": text]
                if !toolCalls.isEmpty { message["tool_calls"] = toolCalls }
                return .json(
                    json([
                        "model": "scripted", "message": message, "done": true, "done_reason": "stop",
                        "prompt_eval_count": promptTokens,
                    ]))
            }
            var lines = pieces.map {
                json(["model": "scripted", "message": ["role": "assistant", "content": $0], "done": false])
            }
            if !toolCalls.isEmpty {
                lines.append(
                    json([
                        "model": "scripted", "message": ["role": "assistant", "content": "", "tool_calls": toolCalls],
                        "done": false,
                    ]))
            }
            lines.append(
                json([
                    "model": "scripted", "message": ["role": "assistant", "content": ""], "done": true,
                    "done_reason": "stop", "prompt_eval_count": promptTokens,
                ]))
            return LoopbackHTTPServer.Response(
                headers: [("Content-Type", "application/x-ndjson")], parts: lines.map { Data(($0 + "\n").utf8) })
        }
        let quirky = dialect == .quirky
        let finish = calls.isEmpty || quirky ? "stop" : "tool_calls"
        guard stream else {
            var message: [String: Any] = ["role": "assistant", "content": calls.isEmpty ? text : NSNull()]
            if !calls.isEmpty {
                message["tool_calls"] = calls.enumerated().map { index, call -> [String: Any] in
                    var entry: [String: Any] = [
                        "type": "function",
                        "function": [
                            "name": call.name,
                            "arguments": quirky ? (jsonObject(call.arguments) ?? call.arguments) : call.arguments,
                        ],
                    ]
                    if !quirky { entry["id"] = "call_\(index)_scripted" }
                    return entry
                }
            }
            return .json(
                json([
                    "id": "chatcmpl-scripted", "object": "chat.completion", "model": "scripted",
                    "choices": [["index": 0, "message": message, "finish_reason": finish]],
                    "usage": ["prompt_tokens": promptTokens, "completion_tokens": 1, "total_tokens": promptTokens + 1],
                ]))
        }
        func chunk(_ delta: [String: Any], finish: String? = nil) -> Data {
            let choice: [String: Any] = ["index": 0, "delta": delta, "finish_reason": finish ?? NSNull()]
            var object: [String: Any] = ["id": "chatcmpl-scripted", "object": "chat.completion.chunk", "choices": [choice]]
            // The usage figures come with the last chunk (`stream_options.include_usage`).
            if finish != nil { object["usage"] = ["prompt_tokens": promptTokens, "completion_tokens": 1] }
            return Data(("data: " + json(object) + "\n\n").utf8)
        }
        var parts = [chunk(["role": "assistant", "content": ""])] + pieces.map { chunk(["content": $0]) }
        for (index, call) in calls.enumerated() {
            let half = call.arguments.count / 2
            let position = quirky ? 0 : index
            parts.append(
                chunk([
                    "tool_calls": [
                        [
                            "index": position, "id": "call_\(index)_scripted", "type": "function",
                            "function": ["name": call.name, "arguments": String(call.arguments.prefix(half))],
                        ]
                    ]
                ]))
            parts.append(
                chunk([
                    "tool_calls": [
                        ["index": position, "function": ["arguments": String(call.arguments.dropFirst(half))]]
                    ]
                ]))
        }
        parts.append(chunk([:], finish: finish))
        parts.append(Data("data: [DONE]\n\n".utf8))
        return LoopbackHTTPServer.Response(headers: [("Content-Type", "text/event-stream")], parts: parts)
    }

    private static func json(_ object: [String: Any]) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    private static func jsonObject(_ text: String) -> Any? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)), object is [String: Any] else {
            return nil
        }
        return object
    }
}

/// A value behind a lock, for simulators' state.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func read<T>(_ body: (Value) -> T) -> T { lock.withLock { body(value) } }
    func update<T>(_ body: (inout Value) -> T) -> T { lock.withLock { body(&value) } }
}
