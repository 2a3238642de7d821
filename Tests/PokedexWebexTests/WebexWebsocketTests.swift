import Foundation
import InMemoryLogging
import Logging
import PokedexAssistant
import PokedexRecovery
import PokedexSessions
import PokedexSettings
import PokedexTesting
import PokedexTools
import Synchronization
import Testing

@testable import PokedexWebex

/// The websocket mode against the simulator's real websocket (authorization frame, pings, acks,
/// activity events) and REST API, with the assistant in degraded mode on a real SQLite store.
@Suite("Webex websocket")
struct WebexWebsocketTests {
    final class Fixture: Sendable {
        let webex: WebexSimulator
        let directory: TemporaryDirectory
        let store: SQLiteSessionStore
        let logs = InMemoryLogHandler()
        let configuration: WebexConfiguration
        let slot: AssistantSlot
        private let running = Mutex<[Task<Void, any Error>]>([])

        init(webex: WebexSimulator? = nil, adjust: (inout WebexConfiguration) -> Void = { _ in }) async throws {
            if let webex { self.webex = webex } else { self.webex = try await WebexSimulator.start() }
            directory = try TemporaryDirectory(prefix: "pokedex-websocket")
            var sessions = SessionsConfiguration()
            sessions.database = directory.path("pokedex.db")
            store = try SQLiteSessionStore(configuration: sessions)
            let recovery = Recovery(configuration: ToolSet.recoveryConfiguration(), clock: ManualClock())
            var tools = ToolsConfiguration()
            tools.weatherEnabled = false
            tools.runbooksDirectory = directory.path("none")
            let toolSet = try ToolSet.make(tools, recovery: recovery, auditLog: nil)
            let assistant = Assistant(
                configuration: AssistantConfiguration(), store: store, recovery: recovery, tools: toolSet, model: nil)
            slot = AssistantSlot(.init(assistant: assistant, tools: toolSet, model: nil))
            var configuration = WebexConfiguration()
            configuration.token = Secret(WebexSimulator.token)
            configuration.baseURL = self.webex.baseURL
            configuration.deviceURL = self.webex.deviceURL
            configuration.heartbeat = .milliseconds(100)
            // Long enough that a loaded machine's slow pongs are not taken for a dead connection;
            // the test of silence shortens it.
            configuration.idleTimeout = .seconds(10)
            configuration.maxReconnectDelay = .milliseconds(200)
            configuration.lease = .seconds(3)
            adjust(&configuration)
            self.configuration = configuration
        }

        /// Starts a bot and its websocket (a replica); returns the websocket and a way to stop both.
        @discardableResult
        func startReplica() -> (websocket: WebexWebsocket, stop: @Sendable () -> Void) {
            let logger = Logger(label: "webex-test") { [logs] _ in logs }
            let bot = WebexBot(
                configuration: configuration, slot: slot, deliveries: store, logger: logger,
                progressInterval: .seconds(60))
            let websocket = WebexWebsocket(configuration: configuration, bot: bot, store: store, logger: logger)
            let tasks = [Task { try await bot.run() }, Task { try await websocket.run() }]
            running.withLock { $0 += tasks }
            return (websocket, { tasks.forEach { $0.cancel() } })
        }

        /// A replica whose websocket is connected.
        func connectedReplica() async throws -> WebexWebsocket {
            let (websocket, _) = startReplica()
            try await WebexWebsocketTests.eventually("connected") { websocket.status.state == .connected }
            return websocket
        }

        /// The bot's answers threaded under a message (not its "thinking…" message or banner).
        func answers(to id: String) -> [WebexSimulator.Message] {
            webex.posted.filter { $0.parentId == id && !$0.text.hasPrefix("🤔") && !$0.text.hasPrefix("⚡") }
        }

        func logged(_ text: String) -> Int {
            logs.entries.filter { "\($0.message)".contains(text) }.count
        }

        func finish() {
            running.withLock { $0 }.forEach { $0.cancel() }
            Task { [webex, directory] in
                try? await webex.stop()
                directory.remove()
            }
        }
    }

    /// Waits (on a loopback protocol, so on real time, with a limit for slow machines) until true.
    static func eventually(_ what: String, _ condition: () -> Bool) async throws {
        let limit = ContinuousClock.now + .seconds(20)
        while !condition() {
            guard ContinuousClock.now < limit else {
                Issue.record("timed out waiting until \(what)")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test func aMessageIsAnsweredInItsThreadThroughTheWebsocket() async throws {
        let fixture = try await Fixture()
        defer { fixture.finish() }
        let websocket = try await fixture.connectedReplica()
        let question = fixture.webex.say("hello")
        try await Self.eventually("answered") { fixture.answers(to: question).count == 1 }
        #expect(fixture.webex.devices == 1)
        #expect(websocket.status.lastEvent != nil && websocket.status.connectedSince != nil)
        // Every event frame is acknowledged; the bot's own posts are recognised from the event
        // (never fetched); pings keep the connection alive.
        try await Self.eventually("acknowledged: \(fixture.webex.acks.count) acks, \(fixture.webex.posted.count) posts") { fixture.webex.acks.count >= fixture.webex.posted.count + 1 }
        #expect(fixture.webex.fetched == [question])
        #expect(fixture.webex.pings >= 1)
        #expect(fixture.answers(to: question).count == 1)
    }

    @Test func messagesSentWhileTheConnectionWasDownAreAnsweredOnceAfterReconnecting() async throws {
        let fixture = try await Fixture()
        defer { fixture.finish() }
        let websocket = try await fixture.connectedReplica()
        let before = fixture.webex.say("first, while connected")
        try await Self.eventually("the first answered") { fixture.answers(to: before).count == 1 }

        fixture.webex.refuseWebsockets()
        fixture.webex.dropWebsockets()
        try await Self.eventually("disconnected") { websocket.status.state != .connected }
        let missed = [
            fixture.webex.say("second, while down"),
            fixture.webex.say("third, in another room", room: "room-ir"),
        ]
        fixture.webex.acceptWebsockets()
        try await Self.eventually("caught up") { missed.allSatisfy { fixture.answers(to: $0).count == 1 } }
        #expect(websocket.status.state == .connected && websocket.status.reconnects >= 1)
        #expect(websocket.status.caughtUp == 2, "the first message was answered before, not caught up again")
        #expect(fixture.answers(to: before).count == 1)
        #expect(fixture.webex.devices == 1, "the device is reused")
    }

    @Test func aSilentConnectionIsDetectedAndWhatItMissedIsCaughtUp() async throws {
        let fixture = try await Fixture { $0.idleTimeout = .seconds(1) }
        defer { fixture.finish() }
        let (websocket, _) = fixture.startReplica()
        try await Self.eventually("connected") { fixture.webex.websocketAuthorizations == 1 }
        fixture.webex.silenceWebsockets()
        let missed = fixture.webex.say("sent into a dead connection")
        try await Self.eventually("reconnected") { fixture.webex.websocketAuthorizations >= 2 }
        try await Self.eventually("caught up") { fixture.answers(to: missed).count == 1 }
        #expect(fixture.logged("silent too long") >= 1)
        #expect(websocket.status.caughtUp == 1)
    }

    @Test func theAllowListsHoldForWebsocketMessagesAsForWebhooks() async throws {
        let fixture = try await Fixture { $0.allowedEmails = ["lead@example.com"] }
        defer { fixture.finish() }
        _ = try await fixture.connectedReplica()
        let stranger = fixture.webex.say("contain everything", from: "stranger@elsewhere.com")
        let lead = fixture.webex.say("hello", from: "lead@example.com")
        try await Self.eventually("the lead answered") { fixture.answers(to: lead).count == 1 }
        try await Self.eventually("the stranger refused") { fixture.logged("not on the allow-lists") == 1 }
        #expect(fixture.answers(to: stranger).isEmpty)
    }

    @Test func aDeviceWebexForgotIsRegisteredAgain() async throws {
        let fixture = try await Fixture()
        defer { fixture.finish() }
        _ = try await fixture.connectedReplica()
        fixture.webex.forgetDevices()
        fixture.webex.dropWebsockets()
        try await Self.eventually("registered again") { fixture.webex.deviceRegistrations == 2 }
        try await Self.eventually("connected again") { fixture.webex.websocketAuthorizations == 2 }
        let question = fixture.webex.say("hello again")
        try await Self.eventually("answered") { fixture.answers(to: question).count == 1 }
    }

    @Test func anEventDeliveredTwiceIsAnsweredOnce() async throws {
        let fixture = try await Fixture()
        defer { fixture.finish() }
        _ = try await fixture.connectedReplica()
        let question = fixture.webex.say("hello")
        try await Self.eventually("answered") { fixture.answers(to: question).count == 1 }
        fixture.webex.announceAgain(question)
        try await Self.eventually("recognised") { fixture.logged("delivered again was not answered again") == 1 }
        #expect(fixture.answers(to: question).count == 1)
    }

    @Test func badFramesAndMissingMessagesAreSkippedWithoutDroppingTheConnection() async throws {
        let fixture = try await Fixture()
        defer { fixture.finish() }
        _ = try await fixture.connectedReplica()
        fixture.webex.sendRawFrame("this is not JSON \u{1F4A5}")
        fixture.webex.sendRawFrame("{also not json")
        fixture.webex.sendRawFrame(#"{"id":"f1","data":{"eventType":"conversation.typing"}}"#)
        fixture.webex.sendRawFrame(
            #"{"id":"f2","data":{"eventType":"conversation.activity","activity":{"id":"00000000-0000-4000-8000-000000000404","verb":"post"}}}"#
        )
        let question = fixture.webex.say("still there?")
        try await Self.eventually("answered") { fixture.answers(to: question).count == 1 }
        #expect(fixture.logged("not an event") == 1, "said once per connection")
        #expect(fixture.logged("cannot fetch a message") == 1)
        #expect(fixture.webex.websocketAuthorizations == 1, "the connection stayed up")
        #expect(fixture.webex.acks.contains("f1") && fixture.webex.acks.contains("f2"))
    }

    @Test func aRevokedTokenIsOneClearErrorAndAStateNotAReconnectStorm() async throws {
        let fixture = try await Fixture()
        defer { fixture.finish() }
        fixture.webex.revokeToken()
        let (websocket, _) = fixture.startReplica()
        try await Self.eventually("refused") { websocket.status.state == .unauthorized }
        try await Self.eventually("tried again") { websocket.status.reconnects >= 3 }
        #expect(fixture.logged("Webex refused the bot token") == 1)
        #expect(websocket.status.lastError?.contains("webex.token") == true)
        #expect(!fixture.logs.entries.contains { "\($0.message)\($0.metadata)".contains(WebexSimulator.token) })
    }

    @Test func aWebsocketThatRefusesTheAuthorizationIsSaidSo() async throws {
        let fixture = try await Fixture()
        defer { fixture.finish() }
        fixture.webex.refuseWebsocketAuthorization()
        let (websocket, _) = fixture.startReplica()
        try await Self.eventually("refused") { websocket.status.state == .unauthorized }
        try await Self.eventually("tried again") { fixture.webex.refusedAuthorizations >= 2 }
        #expect(fixture.logged("Webex refused the bot token") == 1)
    }

    /// Backoff doubles from a second up to the cap, each delay spread ±20 % by the random source.
    @Test func reconnectionsBackOffWithJitterUpToTheCap() async throws {
        var configuration = WebexConfiguration()
        configuration.maxReconnectDelay = .seconds(30)
        let fixture = try await Fixture()
        defer { fixture.finish() }
        let bot = WebexBot(configuration: configuration, slot: fixture.slot)
        func delays(_ unit: Double) -> [Duration] {
            let websocket = WebexWebsocket(
                configuration: configuration, bot: bot, store: fixture.store, random: { unit })
            return (1...8).map { websocket.reconnectDelay(after: $0) }
        }
        #expect(delays(0.5) == [1, 2, 4, 8, 16, 30, 30, 30].map { Duration.seconds($0) })
        #expect(delays(0) == [800, 1600, 3200, 6400, 12800, 24000, 24000, 24000].map { Duration.milliseconds($0) })
        #expect(delays(0.999).last! < .seconds(36) && delays(0.999).last! > .milliseconds(35900))
    }

    /// Two replicas on one store: exactly one holds the websocket; when it stops, the other takes
    /// over within the lease and answers what arrived meanwhile; nothing is answered twice.
    @Test func oneReplicaHoldsTheWebsocketAndAnotherTakesOver() async throws {
        let fixture = try await Fixture()
        defer { fixture.finish() }
        let replicas = [fixture.startReplica(), fixture.startReplica()]
        try await Self.eventually("one connected, one standing by") {
            Set(replicas.map(\.websocket.status.state)) == [.connected, .standby]
        }
        let question = fixture.webex.say("hello")
        try await Self.eventually("answered") { fixture.answers(to: question).count == 1 }
        #expect(fixture.webex.openWebsockets == 1)

        // The holder stops while Webex is unreachable; the other takes the lease it gives up.
        let holder = replicas.first { $0.websocket.status.state == .connected } ?? replicas[0]
        let other = replicas.first { $0.websocket !== holder.websocket } ?? replicas[1]
        fixture.webex.refuseWebsockets()
        holder.stop()
        fixture.webex.dropWebsockets()
        let meanwhile = fixture.webex.say("while nobody listens")
        fixture.webex.acceptWebsockets()
        try await Self.eventually("taken over") { other.websocket.status.state == .connected }
        try await Self.eventually("caught up") { fixture.answers(to: meanwhile).count == 1 }
        #expect(fixture.answers(to: question).count == 1)
    }
}
