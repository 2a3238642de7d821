import Foundation
import PokedexRecovery
import PokedexSessions
import PokedexTesting
import PokedexTools
import Testing

@testable import PokedexAssistant

/// SPEC 2.4–2.6 and 3.5–3.7: the agent loop, history, recovery, degraded mode, ordering.
@Suite("Agent and recovery")
struct AgentTests {
    @Test(arguments: ["openai", "ollama"])
    func historyReachesTheModelAsRoleMessagesInOrder(_ wire: String) async throws {
        let fixture = try await AssistantFixture(script: [.text("Hi Alice."), .text("You said hello.")], wire: wire)
        defer { fixture.finish() }
        #expect(await fixture.ask("Hello, I am Alice").text == "Hi Alice.")
        let reply = await fixture.ask("What did I just say?")
        #expect(reply.text == "You said hello.")
        #expect(!reply.degraded)
        let second = try #require(fixture.llm.received.last)
        #expect(second.messages.map(\.role) == ["system", "user", "assistant", "user"])
        #expect(
            second.messages.dropFirst().map(\.content) == ["Hello, I am Alice", "Hi Alice.", "What did I just say?"])
        #expect(
            try await fixture.history().map(\.content) == [
                "Hello, I am Alice", "Hi Alice.", "What did I just say?", "You said hello.",
            ])
    }

    @Test func sessionsAreIsolatedByUserAndRoom() async throws {
        let fixture = try await AssistantFixture()
        defer { fixture.finish() }
        _ = await fixture.ask("secret plan A", user: "alice", room: "soc")
        _ = await fixture.ask("question", user: "alice", room: "other")
        _ = await fixture.ask("question", user: "bob", room: "soc")
        for request in fixture.llm.received.dropFirst() {
            #expect(!request.messages.contains { $0.content == "secret plan A" })
        }
    }

    @Test func aToolCallIsRunAndItsResultGoesBackToTheModel() async throws {
        let fixture = try await AssistantFixture(script: [
            .toolCall("crowdstrike", #"{"hostname":"WS-1234","lookup":"status"}"#), .text("WS-1234 is contained."),
        ])
        defer { fixture.finish() }
        let reply = await fixture.ask("what do you make of WS-1234?")
        #expect(reply.text == AssistantFixture.record + "\n\nContainment status for 'WS-1234': Contained - Device is isolated from network\n\nWS-1234 is contained.")
        // Falcon's record was looked up for the host the question names; the model asked again.
        #expect(reply.toolsUsed == ["crowdstrike", "crowdstrike"])
        let followUp = try #require(fixture.llm.received.last)
        #expect(followUp.messages.last?.role == "tool")
        #expect(
            followUp.messages.last?.content
                == "Containment status for 'WS-1234': Contained - Device is isolated from network")
        #expect(Set(followUp.tools) == ["crowdstrike", "weather", "document_search"])
        // What real servers need: tool_choice "auto" with the tools (llama.cpp reads a missing one
        // as "none"), and a string content on the assistant's tool-call message (templates fail on null).
        #expect(fixture.llm.received.map(\.toolChoice) == ["auto", "auto"])
        #expect(followUp.messages.map(\.role).suffix(5) == ["user", "assistant", "tool", "assistant", "tool"])
        #expect(followUp.messagesWithoutContent == 0)
    }

    @Test(arguments: [
        (#"{"hostname": "WS-1234""#, "Error: Invalid arguments for crowdstrike: the arguments must be a JSON object"),
        (#"{"hostname":"x' OR hostname:'*","lookup":"status"}"#, "'x' OR hostname:'*' does not appear in this conversation"),
        (
            #"{"hostname":"WS-1","lookup":"everything"}"#,
            "Error: Invalid arguments for crowdstrike: 'lookup' must be one of"
        ),
        (#"{"hostname":["a"],"lookup":"status"}"#, "'hostname' must be a single value"),
        (#"[1,2]"#, "the arguments must be a JSON object"),
    ])
    func badArgumentsAreToldToTheModelAndNothingCrashes(_ arguments: String, _ told: String) async throws {
        let fixture = try await AssistantFixture(script: [.toolCall("crowdstrike", arguments), .text("Sorry.")])
        defer { fixture.finish() }
        #expect(await fixture.ask("can you look at that host for me?").text == "Sorry.")
        let message = try #require(fixture.llm.received.last?.messages.last)
        #expect(message.role == "tool")
        #expect(message.content.contains(told))
        #expect(fixture.falcon.apiRequests.isEmpty)
    }

    @Test func anUnknownToolIsToldToTheModel() async throws {
        let fixture = try await AssistantFixture(script: [.toolCall("format_disk", "{}"), .text("I can't.")])
        defer { fixture.finish() }
        #expect(await fixture.ask("wipe it").text == "I can't.")
        #expect(
            fixture.llm.received.last?.messages.last?.content.hasPrefix("Error: there is no tool named 'format_disk'")
                == true)
    }

    @Test func afterFiveToolRoundsTheModelMustAnswer() async throws {
        let fixture = try await AssistantFixture(otherwise: .toolCall("document_search", #"{"query":"ransomware"}"#))
        defer { fixture.finish() }
        let reply = await fixture.ask("keep looking")
        #expect(fixture.llm.received.count == 6)
        #expect(fixture.llm.received.prefix(5).allSatisfy { !$0.tools.isEmpty })
        #expect(fixture.llm.received.last?.tools.isEmpty == true)
        // The model never answered in words: what its searches found is the answer, shown once.
        #expect(reply.text.hasPrefix("📄 **From ransomware.md:**") && reply.text.components(separatedBy: "📄").count == 2)
        #expect(reply.toolsUsed.count == 5)
    }

    @Test func anEmptyAnswerBecomesTheTechnicalDifficultiesText() async throws {
        let fixture = try await AssistantFixture(script: [.empty])
        defer { fixture.finish() }
        let reply = await fixture.ask("anything")
        #expect(reply.text == "⚠️ I'm experiencing technical difficulties. Please try again or contact support.")
        // Stored for the record, kept out of the model's context.
        #expect(try await fixture.history().map(\.role) == [.user, .fallback])
    }

    @Test func aQuestionThatNamesALookupRunsItBeforeTheModelIsAsked() async throws {
        let fixture = try await AssistantFixture(script: [.text("WS-1234 is contained."), .text("Mild in Oslo.")])
        defer { fixture.finish() }
        let reply = await fixture.ask("is WS-1234 contained?")
        #expect(reply.text == AssistantFixture.record + "\n\nWS-1234 is contained.")
        #expect(reply.toolsUsed == ["crowdstrike"])
        #expect(fixture.falcon.apiRequests.first == "/devices/queries/devices/v1")
        // The model got the lookup as a call with its result, for the user's own hostname.
        let request = try #require(fixture.llm.received.first)
        #expect(request.messages.map(\.role).suffix(3) == ["user", "assistant", "tool"])
        #expect(request.messages.last?.content == AssistantFixture.record)
        #expect(request.messagesWithoutContent == 0)
        #expect((await fixture.ask("weather in Oslo?")).toolsUsed == ["weather"])
        #expect((await fixture.ask("thanks!")).toolsUsed.isEmpty)  // no lookup named, none made
    }

    @Test(arguments: [
        ("is WS-1234 contained?", "crowdstrike", "Containment status for 'WS-1234': Contained"),
        ("weather in Oslo?", "weather", "Current weather in Oslo"),
        ("what is the procedure for ransomware?", "document_search", "ransomware.md"),
    ])
    func aFailingModelLetsTheToolsAnswerFirst(_ question: String, _ tool: String, _ shown: String) async throws {
        let fixture = try await AssistantFixture(otherwise: .status(500))
        defer { fixture.finish() }
        _ = await fixture.ask("the weather in Oslo, and the status of SRV-1?")  // history must not matter
        let reply = await fixture.ask(question)
        #expect(reply.text.hasPrefix("ℹ️ The language model is unavailable right now"), "\(reply.text)")
        #expect(reply.text.contains(shown), "\(reply.text)")
        #expect(reply.toolsUsed == [tool])
        #expect(reply.degraded && !reply.isFallback)
        #expect(!reply.text.contains("500") && !reply.text.contains("Unable to retrieve"))
    }

    @Test func whenTheModelAndTheToolFailTheFallbackNamesTheTool() async throws {
        let fixture = try await AssistantFixture(otherwise: .status(500))
        defer { fixture.finish() }
        fixture.falcon.faults.use(FaultPlan().failAlways(with: .status(403)))
        let reply = await fixture.ask("is WS-1234 contained?")
        #expect(reply.text == FalconTool.fallbackText(for: "Is WS-1234 contained?"))
        #expect(reply.isFallback)
    }

    @Test func aModelOutOfServiceSendsQuestionsStraightToTheTools() async throws {
        let fixture = try await AssistantFixture()
        defer { fixture.finish() }
        fixture.recovery.force(.llm, available: false)
        let reply = await fixture.ask("is WS-1234 contained?")
        #expect(reply.degraded)
        #expect(reply.text.hasPrefix("ℹ️ The language model is unavailable right now"))
        #expect(reply.text.hasSuffix(AssistantFixture.record))
        #expect(fixture.llm.received.isEmpty)
    }

    @Test func aHangingModelIsAnsweredWithinTheDeadline() async throws {
        let fixture = try await AssistantFixture(script: [.hang]) { $0.deadline = .seconds(30) }
        defer { fixture.finish() }
        let reply = await fixture.askDrivingTheClock("is WS-1234 contained?") { !fixture.llm.received.isEmpty }
        // The lookup ran before the model was asked: its result is the answer, not a fallback
        // that would send the analyst to check a Falcon outage that does not exist.
        #expect(reply.text.hasPrefix("ℹ️ The language model did not answer in time"), "\(reply.text)")
        #expect(reply.text.hasSuffix(AssistantFixture.record))
        #expect(reply.elapsedMilliseconds <= 31_000)
        #expect(try await fixture.history().map(\.role) == [.user, .tool, .assistant])
    }

    @Test func aHangingModelLeavesTheToolsTimeToAnswer() async throws {
        let fixture = try await AssistantFixture(script: [.hang]) { $0.deadline = .seconds(30) }
        defer { fixture.finish() }
        let reply = await fixture.askDrivingTheClock("what is our ransomware runbook?") { !fixture.llm.received.isEmpty }
        // The model had the turn less five seconds; the runbooks answered in the rest, and the
        // analyst is told the model was slow, not that it is down.
        #expect(reply.text.hasPrefix("ℹ️ The language model did not answer in time"), "\(reply.text)")
        #expect(reply.text.contains("ransomware.md"))
        #expect(reply.toolsUsed == ["document_search"])
        #expect(reply.elapsedMilliseconds <= 30_000)
        #expect(fixture.llm.received.count == 1)  // not tried again behind a busy server
    }

    @Test func aServerShuttingDownEndsTheTurnsInFlightWithAReply() async throws {
        let fixture = try await AssistantFixture(script: [.hang])
        defer { fixture.finish() }
        let turn = Task { await fixture.ask("what is phishing?") }
        while fixture.llm.received.isEmpty { await Task.yield() }
        fixture.assistant.endTurnsInFlight()
        let reply = await turn.value
        #expect(reply.text == AssistantTexts.shuttingDown && reply.isFallback && reply.stored)
        #expect(try await fixture.history().map(\.role) == [.user, .fallback])
    }

    @Test func aHangingToolIsAnsweredWithinTheDeadline() async throws {
        let fixture = try await AssistantFixture(script: [
            .toolCall("crowdstrike", #"{"hostname":"WS-1234","lookup":"details"}"#), .text("Falcon is not answering."),
        ]) { $0.deadline = .seconds(20) }
        defer { fixture.finish() }
        fixture.falcon.faults.use(FaultPlan().failAlways(with: .hang))
        // The clock moves to the first attempt's time limit, then through the wait before the retry;
        // it moves to the retry's limit only once the retry has reached Falcon.
        let reply = await fixture.askDrivingTheClock(
            "details of WS-1234", beforeAdvance: { $0 < 2 || fixture.falcon.faults.requestCount >= 2 }
        ) { fixture.falcon.faults.requestCount > 0 }
        // Falcon's retries use up the turn, so the model gets no second word: the tool's fallback.
        #expect(reply.elapsedMilliseconds <= 21_000)
        #expect(reply.text == FalconTool.fallbackText(for: "details of WS-1234"))
        #expect(fixture.falcon.faults.requestCount >= 2)
    }

    @Test func turnsOfOneSessionRunInArrivalOrder() async throws {
        let fixture = try await AssistantFixture(script: [.text("first answer"), .text("second answer")])
        defer { fixture.finish() }
        // The first answer is slow; the second message arrives meanwhile and must wait for it.
        fixture.llm.faults.use(FaultPlan().delayed(by: .milliseconds(150)))
        let first = Task { await fixture.ask("first") }
        while fixture.llm.received.isEmpty { await Task.yield() }
        let second = await fixture.ask("second")
        #expect(await first.value.text == "first answer")
        #expect(second.text == "second answer")
        #expect(fixture.llm.received.last?.messages.dropFirst().map(\.content) == ["first", "first answer", "second"])
    }

    @Test func twentySessionsTimesTenTurnsLoseNothing() async throws {
        let fixture = try await AssistantFixture(otherwise: .text("noted"))
        defer { fixture.finish() }
        await withTaskGroup(of: Void.self) { group in
            for session in 0..<20 {
                group.addTask {
                    for turn in 0..<10 {
                        _ = await fixture.ask("session \(session) turn \(turn)", room: "room-\(session)")
                    }
                }
            }
        }
        for session in 0..<20 {
            let history = try await fixture.history(room: "room-\(session)")
            #expect(
                history.filter { $0.role == .user }.map(\.content) == (0..<10).map { "session \(session) turn \($0)" })
            #expect(history.map(\.role) == Array(repeating: [MessageRole.user, .assistant], count: 10).flatMap { $0 })
        }
        #expect(fixture.llm.received.count == 200)
    }

    @Test func toolsAreOfferedOnlyWhileAvailable() async throws {
        let fixture = try await AssistantFixture()
        defer { fixture.finish() }
        fixture.recovery.force(.weather, available: false)
        _ = await fixture.ask("weather in Oslo?")
        #expect(fixture.llm.received.first.map { Set($0.tools) } == ["crowdstrike", "document_search"])
    }

    @Test func streamedTextReachesTheChannelAsItArrives() async throws {
        let fixture = try await AssistantFixture(script: [.text("A streamed answer. It comes piece by piece.")])
        defer { fixture.finish() }
        let pieces = Locked<[String]>([])
        let reply = await fixture.assistant.respond(
            Turn(user: "alice", room: "soc", message: "stream please") { piece in pieces.set(pieces.get() + [piece]) })
        #expect(reply.text == "A streamed answer. It comes piece by piece.")
        // A sentence at a time, each checked before it is passed on.
        #expect(pieces.get() == ["A streamed answer.", " It comes piece by piece."])
    }

    @Test func aStreamStopsAtTheFirstSentenceTheToolsDoNotBearOut() async throws {
        let fixture = try await AssistantFixture(script: [.text("I looked it up. WS-1234 is not contained anymore.")])
        defer { fixture.finish() }
        let pieces = Locked<[String]>([])
        let reply = await fixture.assistant.respond(
            Turn(user: "alice", room: "soc", message: "is WS-1234 contained?") { piece in
                pieces.set(pieces.get() + [piece])
            })
        #expect(pieces.get() == ["I looked it up."])
        #expect(reply.text == AssistantFixture.record)
    }
}
