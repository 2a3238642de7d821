import Foundation
import Hummingbird
import NIOCore
import PokedexAssistant

/// `POST /v1/chat/completions` and `GET /v1/models`, so OpenAI clients can talk to Pokedex. The
/// session is the principal's — its identity, or for a front end the `user` it states (its own
/// name when it states none) — in the room named by the `X-Pokedex-Room` header or the
/// `X-Pokedex-Conversation` id (default `openai`); never one session shared by all clients.
/// Pokedex keeps the conversation itself, so only the last user message of `messages` is the
/// question; the history a client sends along is not needed and is ignored.
struct OpenAIRoutes {
    let deps: ServerDependencies

    func add(to group: RouterGroup<PokedexRequestContext>) {
        let deps = self.deps
        group.post("chat/completions") { request, context -> Response in
            try await Self.completion(request, context: context, deps: deps)
        }
        group.get("models") { _, _ -> Response in
            try HTTPSupport.json(
                ModelList(data: [.init(id: "pokedex", object: "model", created: 1_735_689_600, owned_by: "pokedex")]))
        }
    }

    private struct ModelList: Encodable {
        struct Model: Encodable {
            var id: String
            var object: String
            var created: Int
            var owned_by: String
        }
        var object = "list"
        var data: [Model]
    }

    private struct CompletionRequest: Decodable {
        struct Message: Decodable {
            var role: String
            var content: Content?
        }

        /// A string, or a list of parts of which the text ones count.
        enum Content: Decodable {
            case text(String)
            case parts([Part])

            struct Part: Decodable {
                var type: String
                var text: String?
            }

            init(from decoder: any Decoder) throws {
                let container = try decoder.singleValueContainer()
                if let text = try? container.decode(String.self) {
                    self = .text(text)
                } else {
                    self = .parts(try container.decode([Part].self))
                }
            }

            var text: String {
                switch self {
                case .text(let text): text
                case .parts(let parts): parts.filter { $0.type == "text" }.compactMap(\.text).joined(separator: "\n")
                }
            }
        }

        var model: String?
        var messages: [Message]
        var stream: Bool?
        var user: String?
    }

    static func completion(
        _ request: Request, context: PokedexRequestContext, deps: ServerDependencies
    ) async throws -> Response {
        let body = try HTTPSupport.decode(CompletionRequest.self, from: try await deps.body(request))
        guard let question = body.messages.last(where: { $0.role == "user" })?.content?.text else {
            throw APIError(.badRequest, "'messages' must contain a user message", field: "messages")
        }
        let principal = try context.requirePrincipal()
        let user = try ChatRoutes.checked(try principal.user(stated: body.user), field: "user")
        let stated = [request.headers[.init("X-Pokedex-Room")!], request.headers[.init("X-Pokedex-Conversation")!]]
            .compactMap { $0 }.first { !$0.isEmpty }
        let room = try ChatRoutes.checked(stated ?? "openai", field: "room")
        let assistant = try deps.assistant()
        let turn = Turn(
            user: user, room: room, message: question, caller: principal.caller(channel: "openai", context: context))
        let id = "chatcmpl-" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let created = Int(Date().timeIntervalSince1970)
        let model = body.model ?? "pokedex"

        guard body.stream == true else {
            let reply = await assistant.respond(turn)
            try ChatRoutes.notStored(reply)
            return try HTTPSupport.json(
                Completion(
                    id: id, object: "chat.completion", created: created, model: model,
                    choices: [
                        .init(index: 0, message: .init(role: "assistant", content: reply.textWithEvidence), finish_reason: "stop")
                    ],
                    usage: .init(prompt_tokens: 0, completion_tokens: 0, total_tokens: 0)))
        }
        let first = Counter()
        return ChatRoutes.stream(turn, assistant) { event in
            switch event {
            case .piece(let text):
                defer { first.increment() }
                let delta = first.value == 0 ? Delta(role: "assistant", content: text) : Delta(role: nil, content: text)
                return chunk(id, created, model, delta: delta, finish: nil)
            case .done(let reply):
                // The evidence follows the answer as a last piece of text, as OpenAI clients show text.
                let evidence = Evidence.block(reply.evidence).map {
                    chunk(id, created, model, delta: Delta(role: nil, content: "\n\n" + $0), finish: nil)
                } ?? ""
                return evidence + chunk(id, created, model, delta: Delta(role: nil, content: nil), finish: "stop")
                    + "data: [DONE]\n\n"
            }
        }
    }

    private struct Completion: Encodable {
        struct Choice: Encodable {
            var index: Int
            var message: Message
            var finish_reason: String
        }
        struct Message: Encodable {
            var role: String
            var content: String
        }
        struct Usage: Encodable {
            var prompt_tokens: Int
            var completion_tokens: Int
            var total_tokens: Int
        }
        var id: String
        var object: String
        var created: Int
        var model: String
        var choices: [Choice]
        var usage: Usage
    }

    private struct Delta: Encodable {
        var role: String?
        var content: String?
    }

    private struct Chunk: Encodable {
        struct Choice: Encodable {
            var index: Int
            var delta: Delta
            var finish_reason: String?

            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(index, forKey: .index)
                try container.encode(delta, forKey: .delta)
                try container.encode(finish_reason, forKey: .finish_reason)  // null until the end, as OpenAI sends
            }

            enum CodingKeys: String, CodingKey { case index, delta, finish_reason }
        }
        var id: String
        var object = "chat.completion.chunk"
        var created: Int
        var model: String
        var choices: [Choice]
    }

    private static func chunk(_ id: String, _ created: Int, _ model: String, delta: Delta, finish: String?) -> String {
        let chunk = Chunk(
            id: id, created: created, model: model, choices: [.init(index: 0, delta: delta, finish_reason: finish)])
        return "data: " + String(decoding: (try? HTTPSupport.encoder.encode(chunk)) ?? Data(), as: UTF8.self) + "\n\n"
    }
}
