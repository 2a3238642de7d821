import AsyncHTTPClient
import Foundation
import NIOCore
import PokedexTesting
import Testing

/// `pokedex serve` as a real process: graceful shutdown, robustness against malformed requests,
/// `pokedex health`.
@Suite("pokedex serve (CLI)")
struct ServeCommandTests {
    /// A running `pokedex serve` on a free port, with its state in a temporary folder.
    struct Server {
        let process: ChildProcess
        let port: Int
        let directory: TemporaryDirectory
        let environment: [String: String]

        static func start(_ extra: [String: String] = [:]) async throws -> Server {
            let directory = try TemporaryDirectory(prefix: "pokedex-serve")
            try FileManager.default.copyItem(
                at: RunbooksCommandTests.samples, to: directory.url.appendingPathComponent("runbooks"))
            var environment = [
                "POKEDEX_DATABASE": directory.path("pokedex.db"), "POKEDEX_RUNBOOKS_DIR": directory.path("runbooks"),
                "POKEDEX_RUNBOOKS_INDEX": directory.path("runbooks.db"), "POKEDEX_LLM_PROVIDER": "none",
                "POKEDEX_WEATHER_ENABLED": "false", "POKEDEX_LOG_LEVEL": "warning",
            ]
            environment.merge(extra) { $1 }
            let (process, port) = try await ServeProcess.start(environment: environment)
            return Server(process: process, port: port, directory: directory, environment: environment)
        }

        var url: String { "http://127.0.0.1:\(port)" }

        func request(_ method: String, _ path: String, body: String? = nil) async throws -> (status: Int, body: String)
        {
            var request = HTTPClientRequest(url: url + path)
            request.method = .init(rawValue: method)
            if let body { request.body = .bytes(ByteBuffer(string: body)) }
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
            let data = try await response.body.collect(upTo: 1 << 22)
            return (Int(response.status.code), String(buffer: data))
        }
    }

    @Test func sigtermLetsTheTurnInFlightFinishAndExitsZero() async throws {
        let llm = try await ScriptedLLMServer.start([.text("A slow but complete answer.")])
        defer { Task { try await llm.stop() } }
        llm.faults.use(FaultPlan().delayed(by: .milliseconds(800)))
        let server = try await Server.start([
            "POKEDEX_LLM_PROVIDER": "openai", "POKEDEX_LLM_URL": llm.openAIURL, "POKEDEX_SERVER_GRACE_PERIOD": "10s",
        ])
        defer { server.directory.remove() }
        let turn = Task {
            try await server.request(
                "POST", "/api/v1/chat", body: #"{"user":"u","room":"r","message":"slow question"}"#)
        }
        while llm.received.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        server.process.kill(SIGTERM)
        let answer = try await turn.value
        #expect(answer.status == 200)
        #expect(answer.body.contains("A slow but complete answer."))
        let outcome = await server.process.outcome()
        #expect(outcome.status == 0, "\(outcome.stderr)")
        // Nothing was lost: both turns are in the database.
        let shown = try await ChildProcess.run(
            ["sessions", "show", "--user", "u", "--room", "r", "--json"], environment: server.environment)
        #expect(shown.stdout.contains(#""message_count" : 2"#), "\(shown.stdout)")
    }

    @Test func anOutageIsInTheLogAtItsDefaultLevel() async throws {
        let falcon = try await FalconSimulator.start(hosts: [
            .init(id: "a1b2c3d4e5f60718293a4b5c6d7e8f90", hostname: "WS-1234", status: "contained", online: "online")
        ])
        defer { Task { try await falcon.stop() } }
        falcon.faults.use(FaultPlan().failAlways(with: .status(500)))
        let server = try await Server.start([
            "POKEDEX_LOG_LEVEL": "info", "POKEDEX_LLM_PROVIDER": "openai", "POKEDEX_LLM_URL": "http://127.0.0.1:9/v1",
            "POKEDEX_FALCON_BASE_URL": falcon.baseURL, "POKEDEX_FALCON_CLIENT_ID": FalconSimulator.clientID,
            "POKEDEX_FALCON_CLIENT_SECRET": FalconSimulator.clientSecret, "POKEDEX_RECOVERY_CROWDSTRIKE_DELAY": "10ms",
            "POKEDEX_SERVER_ACCESS_LOG": "true",
        ])
        defer { server.directory.remove() }
        let answer = try await server.request(
            "POST", "/api/v1/chat", body: #"{"user":"u","room":"r","message":"is WS-1234 contained?"}"#)
        #expect(answer.status == 200)
        server.process.kill(SIGTERM)
        let log = await server.process.outcome().stderr
        #expect(log.contains("warning"), "\(log)")
        #expect(log.contains("the language model is not reachable at start-up (cannot reach the language model)"), "\(log)")
        #expect(log.contains("crowdstrike call failed: HTTP 500"), "\(log)")
        #expect(!log.contains(FalconSimulator.clientSecret))
        // The access log: the route's pattern, status, time, who and which request.
        let access = try #require(log.split(separator: "\n").first { $0.contains("POST /api/v1/chat 200") }, "\(log)")
        #expect(access.contains(" ms") && access.contains("request_id=") && access.contains("principal="), "\(access)")
    }

    @Test func aPortInUseIsNamedAndALogLevelThatIsNotOneIsSaid() async throws {
        let holder = try await LoopbackHTTPServer.start { _ in .json("{}") }
        defer { Task { try await holder.stop() } }
        let directory = try TemporaryDirectory(prefix: "pokedex-port")
        defer { directory.remove() }
        let outcome = try await ChildProcess.run(
            ["serve", "--port", "\(holder.port)"],
            environment: [
                "POKEDEX_DATABASE": directory.path("pokedex.db"), "POKEDEX_LLM_PROVIDER": "none",
                "POKEDEX_WEATHER_ENABLED": "false", "POKEDEX_RUNBOOKS_DIR": directory.path("none"),
                "POKEDEX_LOG_LEVEL": "loud",
            ])
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains("port \(holder.port) on 127.0.0.1 is already in use"), "\(outcome.stderr)")
        #expect(outcome.stderr.contains("POKEDEX_LOG_LEVEL 'loud' is not a level"), "\(outcome.stderr)")
    }

    @Test func sigtermCancelsATurnThatOutlastsTheGracePeriod() async throws {
        let llm = try await ScriptedLLMServer.start([.hang])
        defer { Task { try await llm.stop() } }
        let server = try await Server.start([
            "POKEDEX_LLM_PROVIDER": "openai", "POKEDEX_LLM_URL": llm.openAIURL, "POKEDEX_SERVER_GRACE_PERIOD": "1s",
        ])
        defer { server.directory.remove() }
        let turn = Task {
            try await server.request("POST", "/api/v1/chat", body: #"{"user":"u","room":"r","message":"hang"}"#)
        }
        while llm.received.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
        let stopping = ContinuousClock.now
        server.process.kill(SIGTERM)
        let outcome = await server.process.outcome()
        // Far less than the turn's own 30 s deadline, with room for a loaded machine.
        #expect(ContinuousClock.now - stopping < .seconds(10))
        #expect(outcome.status == 0, "\(outcome.stderr)")
        // The user got a reply, not a dropped connection, and it says why.
        let answer = try await turn.value
        #expect(answer.status == 200, "\(answer.body)")
        #expect(answer.body.contains("restarting and could not finish this answer"), "\(answer.body)")
    }

    @Test func twoThousandMalformedRequestsGetOnly4xxAndTheServerKeepsServing() async throws {
        let server = try await Server.start()
        defer {
            server.process.kill(SIGTERM)
            server.directory.remove()
        }
        let random = SeededGenerator(seed: 2026)
        var statuses: [Int: Int] = [:]
        var unanswered = 0
        for number in 0..<2000 {
            let bytes = MalformedRequests.make(number, random: random)
            if let status = await RawHTTPClient.status(port: server.port, sending: bytes) {
                statuses[status, default: 0] += 1
                #expect(
                    (400..<500).contains(status),
                    "request \(number) got \(status): \(String(decoding: bytes.prefix(120), as: UTF8.self))")
            } else {
                unanswered += 1  // garbage that is not HTTP at all: the connection is closed
            }
        }
        #expect(statuses.values.reduce(0, +) > 1500, "answered: \(statuses), unanswered: \(unanswered)")
        #expect(try await server.request("GET", "/health").status == 200)
        let chat = try await server.request("POST", "/api/v1/chat", body: #"{"user":"u","room":"r","message":"hello"}"#)
        #expect(chat.status == 200)
        #expect(server.process.isRunning)
    }

    @Test func healthCommandReadsARunningServer() async throws {
        let token = "health-check-token-0123456789"
        let server = try await Server.start(["POKEDEX_API_TOKENS": token])
        defer {
            server.process.kill(SIGTERM)
            server.directory.remove()
        }
        let outcome = try await ChildProcess.run(
            ["health", "--url", server.url],
            environment: server.environment.merging(["POKEDEX_API_TOKENS": token]) { $1 })
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("✅ ready"))
        #expect(outcome.stdout.contains("document_search  available"))
        let refused = try await ChildProcess.run(
            ["health", "--url", server.url, "--token", "wrong-token-0123456789"], environment: server.environment)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("401"))
        server.process.kill(SIGTERM)
        _ = await server.process.outcome()
        let gone = try await ChildProcess.run(["health", "--url", server.url], environment: server.environment)
        #expect(gone.status != 0)
        #expect(gone.stderr.contains("cannot reach the server at \(server.url)"), "\(gone.stderr)")
    }

    @Test func withoutTokensOnlyLoopbackIsAllowed() async throws {
        let outcome = try await ChildProcess.run(["serve", "--host", "0.0.0.0", "--port", "0"])
        #expect(outcome.status != 0)
        #expect(outcome.stderr.contains("without API credentials (POKEDEX_API_TOKENS, server.principals or server.jwt)"))
    }
}

/// A reproducible random source for generated inputs.
final class SeededGenerator: @unchecked Sendable {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    func next() -> UInt64 {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return state >> 11
    }
    func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }
}

/// Requests no well-behaved client sends: random bytes, truncated JSON, wrong types, invalid UTF-8,
/// huge headers, odd path encodings, wrong lengths and methods.
enum MalformedRequests {
    static func make(_ number: Int, random: SeededGenerator) -> [UInt8] {
        func request(_ method: String, _ path: String, headers: [String] = [], body: [UInt8] = []) -> [UInt8] {
            var head = "\(method) \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
            for header in headers { head += header + "\r\n" }
            head += "Content-Length: \(body.count)\r\n\r\n"
            return Array(head.utf8) + body
        }
        let valid = Array(#"{"user":"fuzz","room":"r","message":"hello there"}"#.utf8)
        switch number % 10 {
        case 0:  // random bytes
            return (0..<(1 + random.below(300))).map { _ in UInt8(truncatingIfNeeded: random.next()) }
        case 1:  // truncated JSON
            return request("POST", "/api/v1/chat", body: Array(valid.prefix(random.below(valid.count - 1))))
        case 2:  // wrong types
            let bodies = [
                #"{"user":1,"room":"r","message":"x"}"#, #"{"user":"u","room":[],"message":"x"}"#,
                #"{"user":"u","room":"r","message":{"a":1}}"#, #"null"#, #"true"#, #""text""#, #"[]"#,
                #"{"model":1,"messages":"x"}"#,
            ]
            let path = number % 20 == 2 ? "/v1/chat/completions" : "/api/v1/chat"
            return request("POST", path, body: Array(bodies[random.below(bodies.count)].utf8))
        case 3:  // invalid UTF-8
            var body = Array(#"{"user":"u","room":"r","message":""#.utf8)
            body += (0..<8).map { _ in UInt8(0x80 + random.below(0x7F)) }
            body += Array(#""}"#.utf8)
            return request("POST", "/api/v1/chat", body: body)
        case 4:  // huge header
            return request(
                "GET", "/health", headers: ["X-Huge: " + String(repeating: "a", count: 100_000 + random.below(50_000))])
        case 5:  // odd path encodings
            let paths = [
                "/api/v1/sessions/%ZZ/r", "/api/v1/sessions/%00/%00", "/api/v1/sessions/a/b/c/d/e",
                "/%2e%2e/%2e%2e/etc/passwd", "/api/v1/sessions/" + String(repeating: "x", count: 9000) + "/r",
                "/api/v1/sessions/%C3%28/r", "/api/v1/chat?%%%", "/api/v1/sessions/%/%",
            ]
            return request(["GET", "DELETE"][random.below(2)], paths[random.below(paths.count)])
        case 6:  // content length that lies
            var bytes = request("POST", "/api/v1/chat", body: valid)
            let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(
                of: "Content-Length: \(valid.count)", with: "Content-Length: \(valid.count + 50 + random.below(100))")
            bytes = Array(text.utf8)
            return bytes
        case 7:  // methods that do not exist on the route
            let methods = ["PUT", "PATCH", "DELETE", "OPTIONS", "TRACE"]
            return request(methods[random.below(methods.count)], "/api/v1/chat", body: valid)
        case 8:  // broken request line
            let lines = [
                "GET\r\n\r\n", "GET / HTTP/9.9\r\n\r\n", "\r\n\r\n", "GET /health\r\nHost: x\r\n\r\n",
                "POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\n",
            ]
            return Array(lines[random.below(lines.count)].utf8)
        default:  // a body far over the limit
            return request("POST", "/api/v1/chat", body: Array(repeating: UInt8(ascii: "a"), count: 1_100_000))
        }
    }
}
