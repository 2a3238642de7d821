import Foundation
import Hummingbird
import NIOCore
import PokedexAssistant
import PokedexSessions

/// `POST /api/v1/chat` and its streaming twin. The user is the principal's own identity (a
/// different `user` in the body is refused), or for a front end the user it states.
struct ChatRoutes {
    let deps: ServerDependencies

    private struct ChatBody: Decodable {
        var user: String?
        var room: String
        var message: String
    }

    func add(to group: RouterGroup<PokedexRequestContext>) {
        let deps = self.deps
        group.post("chat") { request, context -> Response in
            let turn = try await chatTurn(request, context)
            let assistant = try deps.assistant()
            let reply = await assistant.respond(turn)
            try Self.notStored(reply)
            return try HTTPSupport.json(reply)
        }
        group.post("chat/stream") { request, context -> Response in
            let turn = try await chatTurn(request, context)
            return Self.stream(turn, try deps.assistant()) { event in
                switch event {
                case .piece(let text): Self.sse(event: "token", json: ["text": text])
                case .done(let reply): Self.sse(event: "done", json: reply)
                }
            }
        }
    }

    private func chatTurn(_ request: Request, _ context: PokedexRequestContext) async throws -> Turn {
        let body = try HTTPSupport.decode(ChatBody.self, from: try await deps.body(request))
        let principal = try context.requirePrincipal()
        let user = try Self.checked(try principal.user(stated: body.user), field: "user")
        return Turn(
            user: user, room: try Self.checked(body.room, field: "room"), message: body.message,
            caller: principal.caller(channel: "http", context: context))
    }

    /// A user or room that can name a session, or a 400 naming the field.
    static func checked(_ value: String, field: String) throws -> String {
        do {
            try SessionKey.check(value, name: field)
        } catch {
            throw APIError(.badRequest, "\(error)", field: field)
        }
        return value
    }

    /// A turn the store could not keep is not acknowledged: the client should send it again.
    static func notStored(_ reply: Reply) throws {
        guard reply.stored else {
            throw APIError(
                .serviceUnavailable,
                "the session store is unavailable, so this message was not saved; please send it again shortly")
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
        _ turn: Turn, _ assistant: Assistant,
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
