import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import PokedexAssistant
import PokedexAudit
import PokedexSessions
import PokedexSettings
import PokedexWebex
import Testing

@testable import PokedexServer

/// Every route of SPEC 7, its status codes and errors.
@Suite("HTTP routes")
struct RouteTests {
    @Test func chatAnswersAndStoresTheTurn() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.finish() }
        try await fixture.test { client in
            try await client.execute(
                uri: "/api/v1/chat", method: .post,
                body: .json(#"{"user":"alice","room":"soc","message":"how do I triage phishing?"}"#)
            ) { response in
                #expect(response.status == .ok)
                let json = try #require(response.json)
                #expect((json["reply"] as? String)?.contains("DMARC") == true)
                #expect(json["degraded"] as? Bool == true)
                #expect(json["tools_used"] as? [String] == ["document_search"])
                #expect(json["elapsed_ms"] is Int)
                #expect(response.headers[HTTPField.Name("X-Request-Id")!] != nil)
                // The grounds of the answer, as an array.
                let evidence = try #require((json["evidence"] as? [[String: Any]])?.first)
                #expect(evidence["tool"] as? String == "document_search")
                // Runbook evidence names its sources (the excerpts are the answer itself).
                #expect((evidence["result"] as? String)?.contains("phishing.md") == true, "\(evidence)")
                #expect(evidence["fallback"] as? Bool == false && evidence["time"] is String)
            }
            // OpenAI clients show text: the evidence follows the answer.
            try await client.execute(
                uri: "/v1/chat/completions", method: .post,
                body: .json(#"{"messages":[{"role":"user","content":"how do I triage phishing?"}]}"#)
            ) { response in
                #expect(response.text.contains("📎 Evidence"), "\(response.text)")
            }
        }
        #expect(try await fixture.store.history(of: SessionKey(user: "alice", room: "soc")).count == 3)
    }

    /// A bad body is a 400 that says what is wrong; a field inside a list is named as a client
    /// writes it (`messages[0].content`, never the decoder's `Index 0`), whatever is wrong with it
    /// — a lone surrogate included, which decodes to no string at all.
    @Test(arguments: [
        ("/api/v1/chat", #"{"user":"a","room":"r"}"#, "the field 'message' is missing"),
        ("/api/v1/chat", #"{"user":"a","room":"r","message":42}"#, "the field 'message' must be a string"),
        ("/api/v1/chat", #"{"user":"a","room":"r","message":null}"#, "the field 'message' must not be null"),
        ("/api/v1/chat", #"{"user":"a","room":"r","#, "the request body is not valid JSON"),
        ("/api/v1/chat", "", "the request body is empty"),
        ("/api/v1/chat", #"[1,2,3]"#, "the request body must be a JSON object"),
        ("/v1/chat/completions", #"{"messages":[{"role":"user","content":"\ud800"}]}"#, "the field 'messages[0].content'"),
        (
            "/v1/chat/completions", #"{"messages":[{"role":"user","content":"hi"},{"content":"x"}]}"#,
            "the field 'messages[1].role' is missing"
        ),
    ])
    func badBodiesAre400WithAMessage(_ uri: String, _ body: String, _ message: String) async throws {
        let fixture = try await ServerFixture()
        defer { fixture.finish() }
        try await fixture.test { client in
            try await client.execute(uri: uri, method: .post, body: .json(body)) { response in
                #expect(response.status == .badRequest)
                #expect(response.errorMessage?.hasPrefix(message) == true, "\(response.text)")
                #expect(response.errorMessage?.contains("Index") == false)
            }
        }
    }

    @Test func invalidUTF8AndHugeBodiesAreRefused() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.finish() }
        try await fixture.test { client in
            var invalid = ByteBuffer(string: #"{"user":"a","room":"r","message":""#)
            invalid.writeBytes([0xC3, 0x28, 0xFF])
            invalid.writeString(#""}"#)
            try await client.execute(uri: "/api/v1/chat", method: .post, body: invalid) { response in
                #expect(response.status == .badRequest)
                #expect(response.errorMessage == "the request body is not valid UTF-8")
            }
            let huge = ByteBuffer(
                string: #"{"user":"a","room":"r","message":""# + String(repeating: "x", count: 1_100_000) + #""}"#)
            try await client.execute(uri: "/api/v1/chat", method: .post, body: huge) { response in
                #expect(response.status == .contentTooLarge)
            }
        }
        #expect(try await fixture.store.statistics().totalMessages == 0)
    }

    @Test func streamingSendsTokensThenDone() async throws {
        let fixture = try await ServerFixture(script: [.text("Check the sender's SPF record first. Then DKIM.")])
        defer { fixture.finish() }
        try await fixture.test { client in
            try await client.execute(
                uri: "/api/v1/chat/stream", method: .post,
                body: .json(#"{"user":"a","room":"r","message":"phishing?"}"#)
            ) { response in
                #expect(response.status == .ok)
                #expect(response.headers[.contentType] == "text/event-stream")
                let events = response.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
                #expect(events.count > 2)
                #expect(events.dropLast().allSatisfy { $0.hasPrefix("event: token\ndata: {\"text\":") })
                #expect(events.last?.hasPrefix("event: done\ndata: {") == true)
                #expect(events.last?.contains("Check the sender's SPF record first.") == true)
            }
        }
    }

    @Test func openAICompatibleCompletionsStreamedAndNot() async throws {
        let fixture = try await ServerFixture(script: [.text("First answer."), .text("Second answer, streamed.")])
        defer { fixture.finish() }
        try await fixture.test { client in
            try await client.execute(
                uri: "/v1/chat/completions", method: .post, headers: [HTTPField.Name("X-Pokedex-Room")!: "blue"],
                body: .json(#"{"model":"pokedex","user":"carol","messages":[{"role":"user","content":"hi there"}]}"#)
            ) { response in
                #expect(response.status == .ok)
                let json = try #require(response.json)
                #expect(json["object"] as? String == "chat.completion")
                let choice = try #require((json["choices"] as? [[String: Any]])?.first)
                #expect((choice["message"] as? [String: Any])?["content"] as? String == "First answer.")
                #expect(choice["finish_reason"] as? String == "stop")
            }
            try await client.execute(
                uri: "/v1/chat/completions", method: .post, headers: [HTTPField.Name("X-Pokedex-Room")!: "blue"],
                body: .json(
                    #"{"model":"pokedex","user":"carol","stream":true,"messages":[{"role":"user","content":[{"type":"text","text":"and now?"}]}]}"#
                )
            ) { response in
                let lines = response.text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
                #expect(lines.last == "data: [DONE]")
                #expect(lines.first?.contains(#""role":"assistant""#) == true)
                #expect(
                    lines.dropLast(2).allSatisfy { $0.hasPrefix("data: {") && $0.contains(#""finish_reason":null"#) })
                #expect(lines.dropLast().last?.contains(#""finish_reason":"stop""#) == true)
            }
        }
        let history = try await fixture.store.history(of: SessionKey(user: "carol", room: "blue"))
        #expect(history.map(\.content) == ["hi there", "First answer.", "and now?", "Second answer, streamed."])
    }

    @Test func openAIRequestsWithoutAUserMessageAre400() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.finish() }
        try await fixture.test { client in
            try await client.execute(
                uri: "/v1/chat/completions", method: .post,
                body: .json(#"{"model":"x","messages":[{"role":"system","content":"be nice"}]}"#)
            ) { response in
                #expect(response.status == .badRequest)
                #expect(response.errorMessage == "'messages' must contain a user message")
            }
        }
    }

    @Test func sessionAdministration() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.finish() }
        let key = SessionKey(user: "dana@example.com", room: "room/with spaces")
        _ = try await fixture.store.append(.user, "hello", to: key)
        _ = try await fixture.store.append(.assistant, "hi", to: key)
        let path = "/api/v1/sessions/dana%40example.com/room%2Fwith%20spaces"
        try await fixture.test { client in
            try await client.execute(uri: "/api/v1/sessions", method: .get) { response in
                #expect(response.json?["total_sessions"] as? Int == 1)
                #expect(response.json?["total_messages"] as? Int == 2)
            }
            try await client.execute(uri: path, method: .get) { response in
                #expect(response.status == .ok)
                #expect(response.json?["message_count"] as? Int == 2)
                #expect(response.json?["room"] as? String == "room/with spaces")
            }
            let export = try await client.execute(uri: path + "/export", method: .get) { response in
                #expect(response.json?["format"] as? String == "pokedex-sessions")
                return response.text
            }
            try await client.execute(uri: path, method: .delete) { response in
                #expect(response.json?["deleted"] as? Bool == true)
            }
            try await client.execute(uri: path, method: .get) { response in #expect(response.status == .notFound) }
            try await client.execute(uri: path, method: .delete) { response in #expect(response.status == .notFound) }
            try await client.execute(uri: "/api/v1/sessions/import", method: .post, body: .json(export)) { response in
                #expect(response.status == .ok, "\(response.text)")
            }
            try await client.execute(uri: path, method: .get) { response in
                #expect(response.json?["message_count"] as? Int == 2)
            }
            try await client.execute(uri: "/api/v1/sessions/import", method: .post, body: .json(#"{"format":"nope"}"#))
            {
                response in
                #expect(response.status == .badRequest)
                #expect(response.errorMessage?.hasPrefix("the archive was not imported") == true)
            }
            try await client.execute(uri: "/api/v1/sessions/cleanup", method: .post) { response in
                #expect(response.json?["removed"] as? Int == 0)
            }
            try await client.execute(uri: "/api/v1/sessions/a/%ZZ", method: .get) { response in
                #expect(response.status == .badRequest)
            }
        }
    }

    @Test func healthReadinessMetricsAndStatusPage() async throws {
        let fixture = try await ServerFixture()
        defer { fixture.finish() }
        try await fixture.test { client in
            try await client.execute(
                uri: "/api/v1/chat", method: .post, body: .json(#"{"user":"a","room":"r","message":"hello"}"#))
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/ready", method: .get) { #expect($0.json?["status"] as? String == "ready") }
            try await client.execute(uri: "/api/v1/health/tools", method: .get) { response in
                let json = try #require(response.json)
                #expect(json["tool_availability"] as? [String: Bool] != nil)
                #expect((json["tools"] as? [String: Any])?["document_search"] != nil)
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                let text = response.text
                #expect(
                    text.contains(#"pokedex_http_requests_total{route="/api/v1/chat",method="POST",status="200"} 1"#))
                #expect(text.contains(#"pokedex_turns_total{channel="http"} 1"#), "\(text)")
                #expect(text.contains("pokedex_sessions 1"))
                #expect(text.contains("pokedex_tool_calls_total"))
                #expect(!text.contains("hello"))
            }
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(response.text.contains(#"<table id="tools">"#))
                #expect(response.text.contains("document_search"))
                #expect(response.text.contains("crowdstrike"))
                #expect(!response.text.contains("<script"))
                // No model configured: it is a component that says so, not a tool that is "available".
                #expect(response.text.contains("none configured (degraded mode)"))
                #expect(!response.text.contains("<td>llm</td>"))
            }
            try await client.execute(uri: "/no/such/route", method: .get) { #expect($0.status == .notFound) }
        }
    }

    @Test func beforeTheAssistantIsReadyChatSaysSoAndReadyIs503() async throws {
        let fixture = try await ServerFixture(ready: false)
        defer { fixture.finish() }
        try await fixture.test { client in
            try await client.execute(
                uri: "/api/v1/chat", method: .post, body: .json(#"{"user":"a","room":"r","message":"hi"}"#)
            ) {
                response in
                #expect(response.status == .serviceUnavailable)
                #expect(response.errorMessage == "🔄 I'm still starting up. Please try again in a moment.")
            }
            try await client.execute(uri: "/ready", method: .get) { #expect($0.status == .serviceUnavailable) }
            try await client.execute(uri: "/health", method: .get) { #expect($0.status == .ok) }
        }
    }
}

/// Bearer tokens on `/api` and `/v1`.
@Suite("HTTP authentication")
struct AuthenticationTests {
    @Test func apiRoutesNeedAValidTokenOthersDoNot() async throws {
        let fixture = try await ServerFixture(tokens: ["ops:admin:" + ServerFixture.token])
        defer { fixture.finish() }
        try await fixture.test { client in
            for (uri, method) in [
                ("/api/v1/sessions", HTTPRequest.Method.get), ("/v1/chat/completions", .post),
                ("/api/v1/health/tools", .get),
            ] {
                try await client.execute(uri: uri, method: method) { response in
                    #expect(response.status == .unauthorized)
                    #expect(response.headers[.wwwAuthenticate] == "Bearer")
                }
                try await client.execute(
                    uri: uri, method: method, headers: [.authorization: "Bearer wrong-token-0123456789"]
                ) {
                    #expect($0.status == .unauthorized)
                }
            }
            try await client.execute(
                uri: "/api/v1/sessions", method: .get, headers: [.authorization: "Bearer \(ServerFixture.token)"]
            ) {
                #expect($0.status == .ok)
            }
            for uri in ["/health", "/ready", "/metrics", "/"] {
                try await client.execute(uri: uri, method: .get) { #expect($0.status == .ok, "\(uri)") }
            }
            try await client.execute(uri: "/metrics", method: .get) { #expect(!$0.text.contains(ServerFixture.token)) }
        }
    }

    /// The admin routes are a group behind the administrator's gate: a user's credential reaches
    /// none of them, however the path is spelt, and every refused change is audited.
    @Test func adminRoutesLetOnlyAdministratorsThrough() async throws {
        let user = "user-token-0123456789abcdef"
        let fixture = try await ServerFixture(tokens: ["ops:admin:" + ServerFixture.token, "bob:user:" + user])
        defer { fixture.finish() }
        let adminRoutes: [(String, HTTPRequest.Method, String?)] = [
            ("/api/v1/sessions", .get, nil), ("/api/v1/sessions/cleanup", .post, nil),
            ("/api/v1/sessions/import", .post, "[]"), ("/api/v1/tools/weather/force", .post, #"{"state":"auto"}"#),
            ("/api/v1/sessions/cleanup/", .post, nil), ("/api/v1//tools/weather/force", .post, #"{"state":"auto"}"#),
        ]
        try await fixture.test { client in
            for (uri, method, body) in adminRoutes {
                try await client.execute(
                    uri: uri, method: method, headers: [.authorization: "Bearer \(user)"], body: body.map(ByteBuffer.json)
                ) { response in
                    #expect(response.status == .forbidden || response.status == .notFound, "\(method) \(uri): \(response.status)")
                }
            }
            // The user's own session routes are not behind the gate.
            try await client.execute(uri: "/api/v1/sessions/bob/soc", method: .get, headers: [.authorization: "Bearer \(user)"]) {
                #expect($0.status == .notFound)
            }
            try await client.execute(
                uri: "/api/v1/sessions/cleanup", method: .post, headers: [.authorization: "Bearer \(ServerFixture.token)"]
            ) {
                #expect($0.status == .ok)
            }
        }
        let records = try AuditLog.records(at: fixture.auditPath)
        let refused = records.filter { $0.outcome == "refused_forbidden" }
        #expect(Set(refused.map(\.action)).isSuperset(of: ["sessions.cleanup", "sessions.import", "tools.force"]))
        #expect(refused.allSatisfy { $0.principal == "bob" && $0.action != "sessions" })
        #expect(records.contains { $0.action == "sessions.cleanup" && $0.outcome == "done" && $0.principal == "ops" })
        #expect(AdministratorMiddleware.action("/api/v1/tools/{tool}/force") == "tools.force")
        #expect(AdministratorMiddleware.action("/api/v1/sessions/import") == "sessions.import")
    }

    @Test func tokenComparisonIsExact() {
        let token = Array("0123456789abcdef".utf8)
        #expect(Authenticator.constantTimeEqual(token, token))
        #expect(!Authenticator.constantTimeEqual(token, Array("0123456789abcdeF".utf8)))
        #expect(!Authenticator.constantTimeEqual(token, Array("0123456789abcde".utf8)))
    }
}

/// `POST /webhooks/webex` through the server: signature first, answered at once.
@Suite("Webex webhook route")
struct WebexRouteTests {
    @Test func theWebhookRouteChecksTheSignatureBeforeAnything() async throws {
        let base = try await ServerFixture()
        defer { base.finish() }
        var webex = WebexConfiguration()
        webex.token = Secret("token")
        webex.webhookSecret = Secret("secret")
        webex.baseURL = "http://127.0.0.1:9/v1"
        let bot = WebexBot(configuration: webex, slot: base.slot)
        var dependencies = base.dependencies
        dependencies.webexWebhook = { body, signature in
            HTTPResponse.Status(code: await bot.receive(body, signature: signature))
        }
        let application = Application(router: PokedexRouter.make(dependencies))
        let event = #"{"resource":"rooms","event":"created","data":{"id":"x"}}"#
        try await application.test(.router) { client in
            try await client.execute(uri: "/webhooks/webex", method: .post, body: .json(event)) { response in
                #expect(response.status == .unauthorized)
            }
            let signature = WebexSignature.sign(Data(event.utf8), secret: "secret")
            try await client.execute(
                uri: "/webhooks/webex", method: .post, headers: [HTTPField.Name("X-Spark-Signature")!: signature],
                body: .json(event)
            ) { response in
                #expect(response.status == .ok)
            }
        }
        // Without the bot configured the route does not exist.
        try await base.test { client in
            try await client.execute(uri: "/webhooks/webex", method: .post, body: .json(event)) {
                #expect($0.status == .notFound)
            }
        }
    }
}
