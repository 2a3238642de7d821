import Foundation
import PokedexSessions
import PokedexTesting
import Testing

@testable import PokedexAssistant

/// SPEC 3.1: every answer carries what the tools returned; `why` shows it again; a tool that fell
/// back flags the turn whatever the model wrote.
@Suite("Evidence")
struct EvidenceTests {
    static let contained = "Containment status for 'WS-1234': Contained - Device is isolated from network"

    @Test func anAnswerCarriesItsEvidenceAndWhyShowsIt() async throws {
        let fixture = try await AssistantFixture(script: [.text("WS-1234 is contained."), .text("You're welcome.")])
        defer { fixture.finish() }
        let reply = await fixture.ask("is WS-1234 contained?")
        let evidence = try #require(reply.evidence.first)
        #expect(reply.evidence.count == 1)
        #expect(evidence.tool == "crowdstrike" && evidence.arguments.contains(#""hostname":"WS-1234""#))
        #expect(evidence.result == AssistantFixture.record && !evidence.fellBack)
        let time = evidence.time.formatted(.iso8601.time(includingFractionalSeconds: false))
        #expect(reply.textWithEvidence.contains("📎 Evidence\n• crowdstrike {\"hostname\":\"WS-1234\",\"lookup\":\"all\"} → " + Self.contained + " · "))
        #expect(reply.textWithEvidence.hasSuffix("… (" + time + " UTC)"))  // a long result is cut in the block

        let why = await fixture.ask("how do you know?")
        #expect(why.text.contains("📎 Evidence") && why.text.contains(Self.contained), "\(why.text)")
        #expect(fixture.llm.received.count == 1)  // a command: no model asked
        // Now the last answer is that explanation, which no tool informed.
        #expect(await fixture.ask("why").text == AssistantTexts.noToolsUsed)
        _ = await fixture.ask("is WS-1234 contained?")
        _ = await fixture.ask("thanks!")
        #expect(await fixture.ask("why").text == AssistantTexts.noToolsUsed)
    }

    @Test func aToolThatFellBackFlagsTheTurnWhateverTheModelWrote() async throws {
        let fixture = try await AssistantFixture(script: [.text("All good, nothing to worry about.")])
        defer { fixture.finish() }
        fixture.falcon.faults.use(FaultPlan().failAlways(with: .status(403)))
        let reply = await fixture.ask("is WS-1234 contained?")
        #expect(reply.isFallback)
        #expect(reply.evidence.first?.fellBack == true)
        #expect(reply.evidence.first?.result.hasPrefix("⚠️ Unable to retrieve device status") == true)
        #expect(try await fixture.history().map(\.role) == [.user, .tool, .fallback])  // kept out of the context
    }

    @Test func theDegradedRouteCarriesItsEvidenceToo() async throws {
        let fixture = try await AssistantFixture(script: nil)
        defer { fixture.finish() }
        let reply = await fixture.ask("what is our ransomware runbook?")
        #expect(reply.evidence.map(\.tool) == ["document_search"])
        #expect(reply.evidence.first?.arguments == #"{"query":"what is our ransomware runbook?"}"#)
    }

    @Test func theEvidenceIsStoredWithItsTurnAndNeverReachesTheModel() async throws {
        let fixture = try await AssistantFixture(script: [.text("WS-1234 is contained."), .text("Noted.")])
        defer { fixture.finish() }
        _ = await fixture.ask("is WS-1234 contained?")
        let history = try await fixture.history()
        #expect(history.map(\.role) == [.user, .tool, .assistant])
        #expect(Evidence.stored(history[1].content)?.first?.result == AssistantFixture.record)

        // Another assistant on the same store (a restart, another replica) explains it.
        let why = try await fixture.replica().respond(Turn(user: "alice", room: "soc", message: "why"))
        #expect(why.text.contains(Self.contained), "\(why.text)")

        // The next turn's context carries the question and the answer, not the stored evidence.
        _ = await fixture.ask("thanks, noted")
        let sent = try #require(fixture.llm.received.last).messages.map(\.content)
        #expect(sent.contains { $0.hasSuffix("WS-1234 is contained.") })
        #expect(!sent.contains { $0.contains(#""fallback":false"#) })
    }

    @Test func anAnswerTooLargeToStoreIsCutWithANoteNotCalledAStoreOutage() async throws {
        let long = String(repeating: "Isolate the host and call the commander. ", count: 80)  // 3,280 bytes
        let fixture = try await AssistantFixture(script: [.text(long)], maxMessageBytes: 2048)
        defer { fixture.finish() }
        let reply = await fixture.ask("give me the long version")
        #expect(reply.stored)
        #expect(reply.text.utf8.count <= 2048)
        #expect(reply.text.hasPrefix("Isolate the host") && reply.text.hasSuffix("so it was cut here."))
        // What the user was shown is what was stored.
        #expect(try await fixture.history().last?.content == reply.text)
    }
}
