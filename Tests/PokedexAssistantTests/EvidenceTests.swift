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
        #expect(evidence.result == Self.contained && !evidence.fellBack)
        #expect(reply.textWithEvidence.hasSuffix(Self.contained + " (" + evidence.time.formatted(.iso8601.time(includingFractionalSeconds: false)) + " UTC)"))

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
        #expect(try await fixture.history().map(\.role) == [.user, .fallback])  // kept out of the context
    }

    @Test func theDegradedRouteCarriesItsEvidenceToo() async throws {
        let fixture = try await AssistantFixture(script: nil)
        defer { fixture.finish() }
        let reply = await fixture.ask("what is our ransomware runbook?")
        #expect(reply.evidence.map(\.tool) == ["document_search"])
        #expect(reply.evidence.first?.arguments == #"{"query":"what is our ransomware runbook?"}"#)
    }

    @Test func theLastEvidenceIsKeptForTheNewestSessionsOnly() {
        let kept = LastEvidence(capacity: 4)
        let keys = (0..<5).map { SessionKey(user: "u\($0)", room: "r") }
        for (number, key) in keys.enumerated() { kept.keep(AnswerEvidence(answer: Int64(number), evidence: []), for: key) }
        #expect(kept.evidence(for: keys[0]) == nil && kept.evidence(for: keys[2]) == nil)
        #expect(kept.evidence(for: keys[3])?.answer == 3 && kept.evidence(for: keys[4])?.answer == 4)
    }
}
