import Foundation
import Hummingbird
import NIOCore
import PokedexAssistant
import PokedexRecovery
import PokedexSessions

/// What the routes work with.
public struct ServerDependencies: Sendable {
    public var configuration: ServerConfiguration
    public var store: any SessionStore
    public var recovery: Recovery
    public var slot: AssistantSlot
    public var metrics: ServerMetrics
    /// Handles `POST /webhooks/webex` when the Webex bot is on: raw body and signature in, status out.
    public var webexWebhook: (@Sendable (Data, String?) async -> HTTPResponse.Status)?

    public init(
        configuration: ServerConfiguration, store: any SessionStore, recovery: Recovery, slot: AssistantSlot,
        metrics: ServerMetrics, webexWebhook: (@Sendable (Data, String?) async -> HTTPResponse.Status)? = nil
    ) {
        self.configuration = configuration
        self.store = store
        self.recovery = recovery
        self.slot = slot
        self.metrics = metrics
        self.webexWebhook = webexWebhook
    }
}

/// The routes of SPEC 7.
public enum PokedexRouter {
    public static func make(_ dependencies: ServerDependencies) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(
            middleware: ServerMiddleware(tokens: dependencies.configuration.apiTokens, metrics: dependencies.metrics))
        let limit = dependencies.configuration.maxBodyBytes
        let deps = dependencies

        // MARK: Chat

        router.post("/api/v1/chat") { request, _ -> Response in
            let turn = try await chatTurn(request, limit: limit)
            let assistant = try ready(deps)
            let reply = await assistant.respond(turn)
            deps.metrics.turn(degraded: reply.degraded, fallback: reply.isFallback)
            try notStored(reply)
            return try HTTPSupport.json(reply)
        }

        router.post("/api/v1/chat/stream") { request, _ -> Response in
            let turn = try await chatTurn(request, limit: limit)
            let assistant = try ready(deps)
            return stream(turn, assistant, deps.metrics) { event in
                switch event {
                case .piece(let text): sse(event: "token", data: ["text": text])
                case .done(let reply): sse(event: "done", json: reply)
                }
            }
        }

        router.post("/v1/chat/completions") { request, _ -> Response in
            try await OpenAICompatibility.completion(request, limit: limit, deps: deps)
        }

        // MARK: Sessions

        router.get("/api/v1/sessions") { _, _ -> Response in
            try HTTPSupport.json(try await storage { try await deps.store.statistics() })
        }
        router.get("/api/v1/sessions/:user/:room") { _, context -> Response in
            let key = try sessionKey(context)
            guard let stats = try await storage({ try await deps.store.statistics(for: key) }) else {
                throw APIError(.notFound, "no session for \(key)")
            }
            return try HTTPSupport.json(stats)
        }
        router.get("/api/v1/sessions/:user/:room/export") { _, context -> Response in
            let key = try sessionKey(context)
            guard let session = try await storage({ try await deps.store.archivedSession(key) }) else {
                throw APIError(.notFound, "no session for \(key)")
            }
            let data = try SessionArchive.encode([session], layout: .json)
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.delete("/api/v1/sessions/:user/:room") { _, context -> Response in
            let key = try sessionKey(context)
            guard try await storage({ try await deps.store.delete(key) }) else {
                throw APIError(.notFound, "no session for \(key)")
            }
            return try HTTPSupport.json(["deleted": true])
        }
        router.post("/api/v1/sessions/import") { request, _ -> Response in
            let data = try await HTTPSupport.body(request, limit: limit)
            let sessions: [ArchivedSession]
            do {
                sessions = try SessionArchiveReader.read(
                    data, maxMessageBytes: deps.store.configuration.maxMessageBytes)
            } catch {
                throw APIError(.badRequest, "the archive was not imported: \(error)")
            }
            let summary = try await storage { try await deps.store.importSessions(sessions) }
            return try HTTPSupport.json(summary)
        }
        router.post("/api/v1/sessions/cleanup") { _, _ -> Response in
            try HTTPSupport.json(["removed": try await storage { try await deps.store.cleanup() }])
        }

        // MARK: Operations

        router.get("/api/v1/health/tools") { _, _ -> Response in
            try HTTPSupport.json(deps.recovery.healthReport())
        }
        router.get("/health") { _, _ -> Response in
            try HTTPSupport.json(["status": "alive"])
        }
        router.get("/ready") { _, _ -> Response in
            var problems: [String] = []
            if deps.slot.ready == nil { problems.append("the assistant is starting up") }
            do {
                try await deps.store.checkWritable()
            } catch {
                problems.append("the session store cannot be written")
            }
            return try HTTPSupport.json(
                problems.isEmpty
                    ? ["status": "ready"] : ["status": "not ready", "reason": problems.joined(separator: "; ")],
                status: problems.isEmpty ? .ok : .serviceUnavailable)
        }
        router.get("/metrics") { _, _ -> Response in
            let statistics = try? await deps.store.statistics()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: deps.metrics.exposition(statistics: statistics))))
        }
        router.get("/") { _, _ -> Response in
            HTTPSupport.text(await StatusPage.render(deps), contentType: "text/html; charset=utf-8")
        }

        // MARK: Webex

        router.post("/webhooks/webex") { request, _ -> Response in
            guard let webhook = deps.webexWebhook else { throw APIError(.notFound, "the Webex bot is not configured") }
            let data = try await HTTPSupport.body(request, limit: limit)
            let status = await webhook(data, request.headers[.init("X-Spark-Signature")!])
            return Response(status: status)
        }
        return router
    }

    // MARK: Helpers

    /// A turn the store could not keep is not acknowledged: the client should send it again.
    static func notStored(_ reply: Reply) throws {
        guard reply.stored else {
            throw APIError(
                .serviceUnavailable,
                "the session store is unavailable, so this message was not saved; please send it again shortly")
        }
    }

    static func ready(_ deps: ServerDependencies) throws -> Assistant {
        guard let ready = deps.slot.ready else { throw APIError(.serviceUnavailable, AssistantSlot.startingUp) }
        return ready.assistant
    }

    private struct ChatBody: Decodable {
        var user: String
        var room: String
        var message: String
    }

    private static func chatTurn(_ request: Request, limit: Int) async throws -> Turn {
        let body = try HTTPSupport.decode(ChatBody.self, from: try await HTTPSupport.body(request, limit: limit))
        return Turn(user: body.user, room: body.room, message: body.message)
    }

    private static func sessionKey(_ context: BasicRequestContext) throws -> SessionKey {
        let key = SessionKey(
            user: try HTTPSupport.segment(context.parameters.get("user"), "user"),
            room: try HTTPSupport.segment(context.parameters.get("room"), "room"))
        do {
            try key.validate()
        } catch {
            throw APIError(.badRequest, "\(error)")
        }
        return key
    }

    /// Runs a store operation; its failure is a 503 with the store's own (SQL-free) message.
    private static func storage<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as SessionStoreError {
            throw APIError(.serviceUnavailable, "\(error)")
        }
    }

    // MARK: Streaming

    enum StreamEvent: Sendable {
        case piece(String)
        case done(Reply)
    }

    /// Answers a turn as server-sent events: the model's text as it comes, then the whole reply.
    /// When nothing was streamed (a command, a degraded answer) the reply is one piece.
    static func stream(
        _ turn: Turn, _ assistant: Assistant, _ metrics: ServerMetrics,
        format: @escaping @Sendable (StreamEvent) -> String
    ) -> Response {
        let (events, continuation) = AsyncStream<StreamEvent>.makeStream()
        var streamed = turn
        let sent = Counter()
        streamed.onText = { piece in
            sent.increment()
            continuation.yield(.piece(piece))
        }
        let task = Task {
            let reply = await assistant.respond(streamed)
            metrics.turn(degraded: reply.degraded, fallback: reply.isFallback)
            if sent.value == 0 { continuation.yield(.piece(reply.text)) }
            continuation.yield(.done(reply))
            continuation.finish()
        }
        continuation.onTermination = { termination in
            if case .cancelled = termination { task.cancel() }
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: ResponseBody { writer in
                for await event in events {
                    try await writer.write(ByteBuffer(string: format(event)))
                }
                try await writer.finish(nil)
            })
    }

    static func sse(event: String, data: [String: String]) -> String {
        "event: \(event)\ndata: \(String(decoding: (try? HTTPSupport.encoder.encode(data)) ?? Data(), as: UTF8.self))\n\n"
    }

    static func sse(event: String, json: some Encodable) -> String {
        "event: \(event)\ndata: \(String(decoding: (try? HTTPSupport.encoder.encode(json)) ?? Data(), as: UTF8.self))\n\n"
    }
}

/// A count shared between tasks.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
