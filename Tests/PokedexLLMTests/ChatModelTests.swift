import Foundation
import PokedexRecovery
import PokedexSettings
import PokedexTesting
import Synchronization
import Testing

@testable import PokedexLLM

/// Both clients against the scripted server, in both wire formats, streamed and not.
@Suite("Language model clients")
struct ChatModelTests {
    enum Wire: String, CaseIterable { case ollama, openai }

    static let weatherTool = ToolSpec(
        name: "weather", description: "Current weather",
        parameters: .object([
            "type": .string("object"), "properties": .object(["location": .object(["type": .string("string")])]),
        ]))

    private func model(_ wire: Wire, _ server: ScriptedLLMServer, key: String? = "sk-test") -> any ChatModel {
        switch wire {
        case .ollama: OllamaChatModel(baseURL: server.ollamaURL, model: "tiny")
        case .openai: OpenAIChatModel(baseURL: server.openAIURL, model: "tiny", apiKey: key.map { Secret($0) })
        }
    }

    private static let request = ChatRequest(
        messages: [
            ChatMessage(.system, "Be brief."), ChatMessage(.user, "Hello"), ChatMessage(.assistant, "Hi!"),
            ChatMessage(.user, "Weather in Oslo?"),
        ],
        tools: [weatherTool])

    @Test(arguments: Wire.allCases, [false, true])
    func textAnswersArriveWholeAndInPieces(_ wire: Wire, _ streamed: Bool) async throws {
        let server = try await ScriptedLLMServer.start([.text("It is cold in Oslo today.")])
        defer { Task { try await server.stop() } }
        let pieces = Mutex<[String]>([])
        let collect: @Sendable (String) -> Void = { piece in pieces.withLock { $0.append(piece) } }
        let response = try await model(wire, server).complete(
            Self.request, timeLimit: .seconds(10), onText: streamed ? collect : nil)
        #expect(response.content == "It is cold in Oslo today.")
        #expect(response.toolCalls.isEmpty)
        if streamed {
            #expect(pieces.withLock { $0.count } > 1)
            #expect(pieces.withLock { $0.joined() } == "It is cold in Oslo today.")
        }
        let received = try #require(server.received.first)
        #expect(received.wire == wire.rawValue)
        // Streamed either way, so that an attempt ended early closes the stream and the server stops.
        #expect(received.stream)
        #expect(received.messages.map(\.role) == ["system", "user", "assistant", "user"])
        #expect(received.messages.last?.content == "Weather in Oslo?")
        #expect(received.tools == ["weather"])
    }

    @Test(arguments: Wire.allCases, [false, true])
    func toolCallsComeBackWithTheirArgumentsAsText(_ wire: Wire, _ streamed: Bool) async throws {
        let server = try await ScriptedLLMServer.start([
            .toolCalls([
                .init(name: "weather", arguments: #"{"location":"Oslo"}"#),
                .init(name: "weather", arguments: #"{"location":"Bergen"}"#),
            ])
        ])
        defer { Task { try await server.stop() } }
        let ignore: @Sendable (String) -> Void = { _ in }
        let response = try await model(wire, server).complete(
            Self.request, timeLimit: .seconds(10), onText: streamed ? ignore : nil)
        #expect(response.toolCalls.map(\.name) == ["weather", "weather"])
        let arguments: [JSONValue?] = response.toolCalls.map { JSONValue.parse($0.arguments) }
        let expected: [JSONValue?] = [.object(["location": .string("Oslo")]), .object(["location": .string("Bergen")])]
        #expect(arguments == expected)
        #expect(Set(response.toolCalls.map(\.id)).count == 2)
    }

    @Test(arguments: [false, true])
    func theQuirkyOpenAIDialectIsUnderstood(_ streamed: Bool) async throws {
        let server = try await ScriptedLLMServer.start(
            [
                .toolCalls([
                    .init(name: "weather", arguments: #"{"location":"Oslo"}"#),
                    .init(name: "lookup", arguments: #"{"q":1}"#),
                ])
            ],
            dialect: .quirky)
        defer { Task { try await server.stop() } }
        let ignore: @Sendable (String) -> Void = { _ in }
        let response = try await model(.openai, server).complete(
            Self.request, timeLimit: .seconds(10), onText: streamed ? ignore : nil)
        // finish_reason "stop", index 0 reused, ids missing or arguments as objects: still two calls.
        #expect(response.finishReason == "stop")
        #expect(response.toolCalls.map(\.name) == ["weather", "lookup"])
        let arguments: [JSONValue?] = response.toolCalls.map { JSONValue.parse($0.arguments) }
        let expected: [JSONValue?] = [.object(["location": .string("Oslo")]), .object(["q": .number(1)])]
        #expect(arguments == expected)
    }

    @Test(arguments: Wire.allCases)
    func malformedArgumentsReachTheCallerAsTheyCame(_ wire: Wire) async throws {
        let server = try await ScriptedLLMServer.start([.toolCall("weather", #"{"location": "Oslo"#)])
        defer { Task { try await server.stop() } }
        let response = try await model(wire, server).complete(Self.request, timeLimit: .seconds(10), onText: nil)
        #expect(response.toolCalls.count == 1)
        var isObject = false
        if case .object? = JSONValue.parse(response.toolCalls[0].arguments) { isObject = true }
        #expect(!isObject)
    }

    @Test(arguments: Wire.allCases)
    func failuresAreClassifiedForRecovery(_ wire: Wire) async throws {
        let server = try await ScriptedLLMServer.start([
            .status(500), .status(429, retryAfter: "7"), .status(404), .garbage,
        ])
        defer { Task { try await server.stop() } }
        let model = model(wire, server)
        func failure() async -> ServiceFailure? {
            do {
                _ = try await model.complete(Self.request, timeLimit: .seconds(10), onText: nil)
                return nil
            } catch {
                return error as? ServiceFailure
            }
        }
        let serverError = try #require(await failure())
        #expect(serverError.isTransient)
        #expect(serverError.message.contains("scripted failure"))
        let limited = try #require(await failure())
        #expect(limited.isTransient && limited.retryAfter == .seconds(7))
        let missing = try #require(await failure())
        #expect(!missing.isTransient)
        #expect(try #require(await failure()).kind == .invalidResponse)
    }

    @Test func aHangingServerIsCutOffAtTheTimeLimit() async throws {
        let server = try await ScriptedLLMServer.start([.hang])
        defer { Task { try await server.stop() } }
        await #expect(throws: ServiceFailure.self) {
            _ = try await model(.openai, server).complete(Self.request, timeLimit: .milliseconds(200), onText: nil)
        }
    }

    @Test(arguments: Wire.allCases)
    func anAttemptCutOffAtItsTimeLimitClosesItsStream(_ wire: Wire) async throws {
        // A one-request-at-a-time server stops generating only when the stream it writes to closes.
        let server = try await ScriptedLLMServer.start([.hang])
        defer { Task { try await server.stop() } }
        await #expect(throws: ServiceFailure.self) {
            _ = try await model(wire, server).complete(Self.request, timeLimit: .milliseconds(200), onText: nil)
        }
        #expect(server.received.first?.stream == true)
        let closing = ContinuousClock.now
        while server.server.openConnections > 0, ContinuousClock.now - closing < .seconds(5) { await Task.yield() }
        #expect(server.server.openConnections == 0)
    }

    @Test func theAPIKeyIsSentAsABearerTokenAndNeverInErrors() async throws {
        let server = try await ScriptedLLMServer.start([.text("ok"), .status(401)])
        defer { Task { try await server.stop() } }
        let model = model(.openai, server, key: "sk-very-secret")
        _ = try await model.complete(Self.request, timeLimit: .seconds(10), onText: nil)
        #expect(server.received.first?.authorization == "Bearer sk-very-secret")
        do {
            _ = try await model.complete(Self.request, timeLimit: .seconds(10), onText: nil)
            Issue.record("a 401 must fail")
        } catch {
            #expect(!"\(error)".contains("sk-very-secret"))
        }
    }

    @Test(arguments: Wire.allCases)
    func pingReachesTheServer(_ wire: Wire) async throws {
        let server = try await ScriptedLLMServer.start()
        defer { Task { try await server.stop() } }
        try await model(wire, server).ping(timeLimit: .seconds(60))  // a bound for a loaded machine, not a measurement
        try await server.stop()
        // A server that is gone is unreachable at once, not a timeout after the whole time limit.
        do {
            try await model(wire, server).ping(timeLimit: .seconds(60))
            Issue.record("a stopped server must not answer")
        } catch let failure as ServiceFailure {
            #expect(failure.kind == .connection, "\(failure)")
        }
    }

    @Test func toolResultsGoBackInEachDialectsShape() async throws {
        let server = try await ScriptedLLMServer.start()
        defer { Task { try await server.stop() } }
        let call = ToolCall(id: "call_7", name: "weather", arguments: #"{"location":"Oslo"}"#)
        let request = ChatRequest(messages: [
            ChatMessage(.user, "Weather?"), ChatMessage(.assistant, "", toolCalls: [call]),
            ChatMessage(.tool, "Sunny", toolCallID: "call_7", toolName: "weather"),
        ])
        for wire in Wire.allCases {
            _ = try await model(wire, server).complete(request, timeLimit: .seconds(10), onText: nil)
        }
        #expect(
            server.received.map { $0.messages.map(\.role) } == [
                ["user", "assistant", "tool"], ["user", "assistant", "tool"],
            ])
        #expect(server.received.map { $0.messages.last?.content } == ["Sunny", "Sunny"])
    }
}
