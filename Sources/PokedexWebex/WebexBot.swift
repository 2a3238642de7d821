import Foundation
import Logging
import PokedexAssistant
import PokedexAudit
import PokedexSessions
import PokedexSettings
import ServiceLifecycle
import Synchronization

/// The Webex bot (SPEC 5). The webhook is answered at once — signature checked on the raw bytes,
/// the event queued — and the turn runs in the background: the message is fetched by id, the
/// bot's own and other bots' messages are dropped, the allow-lists are checked on the message's
/// own data, the mention is stripped, a "thinking…" message shows progress (edited at most five
/// times), the answer is posted in the thread in pieces Webex accepts, and a response-time banner
/// ends it.
public final class WebexBot: Service, Sendable {
    private struct Event: Decodable {
        struct Summary: Decodable {
            var id: String
            var roomId: String?
            var personId: String?
            var personEmail: String?
        }
        var resource: String?
        var event: String?
        var data: Summary?
    }

    private let configuration: WebexConfiguration
    private let slot: AssistantSlot
    private let client: WebexClient
    private let logger: Logger
    private let progressInterval: Duration
    private let sessionScope: SessionsConfiguration.Scope
    private let queue: AsyncStream<Delivery>.Continuation
    private let events: AsyncStream<Delivery>
    private let caughtUpCount = Atomic(0)

    /// A message id to answer, and whether a catch-up found it (rather than an event).
    private struct Delivery: Sendable {
        var id: String
        var caughtUp: Bool
    }
    private let bot = Mutex<WebexClient.Person?>(nil)
    private let deliveries: (any SessionStore)?
    private let now: @Sendable () -> Date

    /// - Parameters:
    ///   - client: the Webex API (by default on `webex.base_url` with `webex.token`).
    ///   - progressInterval: the first wait before the "thinking…" message shows the elapsed time;
    ///     each later one is twice as long.
    ///   - deliveries: where message ids are claimed, so a message delivered again (or reaching
    ///     another replica) is answered once; nil answers every delivery.
    ///   - now: the time, for how long a claimed id is remembered.
    public init(
        configuration: WebexConfiguration, slot: AssistantSlot, client: WebexClient? = nil,
        sessionScope: SessionsConfiguration.Scope = .room, deliveries: (any SessionStore)? = nil,
        logger: Logger = Logger(label: "pokedex.webex"), progressInterval: Duration = .seconds(3),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.deliveries = deliveries
        self.now = now
        self.configuration = configuration
        self.sessionScope = sessionScope
        self.slot = slot
        self.client = client ?? WebexClient(baseURL: configuration.baseURL, token: configuration.token)
        self.logger = logger
        self.progressInterval = progressInterval
        (events, queue) = AsyncStream<Delivery>.makeStream()
    }

    /// Whether the bot knows its own identity yet (for tests: until then only the sender's
    /// `@webex.bot` address tells its own messages apart).
    var knowsItself: Bool { personID != nil }

    /// The bot's own person id, once known.
    public var personID: String? { bot.withLock { $0?.id } }

    /// Messages a catch-up answered (they arrived while the websocket was down).
    public var caughtUp: Int { caughtUpCount.load(ordering: .relaxed) }

    /// Queues a message to answer (from the websocket, or a catch-up); false when the bot is
    /// shutting down. A message already answered is recognised by its claim and not answered again.
    @discardableResult
    public func enqueue(messageID: String, caughtUp: Bool = false) -> Bool {
        if case .terminated = queue.yield(Delivery(id: messageID, caughtUp: caughtUp)) { return false }
        return true
    }

    /// Handles one webhook delivery; returns the HTTP status to answer with, at once.
    public func receive(_ body: Data, signature: String?) async -> Int {
        guard WebexSignature.isValid(body, signature: signature, secret: configuration.webhookSecret.revealed) else {
            logger.warning("webex: refused a webhook with a missing or wrong signature")
            return 401
        }
        guard let event = try? JSONDecoder().decode(Event.self, from: body), let data = event.data else {
            return 400
        }
        guard event.resource == "messages", event.event == "created" else { return 200 }
        if let me = bot.withLock({ $0 }), data.personId == me.id { return 200 }  // our own post
        if !enqueue(messageID: data.id) { return 503 }
        return 200
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.learnWhoIAm() }
                for await delivery in events {
                    group.addTask { await self.handle(messageID: delivery.id, caughtUp: delivery.caughtUp) }
                }
            }
        } onGracefulShutdown: {
            self.queue.finish()  // stop taking work; turns in flight finish
        }
    }

    /// The bot's own person, to recognise its own messages; retried until Webex answers.
    private func learnWhoIAm() async {
        var wait = Duration.seconds(1)
        while !Task.isCancelled {
            do {
                let me = try await client.me()
                bot.withLock { $0 = me }
                return
            } catch {
                logger.error("webex: cannot read the bot's own identity", metadata: ["error": "\(error)"])
                try? await Task.sleep(for: wait)
                wait = min(wait * 2, .seconds(60))
            }
        }
    }

    // MARK: One message

    /// Claims the message id in the store. When the store cannot say, the message is answered:
    /// a rare second answer is better than a question left unanswered.
    private func firstDelivery(_ id: String) async -> Bool {
        guard let deliveries else { return true }
        let moment = now()
        do {
            let expires = moment.addingTimeInterval(Double(configuration.redeliveryWindow.components.seconds))
            return try await deliveries.claimDelivery("webex:" + id, until: expires, at: moment)
        } catch {
            logger.warning("webex: cannot record the message id; answering it anyway", metadata: ["error": "\(error)"])
            return true
        }
    }

    /// The room of the message's session: the Webex room, or with `sessions.scope = thread` the
    /// room and the thread's root message (Webex ids contain no spaces, so this cannot collide).
    func sessionRoom(_ room: String, thread root: String) -> String {
        switch sessionScope {
        case .room: room
        case .thread: "\(room) thread \(root)"
        }
    }

    func handle(messageID: String, caughtUp: Bool = false) async {
        guard await firstDelivery(messageID) else {
            if !caughtUp {
                logger.info("webex: a message delivered again was not answered again", metadata: ["message": "\(messageID)"])
            }
            return
        }
        if caughtUp {
            caughtUpCount.add(1, ordering: .relaxed)
            logger.notice("webex: answering a message that arrived while disconnected", metadata: ["message": "\(messageID)"])
        }
        let message: WebexClient.Message
        do {
            message = try await client.message(messageID)
        } catch {
            logger.error("webex: cannot fetch a message", metadata: ["error": "\(error)"])
            return
        }
        let me = bot.withLock { $0 }
        if message.personId == me?.id || (message.personEmail ?? "").lowercased().hasSuffix("@webex.bot") {
            return  // the bot itself, or another bot
        }
        guard let email = message.personEmail, isAllowed(email: email, room: message.roomId) else {
            logger.notice(
                "webex: refused a message from a sender not on the allow-lists",
                metadata: [
                    "audit": "refused", "email": "\(message.personEmail ?? "unknown")", "room": "\(message.roomId)",
                ])
            return
        }
        let parent = message.parentId ?? message.id
        guard let ready = slot.ready else {
            await reply(AssistantSlot.startingUp, room: message.roomId, parent: parent)
            return
        }
        let text = stripMention(message.text ?? "", botName: me?.displayName)
        let started = ContinuousClock.now
        let thinking = await postThreaded("🤔 Thinking…", room: message.roomId, parent: parent)
        let progress = Task { await self.showProgress(thinking, room: message.roomId, since: started) }
        let answer = await ready.assistant.respond(
            Turn(
                user: email, room: sessionRoom(message.roomId, thread: parent), message: text,
                caller: Caller(principal: "webex", channel: "webex", verified: true)))
        progress.cancel()
        _ = await progress.value
        await reply(answer.textWithEvidence, room: message.roomId, parent: parent)
        let elapsed = ContinuousClock.now - started
        let seconds = elapsed.seconds
        let banner = "⚡ Response time: **\(String(format: "%.1f", seconds))s**"
        if let thinking, (try? await client.edit(thinking.id, roomId: message.roomId, markdown: banner)) != nil {
            return
        }
        _ = await postThreaded(banner, room: message.roomId, parent: parent)
    }

    /// SPEC 7: served when the sender's email or its domain is listed, or the room is; all lists
    /// empty serves everyone.
    func isAllowed(email: String, room: String) -> Bool {
        let emails = configuration.allowedEmails
        let domains = configuration.allowedDomains
        let rooms = configuration.allowedRooms
        if emails.isEmpty && domains.isEmpty && rooms.isEmpty { return true }
        let address = email.lowercased()
        let domain = address.split(separator: "@").last.map(String.init) ?? ""
        return emails.contains(address) || domains.contains(domain) || rooms.contains(room)
    }

    /// In group rooms the text starts with the bot's name (the mention).
    func stripMention(_ text: String, botName: String?) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let botName, !botName.isEmpty, trimmed.lowercased().hasPrefix(botName.lowercased()) else {
            return trimmed
        }
        let rest = trimmed.dropFirst(botName.count)
        if let next = rest.first, next.isLetter || next.isNumber { return trimmed }
        return rest.drop { $0.isWhitespace || ",:;".contains($0) }.description
    }

    /// Edits the "thinking…" message with the elapsed time: at most five times, ever less often.
    private func showProgress(
        _ thinking: WebexClient.Message?, room: String, since started: ContinuousClock.Instant
    ) async {
        guard let thinking else { return }
        var wait = progressInterval
        for _ in 0..<5 {
            do { try await Task.sleep(for: wait) } catch { return }
            let seconds = (ContinuousClock.now - started).components.seconds
            try? await client.edit(thinking.id, roomId: room, markdown: "🤔 Thinking… (\(seconds)s)")
            wait = wait * 2
        }
    }

    /// Posts an answer in pieces Webex accepts, in the thread; unthreaded when Webex refuses the
    /// thread (a reply to a reply).
    private func reply(_ text: String, room: String, parent: String) async {
        var threaded = true
        for part in WebexMessageSplitter.split(text) {
            if threaded, (try? await client.post(roomId: room, markdown: part, parentId: parent)) != nil { continue }
            threaded = false
            do {
                try await client.post(roomId: room, markdown: part, parentId: nil)
            } catch {
                logger.error("webex: cannot post a reply", metadata: ["error": "\(error)"])
                return
            }
        }
    }

    private func postThreaded(_ text: String, room: String, parent: String) async -> WebexClient.Message? {
        if let posted = try? await client.post(roomId: room, markdown: text, parentId: parent) { return posted }
        return try? await client.post(roomId: room, markdown: text, parentId: nil)
    }
}
