import AsyncHTTPClient
import Foundation
import NIOCore
import PokedexTesting
import Testing

/// `pokedex serve` in websocket mode against the Webex simulator: no inbound port for Webex, the
/// state where operators look for it, a clean stop, and replicas on PostgreSQL that answer every
/// message exactly once — also when the one holding the websocket is killed.
@Suite("Webex websocket (CLI)")
struct WebexWebsocketCommandTests {
    static func environment(_ webex: WebexSimulator) -> [String: String] {
        [
            "POKEDEX_WEBEX_TOKEN": WebexSimulator.token, "POKEDEX_WEBEX_BASE_URL": webex.baseURL,
            "POKEDEX_WEBEX_DEVICE_URL": webex.deviceURL, "POKEDEX_WEBEX_HEARTBEAT": "200ms",
            "POKEDEX_WEBEX_IDLE_TIMEOUT": "10s", "POKEDEX_WEBEX_MAX_RECONNECT_DELAY": "300ms", "POKEDEX_WEBEX_LEASE": "2s",
        ]
    }

    /// The bot's answers threaded under a message.
    static func answers(_ webex: WebexSimulator, to id: String) -> Int {
        webex.posted.filter { $0.parentId == id && !$0.text.hasPrefix("🤔") && !$0.text.hasPrefix("⚡") }.count
    }

    static func eventually(_ what: String, within limit: Duration = .seconds(30), _ condition: () async throws -> Bool)
        async throws
    {
        let end = ContinuousClock.now + limit
        while try await !condition() {
            guard ContinuousClock.now < end else {
                Issue.record("timed out waiting until \(what)")
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    @Test func theStateIsInReadyTheStatusPageHealthAndMetricsAndSIGTERMClosesCleanly() async throws {
        let webex = try await WebexSimulator.start()
        defer { Task { try? await webex.stop() } }
        let llm = try await ScriptedLLMServer.start([.text("Isolate it first."), .text("A slow but complete answer.")])
        defer { Task { try? await llm.stop() } }
        var environment = Self.environment(webex)
        environment.merge(["POKEDEX_LLM_PROVIDER": "openai", "POKEDEX_LLM_URL": llm.openAIURL]) { $1 }
        let server = try await ServeCommandTests.Server.start(environment)
        defer { server.directory.remove() }

        try await Self.eventually("connected") { try await server.request("GET", "/ready").body.contains(#""state":"connected""#) }
        let question = webex.say("what do we do with ransomware?")
        try await Self.eventually("answered") { Self.answers(webex, to: question) == 1 }
        let ready = try await server.request("GET", "/ready")
        #expect(ready.status == 200 && ready.body.contains(#""reconnects":"#) && ready.body.contains("last_event"), "\(ready.body)")
        let page = try await server.request("GET", "/")
        #expect(page.body.contains("Webex") && page.body.contains("websocket connected since"), "\(page.body)")
        let metrics = try await server.request("GET", "/metrics")
        #expect(metrics.body.contains("pokedex_webex_websocket_connected 1"), "\(metrics.body)")
        let health = try await ChildProcess.run(["health", "--url", server.url, "--token", "unused"], environment: server.environment)
        #expect(health.stdout.contains("Webex websocket: connected since"), "\(health.stdout)\(health.stderr)")
        let check = try await ChildProcess.run(["config", "check"], environment: server.environment)
        #expect(check.stdout.contains("Webex: websocket"), "\(check.stdout)")
        // No webhook route in websocket mode: nothing to forge.
        #expect(try await server.request("POST", "/webhooks/webex", body: "{}").status == 404)

        // SIGTERM with a turn in flight: the turn is answered, the websocket closed with a close frame.
        llm.faults.use(FaultPlan().delayed(by: .milliseconds(800)))
        let slow = webex.say("a slow question")
        try await Self.eventually("the model asked") { llm.received.count == 2 }
        server.process.kill(SIGTERM)
        let outcome = await server.process.outcome()
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(Self.answers(webex, to: slow) == 1)
        try await Self.eventually("the simulator saw a close frame and the connection end") {
            webex.websocketsClosedByClient == 1 && webex.openWebsockets == 0
        }
    }

    @Test(
        .enabled(
            if: PostgresTestDatabase.serverURL != nil,
            "PostgreSQL cases skipped: set POKEDEX_TEST_POSTGRES_URL (.ci/run starts a server on loopback)"))
    func twoReplicasAnswerEachMessageOnceAndTheSurvivorTakesOverAKilledHolder() async throws {
        let webex = try await WebexSimulator.start()
        defer { Task { try? await webex.stop() } }
        var environment = Self.environment(webex)
        environment["POKEDEX_DATABASE"] = try await PostgresTestDatabase.make(prefix: "pokedex_ws_").url
        let replicas = [try await ServeCommandTests.Server.start(environment), try await ServeCommandTests.Server.start(environment)]
        defer { replicas.forEach { $0.directory.remove() } }
        func state(_ replica: ServeCommandTests.Server) async -> String {
            let body = (try? await replica.request("GET", "/ready").body) ?? ""
            return body.firstMatch(of: /"state":"(\w+)"/).map { String($0.1) } ?? "gone"
        }
        try await Self.eventually("one connected, one standing by") {
            let states = [await state(replicas[0]), await state(replicas[1])].sorted()
            return states == ["connected", "standby"]
        }
        let before = (0..<3).map { webex.say("question \($0)", room: "room-\($0 % 2)") }
        try await Self.eventually("answered") { before.allSatisfy { Self.answers(webex, to: $0) == 1 } }

        let holder = await state(replicas[0]) == "connected" ? replicas[0] : replicas[1]
        let survivor = holder.port == replicas[0].port ? replicas[1] : replicas[0]
        holder.process.kill(SIGKILL)
        _ = await holder.process.outcome()
        let during = (0..<3).map { webex.say("while the holder is dead \($0)", room: "room-\($0 % 2)") }
        try await Self.eventually("taken over", within: .seconds(20)) { await state(survivor) == "connected" }
        try await Self.eventually("caught up") { during.allSatisfy { Self.answers(webex, to: $0) == 1 } }
        let after = webex.say("after the take-over")
        try await Self.eventually("answered after") { Self.answers(webex, to: after) == 1 }
        for id in before + during + [after] { #expect(Self.answers(webex, to: id) == 1) }
        survivor.process.kill(SIGTERM)
        _ = await survivor.process.outcome()
    }
}
