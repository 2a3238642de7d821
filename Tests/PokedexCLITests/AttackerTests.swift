import AsyncHTTPClient
import Crypto
import Foundation
import JWTKit
import NIOCore
import PokedexAudit
import PokedexTesting
import Testing

/// `pokedex serve` as an attacker meets it, over loopback: every protected route under every path
/// spelling with every kind of credential, impersonation through the chat, OpenAI and admin
/// routes, containment by identities that are not verified, what the audit log and the log at
/// trace level show, half-open connections, and a Webex message delivered again.
@Suite("Attacker's view of pokedex serve", .serialized)
struct AttackerTests {
    static let tokens = [
        "alice": "alice-token-0123456789abcdef", "bob": "bob-token-0123456789abcdef",
        "web": "web-token-0123456789abcdef", "web2": "web2-token-0123456789abcdef", "ops": "ops-token-0123456789abcdef",
    ]
    static let secrets = [
        "falcon": "falcon-client-secret-Zq81", "llm": "llm-api-key-Zq82", "webex": WebexSimulator.token,
        "webhook": "webhook-secret-Zq83",
    ]

    /// A server with principals of every role (the admin's token given as a digest), JWTs from a
    /// key set on disk, containment for the responder alice, the scripted model, and the Falcon
    /// and Webex simulators; its log at trace level is kept.
    final class Fixture: Sendable {
        let directory: TemporaryDirectory
        let falcon: FalconSimulator
        let webex: WebexSimulator
        let llm: ScriptedLLMServer
        let process: ChildProcess
        let port: Int
        let signer: JWTKeyCollection

        init(script: [ScriptedLLMServer.Step] = [], extra: [String: String] = [:]) async throws {
            directory = try TemporaryDirectory(prefix: "pokedex-attack")
            falcon = try await FalconSimulator.start(hosts: [
                .init(id: "a1b2c3d4e5f60718293a4b5c6d7e8f90", hostname: "WS-1234", status: "normal", online: "online")
            ])
            webex = try await WebexSimulator.start()
            llm = try await ScriptedLLMServer.start(script, otherwise: .text("Noted."))
            let key = ES256PrivateKey()
            signer = JWTKeyCollection()
            await signer.add(ecdsa: key, kid: "idp-1")
            guard let parameters = key.parameters else { throw LoopbackSocket.Failure(call: "key parameters") }
            let jwks = #"{"keys":[{"kty":"EC","crv":"P-256","kid":"idp-1","alg":"ES256","use":"sig","x":"\#(parameters.x)","y":"\#(parameters.y)"}]}"#
            try Data(jwks.utf8).write(to: directory.url.appendingPathComponent("jwks.json"))
            let opsDigest = SHA256.hash(data: Data(tokens["ops"]!.utf8)).map { String(format: "%02x", $0) }.joined()
            var environment = [
                "POKEDEX_DATABASE": directory.path("pokedex.db"), "POKEDEX_RUNBOOKS_DIR": directory.path("none"),
                "POKEDEX_AUDIT_LOG": directory.path("audit.jsonl"), "POKEDEX_WEATHER_ENABLED": "false",
                "POKEDEX_LOG_LEVEL": "trace",
                "POKEDEX_API_TOKENS": [
                    "alice@example.com:user:\(tokens["alice"]!)", "bob@example.com:user:\(tokens["bob"]!)",
                    "web:frontend:\(tokens["web"]!)", "web2:frontend:\(tokens["web2"]!)",
                    "ops:admin:sha256:\(opsDigest)",
                ].joined(separator: ","),
                "POKEDEX_JWT_ISSUER": "https://idp.example.com", "POKEDEX_JWT_AUDIENCE": "pokedex",
                "POKEDEX_JWT_JWKS_FILE": directory.path("jwks.json"), "POKEDEX_JWT_USER_CLAIM": "email",
                "POKEDEX_FALCON_BASE_URL": falcon.baseURL, "POKEDEX_FALCON_CLIENT_ID": FalconSimulator.clientID,
                "POKEDEX_FALCON_CLIENT_SECRET": FalconSimulator.clientSecret,
                "POKEDEX_FALCON_CONTAINMENT_ENABLED": "true",
                "POKEDEX_FALCON_CONTAINMENT_RESPONDERS": "alice@example.com",
                "POKEDEX_LLM_PROVIDER": "openai", "POKEDEX_LLM_URL": llm.openAIURL, "POKEDEX_LLM_MODEL": "scripted",
                "POKEDEX_LLM_API_KEY": secrets["llm"]!,
                "POKEDEX_WEBEX_TOKEN": WebexSimulator.token, "POKEDEX_WEBEX_WEBHOOK_SECRET": secrets["webhook"]!,
                "POKEDEX_WEBEX_BASE_URL": webex.baseURL,
            ]
            environment.merge(extra) { $1 }
            (process, port) = try await ServeProcess.start(environment: environment)
        }

        var url: String { "http://127.0.0.1:\(port)" }

        func request(
            _ method: String, _ path: String, token: String? = nil, body: String? = nil,
            headers: [(String, String)] = []
        ) async throws -> (status: Int, body: String) {
            var request = HTTPClientRequest(url: url + path)
            request.method = .init(rawValue: method)
            if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            for (name, value) in headers { request.headers.add(name: name, value: value) }
            if let body { request.body = .bytes(ByteBuffer(string: body)) }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 22)))
        }

        func jwt(email: String, issuer: String = "https://idp.example.com", audience: String = "pokedex", expiresIn: TimeInterval = 600) async throws -> String {
            try await signer.sign(
                Claims(
                    iss: IssuerClaim(value: issuer), aud: AudienceClaim(value: [audience]),
                    exp: ExpirationClaim(value: Date().addingTimeInterval(expiresIn)), email: email),
                kid: "idp-1")
        }

        func audit() throws -> [AuditRecord] { try AuditLog.records(at: directory.path("audit.jsonl")) }

        /// Stops the server and returns everything it logged.
        func finish() async -> String {
            process.kill(SIGTERM)
            let outcome = await process.outcome()
            try? await falcon.stop()
            try? await webex.stop()
            try? await llm.stop()
            directory.remove()
            return outcome.stdout + outcome.stderr
        }
    }

    struct Claims: JWTPayload {
        var iss: IssuerClaim
        var aud: AudienceClaim
        var exp: ExpirationClaim
        var email: String
        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }

    /// The routes behind credentials, with a body where they take one.
    static let routes: [(method: String, path: String, body: String?)] = [
        ("GET", "/api/v1/sessions", nil),
        ("GET", "/api/v1/sessions/alice%40example.com/soc", nil),
        ("GET", "/api/v1/sessions/alice%40example.com/soc/export", nil),
        ("DELETE", "/api/v1/sessions/alice%40example.com/gone", nil),
        ("POST", "/api/v1/sessions/import", #"{"format":"pokedex-sessions","version":1,"sessions":[]}"#),
        ("POST", "/api/v1/sessions/cleanup", nil),
        ("POST", "/api/v1/chat", #"{"user":"alice@example.com","room":"soc","message":"hello"}"#),
        ("POST", "/api/v1/chat/stream", #"{"user":"alice@example.com","room":"soc","message":"hello"}"#),
        ("GET", "/api/v1/health/tools", nil),
        ("POST", "/v1/chat/completions", #"{"user":"alice@example.com","messages":[{"role":"user","content":"hello"}]}"#),
        ("GET", "/v1/models", nil),
        ("POST", "/api/v1/tools/crowdstrike/force", #"{"state":"auto"}"#),
    ]

    /// What each credential must get on each route (in `routes` order) when the path reaches it.
    static let expected: [String: [Int]] = [
        "none": Array(repeating: 401, count: 12),
        "wrong": Array(repeating: 401, count: 12),
        "alice": [403, 200, 200, 404, 403, 403, 200, 200, 200, 200, 200, 403],
        "bob": [403, 403, 403, 403, 403, 403, 403, 403, 200, 403, 200, 403],
        "web": [403, 200, 200, 404, 403, 403, 200, 200, 200, 200, 200, 403],
        "ops": [200, 200, 200, 404, 200, 200, 403, 403, 200, 403, 200, 200],
    ]

    @Test func everyProtectedRouteUnderEveryPathSpellingGetsTheStatusItsCredentialAllows() async throws {
        let fixture = try await Fixture()
        var log = ""
        do {
            // Alice has a session, so reads of it can succeed for those allowed.
            let first = try await fixture.request(
                "POST", "/api/v1/chat", token: Self.tokens["alice"], body: #"{"room":"soc","message":"hello"}"#)
            #expect(first.status == 200, "\(first.body)")
            let credentials: [(String, String?)] = [
                ("none", nil), ("wrong", "wrong-token-0123456789abcdef"), ("alice", Self.tokens["alice"]),
                ("bob", Self.tokens["bob"]), ("web", Self.tokens["web"]), ("ops", Self.tokens["ops"]),
            ]
            for (index, route) in Self.routes.enumerated() {
                let reaching = [route.path, "/" + route.path, route.path + "/"]
                let lastSlash = route.path.lastIndex(of: "/")!
                let refused = [
                    "/." + route.path, route.path.replacingCharacters(in: lastSlash...lastSlash, with: "%2F"),
                    route.path.uppercased(),
                ]
                for (name, token) in credentials {
                    for path in reaching {
                        let answer = try await fixture.request(route.method, path, token: token, body: route.body)
                        #expect(
                            answer.status == Self.expected[name]![index],
                            "\(name) \(route.method) \(path): \(answer.status) \(answer.body.prefix(200))")
                    }
                    for path in refused {
                        // Not a route (404), or the same handler with the same checks — never more.
                        let answer = try await fixture.request(route.method, path, token: token, body: route.body)
                        #expect(
                            answer.status == 404 || answer.status == Self.expected[name]![index],
                            "\(name) \(route.method) \(path): \(answer.status)")
                    }
                }
            }
            // Refused admin actions are audited with who tried, from where.
            let refusals = try fixture.audit().filter { $0.outcome == "refused_forbidden" }
            #expect(refusals.contains { $0.principal == "bob@example.com" && $0.action == "sessions.import" })
            #expect(refusals.allSatisfy { $0.clientAddress == "127.0.0.1" && $0.requestID?.isEmpty == false })
            #expect(try fixture.audit().contains { $0.principal == "ops" && $0.action == "sessions.cleanup" })
        } catch {
            Issue.record(error)
        }
        log = await fixture.finish()
        for (name, secret) in Self.tokens.merging(Self.secrets, uniquingKeysWith: { $1 }) {
            #expect(!log.contains(secret), "the log shows the \(name) secret")
        }
        #expect(log.contains(" trace "))  // the log really was at trace level
    }

    @Test func identitiesComeFromCredentialsNeverFromTheRequest() async throws {
        let fixture = try await Fixture()
        do {
            // A user credential acts only as its own identity, on every route that names a user.
            let chat = try await fixture.request(
                "POST", "/api/v1/chat", token: Self.tokens["bob"],
                body: #"{"user":"alice@example.com","room":"soc","message":"what did I just say?"}"#)
            #expect(chat.status == 403)
            #expect(chat.body.contains(#""param":"user""#))
            let openAI = try await fixture.request(
                "POST", "/v1/chat/completions", token: Self.tokens["bob"],
                body: #"{"user":"alice@example.com","messages":[{"role":"user","content":"hi"}]}"#)
            #expect(openAI.status == 403)

            // OpenAI clients that send no user get their principal's own session, never a shared one.
            for name in ["web", "web2"] {
                let answer = try await fixture.request(
                    "POST", "/v1/chat/completions", token: Self.tokens[name],
                    body: #"{"messages":[{"role":"user","content":"my note for \#(name)"}]}"#)
                #expect(answer.status == 200, "\(answer.body)")
            }
            let webSession = try await fixture.request(
                "GET", "/api/v1/sessions/web/openai/export", token: Self.tokens["ops"])
            #expect(webSession.body.contains("my note for web") && !webSession.body.contains("my note for web2"))
            #expect(try await fixture.request("GET", "/api/v1/sessions/openai/openai", token: Self.tokens["ops"]).status == 404)
            #expect(try await fixture.request("GET", "/api/v1/sessions/web2/openai", token: Self.tokens["web"]).status == 200)
            let models = try await fixture.request("GET", "/v1/models", token: Self.tokens["web"])
            #expect(models.body.contains(#""id":"pokedex""#))

            // A JWT from the identity provider is a verified user; a bad one is no credential.
            let carol = try await fixture.jwt(email: "carol@example.com")
            let asCarol = try await fixture.request(
                "POST", "/api/v1/chat", token: carol, body: #"{"room":"soc","message":"hello"}"#)
            #expect(asCarol.status == 200, "\(asCarol.body)")
            #expect(try await fixture.request("GET", "/api/v1/sessions/carol%40example.com/soc", token: carol).status == 200)
            #expect(try await fixture.request("GET", "/api/v1/sessions/alice%40example.com/soc", token: carol).status == 403)
            for bad in [
                try await fixture.jwt(email: "carol@example.com", expiresIn: -60),
                try await fixture.jwt(email: "carol@example.com", issuer: "https://evil.example.com"),
                try await fixture.jwt(email: "carol@example.com", audience: "another-app"),
                try await JWTKeyCollection().add(ecdsa: ES256PrivateKey(), kid: "idp-1").sign(
                    Claims(
                        iss: .init(value: "https://idp.example.com"), aud: .init(value: ["pokedex"]),
                        exp: .init(value: Date().addingTimeInterval(600)), email: "carol@example.com"), kid: "idp-1"),
                String(carol.dropLast(4)) + "AAAA",
            ] {
                #expect(try await fixture.request("GET", "/api/v1/health/tools", token: String(bad)).status == 401)
            }

            // Users and rooms a session cannot have are 400s that name the field.
            for (body, field) in [
                (#"{"user":"","room":"soc","message":"hi"}"#, "user"),
                (#"{"user":"a\u0007b","room":"soc","message":"hi"}"#, "user"),
                (#"{"user":"\#(String(repeating: "u", count: 600))","room":"soc","message":"hi"}"#, "user"),
                (#"{"user":"dana","room":"","message":"hi"}"#, "room"),
                (#"{"user":"dana","room":"\#(String(repeating: "r", count: 600))","message":"hi"}"#, "room"),
            ] {
                let answer = try await fixture.request("POST", "/api/v1/chat", token: Self.tokens["web"], body: body)
                #expect(answer.status == 400, "\(body.prefix(60)): \(answer.status)")
                #expect(answer.body.contains(#""param":"\#(field)""#), "\(answer.body)")
            }
        } catch {
            Issue.record(error)
        }
        _ = await fixture.finish()
    }

    @Test func containmentNeedsAVerifiedResponderAndTheSameIdentityToConfirm() async throws {
        let request = ScriptedLLMServer.Step.toolCall(
            "crowdstrike_containment", #"{"hostname":"WS-1234","action":"contain"}"#)
        let fixture = try await Fixture(script: [request, .text("Refused."), request, .text("Please confirm.")])
        do {
            // A front end names the responder: that is a claim, not a verified identity.
            let claimed = #"{"user":"alice@example.com","room":"soc","message":"contain WS-1234"}"#
            #expect(try await fixture.request("POST", "/api/v1/chat", token: Self.tokens["web"], body: claimed).status == 200)
            // The responder herself asks, then the front end tries to confirm for her.
            let asked = try await fixture.request(
                "POST", "/api/v1/chat", token: Self.tokens["alice"], body: #"{"room":"soc","message":"contain WS-1234"}"#)
            #expect(asked.status == 200)
            let confirm = #"{"user":"alice@example.com","room":"soc","message":"confirm contain WS-1234"}"#
            let forged = try await fixture.request("POST", "/api/v1/chat", token: Self.tokens["web"], body: confirm)
            #expect(forged.body.contains("⛔"))
            #expect(fixture.falcon.actionsReceived.isEmpty)
            let confirmed = try await fixture.request(
                "POST", "/api/v1/chat", token: Self.tokens["alice"], body: #"{"room":"soc","message":"confirm contain WS-1234"}"#)
            #expect(confirmed.body.contains("Falcon accepted the containment of 'WS-1234'"), "\(confirmed.body)")
            #expect(fixture.falcon.actionsReceived == ["contain a1b2c3d4e5f60718293a4b5c6d7e8f90"])

            let audit = try fixture.audit()
            let unverified = audit.filter { $0.outcome == "refused_unverified" }
            #expect(unverified.count == 2)
            #expect(unverified.allSatisfy { $0.principal == "web" && !$0.verified && $0.channel == "http" })
            #expect(unverified.allSatisfy { $0.clientAddress == "127.0.0.1" && $0.requestID?.isEmpty == false })
            let accepted = try #require(audit.last)
            #expect(accepted.outcome == "accepted" && accepted.principal == "alice@example.com" && accepted.verified)
        } catch {
            Issue.record(error)
        }
        _ = await fixture.finish()
    }

    @Test func anAdminForcesAToolThroughTheCommandLineAndOthersCannot() async throws {
        let fixture = try await Fixture(script: [.text("Checked.")])
        do {
            let environment = ["POKEDEX_DATABASE": fixture.directory.path("cli.db")]
            let forced = try await ChildProcess.run(
                ["tools", "force", "crowdstrike", "unavailable", "--url", fixture.url, "--token", Self.tokens["ops"]!],
                environment: environment)
            #expect(forced.status == 0, "\(forced.stderr)")
            let listed = try await ChildProcess.run(
                ["tools", "list", "--url", fixture.url, "--token", Self.tokens["web"]!], environment: environment)
            #expect(listed.stdout.contains("crowdstrike      unavailable (forced by an operator)"), "\(listed.stdout)")
            // Out of service: the model is not offered the tool and Falcon is not asked.
            let asked = try await fixture.request(
                "POST", "/api/v1/chat", token: Self.tokens["alice"], body: #"{"room":"soc","message":"is WS-1234 contained?"}"#)
            #expect(asked.status == 200)
            let offered = try #require(fixture.llm.received.last?.tools)
            #expect(!offered.contains("crowdstrike"), "\(offered)")
            #expect(fixture.falcon.apiRequests.isEmpty)
            let metrics = try await fixture.request("GET", "/metrics")
            #expect(metrics.body.contains(#"pokedex_tool_forced{tool="crowdstrike"} 1"#))
            let page = try await fixture.request("GET", "/")
            #expect(page.body.contains("(forced)"))

            // Not an admin, an unknown tool, a state that is not one: refused, and the first audited.
            let refused = try await ChildProcess.run(
                ["tools", "force", "crowdstrike", "auto", "--url", fixture.url, "--token", Self.tokens["bob"]!],
                environment: environment)
            #expect(refused.status != 0 && refused.stderr.contains("403"), "\(refused.stderr)")
            let unknown = try await fixture.request(
                "POST", "/api/v1/tools/falcon-x/force", token: Self.tokens["ops"], body: #"{"state":"auto"}"#)
            #expect(unknown.status == 404)
            let bad = try await fixture.request(
                "POST", "/api/v1/tools/crowdstrike/force", token: Self.tokens["ops"], body: #"{"state":"on"}"#)
            #expect(bad.status == 400 && bad.body.contains(#""param":"state""#))

            let auto = try await ChildProcess.run(
                ["tools", "force", "crowdstrike", "auto", "--url", fixture.url, "--token", Self.tokens["ops"]!],
                environment: environment)
            #expect(auto.status == 0, "\(auto.stderr)")
            let health = try await fixture.request("GET", "/api/v1/health/tools", token: Self.tokens["web"])
            #expect(health.body.contains(#""forced":false"#))
            let forces = try fixture.audit().filter { $0.action == "tools.force" }
            #expect(forces.map(\.outcome) == ["done", "refused_forbidden", "done"])
            #expect(forces.map(\.principal) == ["ops", "bob@example.com", "ops"])
            #expect(forces.first?.detail == "crowdstrike unavailable")
        } catch {
            Issue.record(error)
        }
        _ = await fixture.finish()
    }

    @Test func halfOpenConnectionsNeitherStarveOthersNorStayOpen() async throws {
        let fixture = try await Fixture(extra: [
            "POKEDEX_SERVER_HEADER_TIMEOUT": "2s", "POKEDEX_SERVER_MAX_CONNECTIONS_PER_CLIENT": "100",
            "POKEDEX_SERVER_BODY_TIMEOUT": "1s",
        ])
        var sockets: [Int32] = []
        do {
            // 300 connections from one address that send half a request head and then nothing.
            for _ in 0..<300 {
                let socket = try LoopbackSocket.connect(port: fixture.port, from: "127.0.0.1")
                _ = LoopbackSocket.send(socket, "GET /health HTTP/1.1\r\nHost: x\r\n")
                sockets.append(socket)
            }
            // Beyond the per-address cap a connection is closed at once, long before any timeout.
            #expect(LoopbackSocket.waitForClose(sockets[sockets.count - 1], within: .seconds(1)))
                        // Another client is still answered at once.
            let started = ContinuousClock.now
            let health = LoopbackSocket.get(port: fixture.port, path: "/health", from: "127.0.0.2")
            #expect(health?.hasPrefix("HTTP/1.1 200") == true, "\(health ?? "no answer")")
            #expect(ContinuousClock.now - started < .seconds(1))
            // The half-open ones are closed by the server once the header timeout has passed.
            let closed = sockets.prefix(20).filter { LoopbackSocket.waitForClose($0, within: .seconds(10)) }
            #expect(closed.count == 20)
            // A body that trickles in is cut off at the body time limit with a 408.
            let slow = try LoopbackSocket.connect(port: fixture.port, from: "127.0.0.3")
            defer { close(slow) }
            _ = LoopbackSocket.send(
                slow, "POST /webhooks/webex HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{\"partial\":")
            var buffer = [UInt8](repeating: 0, count: 512)
            let count = recv(slow, &buffer, buffer.count, 0)
            #expect(String(decoding: buffer.prefix(max(count, 0)), as: UTF8.self).hasPrefix("HTTP/1.1 408"))
        } catch {
            Issue.record(error)
        }
        sockets.forEach { close($0) }
        _ = await fixture.finish()
    }

    @Test func aWebhookDeliveredThreeTimesIsAnsweredOnce() async throws {
        let fixture = try await Fixture(script: [.text("One answer.")])
        do {
            let id = fixture.webex.say("pokedex what is our phishing runbook?")
            let (body, signature) = fixture.webex.webhook(for: id, secret: Self.secrets["webhook"]!)
            for _ in 0..<3 {
                let answer = try await fixture.request(
                    "POST", "/webhooks/webex", body: String(decoding: body, as: UTF8.self),
                    headers: [("X-Spark-Signature", signature)])
                #expect(answer.status == 200)
            }
            // Wait until the answer's banner is posted, then a little longer for any second answer.
            for _ in 0..<200 where !fixture.webex.posted.contains(where: { $0.text.contains("Response time") }) {
                try await Task.sleep(for: .milliseconds(50))
            }
            let again = fixture.webex.say("pokedex hello")
            let (secondBody, secondSignature) = fixture.webex.webhook(for: again, secret: Self.secrets["webhook"]!)
            _ = try await fixture.request(
                "POST", "/webhooks/webex", body: String(decoding: secondBody, as: UTF8.self),
                headers: [("X-Spark-Signature", secondSignature)])
            for _ in 0..<200 where fixture.webex.posted.filter({ $0.text.contains("Response time") }).count < 2 {
                try await Task.sleep(for: .milliseconds(50))
            }
            // The later message was answered, so the first one's redeliveries had every chance.
            #expect(fixture.webex.posted.filter { $0.text.contains("One answer.") }.count == 1)
            #expect(fixture.webex.posted.filter { $0.text.contains("Response time") }.count == 2)
            #expect(fixture.webex.fetched.filter { $0 == id }.count == 1)
        } catch {
            Issue.record(error)
        }
        _ = await fixture.finish()
    }
}
