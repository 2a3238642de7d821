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
            status.text == "ℹ️ No language model is configured, so this answer comes straight from my tools.\n\n"
                + AssistantFixture.record)
        // However it is asked, in any case: the host's record.
        for question in ["is ws-1234 online?", "what OS is WS-1234 running", "tell me about ws-1234", "WS-1234?"] {
            #expect(await fixture.ask(question).text.hasSuffix(AssistantFixture.record), "\(question)")
        }
    }

    @Test func twoHostsAreBothLookedUpAndAFollowUpFindsItsHost() async throws {
        let fixture = try await AssistantFixture(script: nil)
        defer { fixture.finish() }
        let both = await fixture.ask("status of WS-1234 and WS-9999?")
        #expect(both.toolsUsed == ["crowdstrike", "crowdstrike"])
        #expect(both.text.contains(AssistantFixture.record) && both.text.contains("Hostname 'WS-9999' was not found in CrowdStrike."))
        let followUp = await fixture.ask("and is it online?")
        #expect(followUp.evidence.map(\.arguments) == [#"{"hostname":"WS-1234","lookup":"all"}"#, #"{"hostname":"WS-9999","lookup":"all"}"#])
        // After a restart (another instance on the same store) too.
        let replica = try fixture.replica()
        _ = await fixture.ask("weather in Oslo")
        let again = await replica.respond(
            Turn(user: "alice", room: "soc", message: "is it cold there?", caller: AssistantFixture.verified))
        #expect(again.toolsUsed == ["weather"] && again.text.contains("Current weather in Oslo"))
    }

    @Test(arguments: ["tell me a joke", "what is the weather like today?", "hmm"])
    func aQuestionNoToolAnswersIsToldWhatFailedAndWhatStillWorks(question: String) async throws {
        let fixture = try await AssistantFixture(script: nil)
        defer { fixture.finish() }
        let reply = await fixture.ask(question)
        #expect(reply.text.hasPrefix("⚠️ No language model is configured"), "\(reply.text)")
        #expect(reply.text.contains("• check a host in CrowdStrike Falcon"))
        #expect(!reply.text.contains("No relevant documents found"))
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

    /// A named thing no tool takes (a domain, with no MCP server for domains) leaves the question
    /// to the runbooks, as one that names nothing.
    @Test func aQuestionNamingADomainNoToolTakesSearchesTheRunbooks() async throws {
        let fixture = try await AssistantFixture(script: nil)
        defer { fixture.finish() }
        let reply = await fixture.ask("what are the first steps for ransomware? the note names pay-now.example.org")
        #expect(reply.toolsUsed == ["document_search"], "\(reply.text)")
        #expect(reply.text.contains("incident commander"))
    }
}
