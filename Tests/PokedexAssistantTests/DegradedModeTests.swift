import Foundation
import PokedexRecovery
import PokedexTesting
import Testing

@testable import PokedexAssistant

/// SPEC 2.6: no model configured, questions go straight to the right tool.
@Suite("Degraded mode")
struct DegradedModeTests {
    @Test func hostQuestionsGoToFalcon() async throws {
        let fixture = try await AssistantFixture(script: nil)
        defer { fixture.finish() }
        let status = await fixture.ask("is WS-1234 contained?")
        #expect(status.degraded)
        #expect(status.toolsUsed == ["crowdstrike"])
        #expect(
            status.text == """
                ℹ️ No language model is configured, so this answer comes straight from my tools.

                Containment status for 'WS-1234': Contained - Device is isolated from network
                """)
        #expect(await fixture.ask("is ws-1234 online?").text.hasSuffix("Online - Device is currently connected"))
        #expect(await fixture.ask("details for WS-1234").text.contains("Device Details for 'WS-1234':"))
    }

    @Test func weatherQuestionsGoToTheWeather() async throws {
        let fixture = try await AssistantFixture(script: nil)
        defer { fixture.finish() }
        let reply = await fixture.ask("What's the weather in Oslo?")
        #expect(reply.toolsUsed == ["weather"])
        #expect(
            reply.text.hasSuffix(
                "Current weather in Oslo, Norway: Slight snow fall, 27°F (feels like 27°F), humidity 90%"))
    }

    @Test func everythingElseSearchesTheRunbooksWithSources() async throws {
        let fixture = try await AssistantFixture(script: nil)
        defer { fixture.finish() }
        let reply = await fixture.ask("what are the first steps for ransomware?")
        #expect(reply.toolsUsed == ["document_search"])
        #expect(reply.text.contains("📄 **From ransomware.md:**"))
        #expect(reply.text.contains("incident commander"))
        #expect(try await fixture.history().count == 3)  // the question, its evidence, the answer
    }
}
