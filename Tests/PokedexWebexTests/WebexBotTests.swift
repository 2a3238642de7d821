import Foundation
import PokedexSettings
import InMemoryLogging
import Logging
import PokedexAssistant
import PokedexLLM
import PokedexRecovery
import PokedexSessions
import PokedexTesting
import PokedexTools
import Synchronization
import Testing

@testable import PokedexWebex

/// The Webex bot against the Webex simulator, with a real store and the assistant on the scripted
/// LLM (or in degraded mode).
@Suite("Webex bot")
struct WebexBotTests {
    static let secret = "webhook-secret-for-tests"

    final class Fixture: Sendable {
        let webex: WebexSimulator
        let llm: ScriptedLLMServer
        let directory: TemporaryDirectory
        let bot: WebexBot
        let slot: AssistantSlot
        let logs: InMemoryLogHandler
        let waits = Waits()
        let running: Task<Void, any Error>

        init(
            script: [ScriptedLLMServer.Step] = [], ready: Bool = true,
            allow: (inout WebexConfiguration) -> Void = { _ in },
            progressInterval: Duration = .seconds(60), scope: SessionsConfiguration.Scope = .room
        ) async throws {
            webex = try await WebexSimulator.start()
            llm = try await ScriptedLLMServer.start(script)
            directory = try TemporaryDirectory(prefix: "pokedex-webex")
            var sessions = SessionsConfiguration()
            sessions.database = directory.path("pokedex.db")
            let store = try SQLiteSessionStore(configuration: sessions)
            let recovery = Recovery(configuration: ToolSet.recoveryConfiguration(), clock: ManualClock())
            var toolsConfiguration = ToolsConfiguration()
            toolsConfiguration.weatherEnabled = false
            toolsConfiguration.runbooksDirectory = directory.path("none")
            let tools = try ToolSet.make(toolsConfiguration, recovery: recovery, auditLog: nil)
            let model = OpenAIChatModel(baseURL: llm.openAIURL, model: "scripted", apiKey: nil)
            let assistant = Assistant(
                configuration: AssistantConfiguration(), store: store, recovery: recovery, tools: tools, model: model)
            slot = AssistantSlot(ready ? .init(assistant: assistant, tools: tools, model: model) : nil)
            var configuration = WebexConfiguration()
            configuration.token = Secret(WebexSimulator.token)
            configuration.webhookSecret = Secret(WebexBotTests.secret)
            configuration.baseURL = webex.baseURL
            allow(&configuration)
            logs = InMemoryLogHandler()
            let waits = self.waits
            let client = WebexClient(baseURL: webex.baseURL, token: Secret(WebexSimulator.token)) { wait in waits.add(wait) }
            bot = WebexBot(
                configuration: configuration, slot: slot, client: client, sessionScope: scope,
                logger: Logger(label: "webex-test") { [logs] _ in logs }, progressInterval: progressInterval)
            let bot = self.bot
            running = Task { try await bot.run() }
            while !bot.knowsItself { try await Task.sleep(for: .milliseconds(10)) }
        }

        /// Delivers a signed webhook for a message, as Webex would.
        func deliver(_ messageID: String) async -> Int {
            let (body, signature) = webex.webhook(for: messageID, secret: WebexBotTests.secret)
            return await bot.receive(body, signature: signature)
        }

        /// Waits until the bot has posted `count` messages, the first of them (the "thinking…"
        /// message) finished as the banner or a final text (with a generous limit for slow machines).
        func waitForPosts(_ count: Int) async throws -> [WebexSimulator.Message] {
            let limit = ContinuousClock.now + .seconds(20)
            func done() -> Bool {
                let posted = webex.posted
                return posted.count >= count && !posted.contains { $0.text.hasPrefix("🤔") }
            }
            while !done() && ContinuousClock.now < limit { try await Task.sleep(for: .milliseconds(10)) }
            return webex.posted
        }

        func finish() {
            running.cancel()
            Task { [webex, llm, directory] in
                try? await webex.stop()
                try? await llm.stop()
                directory.remove()
            }
        }
    }

    @Test func aTurnIsThinkingThenTheThreadedAnswerThenTheBanner() async throws {
        let fixture = try await Fixture(script: [.text("Isolate the host first.")])
        defer { fixture.finish() }
        let question = fixture.webex.say("what do I do with ransomware?")
        #expect(await fixture.deliver(question) == 200)
        let posted = try await fixture.waitForPosts(2)
        #expect(posted.count == 2)
        #expect(posted.map(\.parentId) == [question, question])
        #expect(posted[1].text == "Isolate the host first.")
        // The "thinking…" message became the banner.
        let banner = try #require(posted.first)
        #expect(banner.text.hasPrefix("⚡ Response time: **") && banner.text.hasSuffix("s**"))
        #expect(banner.edits == ["🤔 Thinking…"])
        let asked = try #require(fixture.llm.received.first?.messages.last)
        #expect(asked.content == "what do I do with ransomware?")
    }

    @Test func unsignedOrWronglySignedWebhooksAre401AndDoNoWork() async throws {
        let fixture = try await Fixture()
        defer { fixture.finish() }
        let id = fixture.webex.say("hello")
        let (body, signature) = fixture.webex.webhook(for: id, secret: WebexBotTests.secret)
        #expect(await fixture.bot.receive(body, signature: nil) == 401)
        #expect(await fixture.bot.receive(body, signature: String(repeating: "0", count: 40)) == 401)
        #expect(await fixture.bot.receive(body, signature: "not hex") == 401)
        var tampered = body
        tampered.append(0x20)
        #expect(await fixture.bot.receive(tampered, signature: signature) == 401)
        try await Task.sleep(for: .milliseconds(100))
        #expect(fixture.webex.fetched.isEmpty)
        #expect(fixture.webex.posted.isEmpty)
    }

    @Test func theBotsOwnMessagesAndOtherBotsAreIgnored() async throws {
        let fixture = try await Fixture(script: [.text("answer")])
        defer { fixture.finish() }
        let echo = fixture.webex.say("an earlier answer", from: WebexSimulator.botEmail, personId: WebexSimulator.botID)
        #expect(await fixture.deliver(echo) == 200)
        let otherBot = fixture.webex.say("beep", from: "alerts@webex.bot", personId: "person-alerts")
        #expect(await fixture.deliver(otherBot) == 200)
        let real = fixture.webex.say("a real question")
        _ = await fixture.deliver(real)
        // The echo is a message of the bot's too; the bot's own posts come after it.
        let posted = try await fixture.waitForPosts(3).filter { $0.id != echo }
        #expect(posted.count == 2)
        #expect(posted.allSatisfy { $0.parentId == real })
        #expect(!fixture.webex.fetched.contains(echo))  // dropped before any fetch
        #expect(fixture.llm.received.count == 1)
    }

    @Test func sendersNotOnTheAllowListsAreRefusedAndAudited() async throws {
        let fixture = try await Fixture(script: [.text("ok")]) {
            $0.allowedEmails = ["alice@example.com"]
            $0.allowedDomains = ["soc.example.org"]
            $0.allowedRooms = ["room-war"]
        }
        defer { fixture.finish() }
        let refused = fixture.webex.say("hello", from: "mallory@evil.example", room: "room-other")
        _ = await fixture.deliver(refused)
        for (email, room) in [
            ("Alice@Example.com", "room-x"), ("bob@soc.example.org", "room-y"), ("eve@else.example", "room-war"),
        ] {
            _ = await fixture.deliver(fixture.webex.say("hi", from: email, room: room))
        }
        let posted = try await fixture.waitForPosts(6)
        #expect(posted.count == 6)
        #expect(!posted.contains { $0.parentId == refused })
        let audit = fixture.logs.entries.filter { $0.metadata["audit"] == "refused" }
        #expect(audit.count == 1)
        #expect(audit.first?.metadata["email"] == "mallory@evil.example")
    }

    @Test func aGroupMentionIsStripped() async throws {
        let fixture = try await Fixture()
        defer { fixture.finish() }
        _ = await fixture.deliver(fixture.webex.say("Pokedex hello", roomType: "group"))
        let posted = try await fixture.waitForPosts(2)
        #expect(posted.last?.text.contains("Hello! I'm your SOC Q&A Assistant") == true)
        #expect(fixture.llm.received.isEmpty)
    }

    @Test func aReplyInAThreadIsAnsweredInThatThreadOrUnthreaded() async throws {
        let fixture = try await Fixture(script: [.text("threaded"), .text("unthreaded")])
        defer { fixture.finish() }
        let root = fixture.webex.say("first question")
        let reply = fixture.webex.say("follow-up", parentId: root)
        _ = await fixture.deliver(reply)
        let posted = try await fixture.waitForPosts(2)
        #expect(posted.map(\.parentId) == [root, root])  // the thread's root, never the reply
        // A message whose thread parent is itself a reply: Webex refuses; the answer goes unthreaded.
        let odd = fixture.webex.say("odd", parentId: reply)
        _ = await fixture.deliver(odd)
        let all = try await fixture.waitForPosts(4)
        #expect(all.suffix(2).map(\.parentId) == [nil, nil])
        #expect(all.last?.text == "unthreaded")
    }

    /// With `sessions.scope = thread` each thread is a conversation; with `room` (the default) the
    /// whole room is one.
    @Test(arguments: [SessionsConfiguration.Scope.thread, .room])
    func eachThreadIsAConversationWhenScopedByThread(_ scope: SessionsConfiguration.Scope) async throws {
        let fixture = try await Fixture(script: [.text("a1"), .text("b1"), .text("a2")], scope: scope)
        defer { fixture.finish() }
        let threadA = fixture.webex.say("question A")
        _ = await fixture.deliver(threadA)
        _ = try await fixture.waitForPosts(2)
        let threadB = fixture.webex.say("question B")
        _ = await fixture.deliver(threadB)
        _ = try await fixture.waitForPosts(4)
        _ = await fixture.deliver(fixture.webex.say("follow-up A", parentId: threadA))
        _ = try await fixture.waitForPosts(6)
        let seen = fixture.llm.received.map { $0.messages.filter { $0.role != "system" }.map(\.content) }
        switch scope {
        case .thread:
            #expect(seen == [["question A"], ["question B"], ["question A", "a1", "follow-up A"]])
        case .room:
            #expect(seen.last == ["question A", "a1", "question B", "b1", "follow-up A"])
        }
    }

    @Test func aLongEmojiAnswerIsSplitWithinTheLimit() async throws {
        let paragraph = String(repeating: "🛡️🔥", count: 150)  // ~2,100 bytes each
        let answer =
            Array(repeating: paragraph, count: 4).joined(separator: "\n\n") + "\n\n"
            + String(repeating: "😀", count: 600)
        #expect(answer.utf8.count > 9000)
        let fixture = try await Fixture(script: [.text(answer)])
        defer { fixture.finish() }
        _ = await fixture.deliver(fixture.webex.say("tell me everything"))
        let posted = try await fixture.waitForPosts(3)
        let parts = posted.dropFirst().map(\.text)
        #expect(parts.count == 2)
        #expect(parts.allSatisfy { $0.utf8.count <= 7439 })
        #expect(parts.joined(separator: "\n\n") == answer)
    }

    @Test func aSlowTurnEditsTheThinkingMessageAtMostFiveTimes() async throws {
        let fixture = try await Fixture(script: [.text("finally")], progressInterval: .milliseconds(5))
        defer { fixture.finish() }
        fixture.llm.faults.use(FaultPlan().delayed(by: .milliseconds(1000)))
        _ = await fixture.deliver(fixture.webex.say("slow one"))
        let posted = try await fixture.waitForPosts(2)
        let thinking = try #require(posted.first)
        let progress = thinking.edits.dropFirst()  // the first text is "🤔 Thinking…"
        // The turn is long enough for dozens of updates at this interval; at most five are made
        // (fewer only when a loaded machine makes each edit slow).
        #expect((1...5).contains(progress.count))
        #expect(progress.allSatisfy { $0.hasPrefix("🤔 Thinking… (") })
        #expect(thinking.text.hasPrefix("⚡ Response time: **"))
    }

    @Test func rateLimitsWaitTheTimeWebexAsks() async throws {
        let fixture = try await Fixture(script: [.text("answer")])
        defer { fixture.finish() }
        fixture.webex.rateLimitPosts(2, retryAfter: "7")
        _ = await fixture.deliver(fixture.webex.say("question"))
        let posted = try await fixture.waitForPosts(2)
        #expect(posted.last?.text == "answer")
        #expect(fixture.waits.all == [.seconds(7), .seconds(7)])
    }

    @Test func beforeTheAssistantIsReadyTheStartupTextIsSent() async throws {
        let fixture = try await Fixture(ready: false)
        defer { fixture.finish() }
        let id = fixture.webex.say("hello?")
        _ = await fixture.deliver(id)
        let posted = try await fixture.waitForPosts(1)
        #expect(posted.map(\.text) == ["🔄 I'm still starting up. Please try again in a moment."])
        #expect(posted.first?.parentId == id)
    }

    @Test func theSignatureIsHMACSHA1OfTheRawBody() {
        #expect(
            WebexSignature.sign(Data("The quick brown fox jumps over the lazy dog".utf8), secret: "key")
                == "de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9")
        #expect(
            WebexSignature.isValid(
                Data("The quick brown fox jumps over the lazy dog".utf8),
                signature: "DE7C9B85B8B78AA6BC8A7A36F70A90701C9DB4D9", secret: "key"))
    }

    @Test func theWebhookIsRegisteredOnceAndUpdatedAfterwards() async throws {
        let webex = try await WebexSimulator.start()
        defer { Task { try await webex.stop() } }
        let client = WebexClient(baseURL: webex.baseURL, token: Secret(WebexSimulator.token))
        let created = try await client.registerWebhook(
            name: "pokedex", targetURL: "https://a.example/webhooks/webex", secret: "s1")
        let updated = try await client.registerWebhook(
            name: "pokedex", targetURL: "https://b.example/webhooks/webex", secret: "s2")
        #expect(created.id == updated.id)
        #expect(webex.webhooks.count == 1)
        #expect(webex.webhooks.first?["targetUrl"] == "https://b.example/webhooks/webex")
        #expect(webex.webhooks.first?["secret"] == "s2")
        #expect(webex.webhooks.first?["resource"] == "messages" && webex.webhooks.first?["event"] == "created")
    }
}

/// The waits a client was asked to spend.
final class Waits: Sendable {
    private let list = Mutex<[Duration]>([])
    func add(_ wait: Duration) { list.withLock { $0.append(wait) } }
    var all: [Duration] { list.withLock { $0 } }
}

@Suite("Webex message splitting")
struct WebexMessageSplitterTests {
    @Test func shortTextsStayWhole() {
        #expect(WebexMessageSplitter.split("hello") == ["hello"])
    }

    @Test func splitsAtParagraphsThenLinesThenCharacters() {
        let parts = WebexMessageSplitter.split("aaaa\n\nbbbb\n\ncccc", maxBytes: 10)
        #expect(parts == ["aaaa\n\nbbbb", "cccc"])
        let lines = WebexMessageSplitter.split("aaaaaa\nbbbbbb\ncc", maxBytes: 9)
        #expect(lines == ["aaaaaa", "bbbbbb\ncc"])
        let flags = String(repeating: "🇩🇪", count: 5)  // 8 bytes each
        #expect(WebexMessageSplitter.split(flags, maxBytes: 20) == ["🇩🇪🇩🇪", "🇩🇪🇩🇪", "🇩🇪"])
    }
}
