import Foundation
import PokedexTesting
import PokedexTools
import Testing

@testable import PokedexAssistant

/// SPEC 3.1: what the model writes is checked against this turn's tools before it is shown or
/// stored — models that lie about a host, leak tool-call syntax or entities, or invent hostnames.
@Suite("Claim checks")
struct ClaimCheckTests {
    static let record = AssistantFixture.record

    @Test(arguments: [
        "WS-1234 is not contained anymore.", "It is not contained.", "The host WS-1234 is no longer isolated.",
        "Good news: WS-1234 has been un-contained and is back to normal - device is not contained.",
        "WS-1234 is offline right now.", "WS-1234 runs Ubuntu, so it is fine.",
        // Another host's state: nothing was looked up for it.
        "Yes, and WS-2001 is contained too.",
        // The small real model, verbatim (pokedex-bench fidelity).
        "This indicates that the device does not contain a contained object. In this case, it's a normal device that is not contained within a contained object. This is a normal behavior.",
    ])
    func aModelThatContradictsFalconIsNotShownOrStored(_ lie: String) async throws {
        let fixture = try await AssistantFixture(script: [.text(lie)])
        defer { fixture.finish() }
        let reply = await fixture.ask("is WS-1234 contained?")
        #expect(reply.text == Self.record)
        #expect(try await fixture.history().filter { $0.role != .tool }.map(\.content) == ["is WS-1234 contained?", Self.record])
    }

    @Test func proseThatDoesNotRestateFalconsFactsFollowsThem() async throws {
        let fixture = try await AssistantFixture(script: [.text("Yes — WS-1234 is contained, isolated from the network.")])
        defer { fixture.finish() }
        #expect(
            await fixture.ask("is WS-1234 contained?").text
                == Self.record + "\n\nYes — WS-1234 is contained, isolated from the network.")
    }

    @Test func proseThatRestatesEveryFactIsShownInItsOwnWords() async throws {
        let prose =
            "WS-1234 is Contained - Device is isolated from network, and Online - Device is currently connected."
        let fixture = try await AssistantFixture(script: [.text(prose)])
        defer { fixture.finish() }
        #expect(await fixture.ask("what's going on with ws-1234").text == prose)
    }

    @Test func aHostStateWithNoLookupBehindItIsNotStated() async throws {
        let fixture = try await AssistantFixture(script: [.text("WS-1234 is online and contained.")])
        defer { fixture.finish() }
        let reply = await fixture.ask("what do you make of that machine?")  // names no host: nothing is looked up
        #expect(reply.text == FalconClaims().unfoundedText)
        #expect(fixture.falcon.apiRequests.isEmpty)
    }

    @Test func sentencesWithUnsupportedSpecificsAreRemovedAndTheTurnFlagged() async throws {
        let fixture = try await AssistantFixture(script: [
            .text(
                "Phishing is the most common way in. Block evil-login.com at the proxy within 15 minutes. Then check 10.20.30.40 and FIN-LT-0042 too. Report it to your lead."
            )
        ])
        defer { fixture.finish() }
        let reply = await fixture.ask("tell me about phishing")
        #expect(reply.text == "Phishing is the most common way in. Report it to your lead.")
        #expect(reply.unsupported == ["evil-login.com", "15 minutes", "10.20.30.40", "FIN-LT-0042"])
        #expect(try await fixture.history().last?.content == reply.text)
    }

    @Test func specificsTheQuestionOrConversationGaveAreKept() async throws {
        let fixture = try await AssistantFixture(script: [
            .text("I can't search proxy logs, but block evil-login.com if it is not needed."),
            .text("Yes: evil-login.com, for 30 minutes as you said."),
        ])
        defer { fixture.finish() }
        let first = await fixture.ask("we saw evil-login.com in the proxy logs for 30 minutes, what do you think?")
        #expect(first.text == "I can't search proxy logs, but block evil-login.com if it is not needed.")
        #expect(first.unsupported.isEmpty)
        #expect(await fixture.ask("which domain was it?").text == "Yes: evil-login.com, for 30 minutes as you said.")
    }

    @Test func anAnswerOfNothingButUnsupportedSpecificsIsNotShown() async throws {
        let fixture = try await AssistantFixture(script: [.text("Use SentinelOne 23.4 on 10.0.0.1.")])
        defer { fixture.finish() }
        let reply = await fixture.ask("tell me what to buy")
        #expect(reply.text == AssistantTexts.nothingBacked)
        #expect(!reply.unsupported.isEmpty)
    }

    @Test func aSearchThatFoundNothingIsANoteNeverTheAnswerEvenWhenTheModelRepeatsIt() async throws {
        let question = "who do i ask about a vpn token reset?"
        let fixture = try await AssistantFixture(script: [
            .text("No relevant documents found for query: '\(question)'"), .text("Ask finance; they own that."),
        ])
        defer { fixture.finish() }
        let parrot = await fixture.ask(question)
        #expect(parrot.toolsUsed == ["document_search"])
        #expect(parrot.text == AssistantTexts.runbooksNothing)
        let answer = await fixture.ask("who do i ask about a wifi voucher?")
        #expect(answer.text == "Ask finance; they own that.\n\n" + AssistantTexts.runbooksSilent)
    }

    /// The search's words for nothing found, written by the model about a search of its own
    /// wording (or none this turn) under what a tool did find, are not shown either.
    @Test func theSearchsWordsForNothingAreNeverTheModelsAnswer() async throws {
        let fixture = try await AssistantFixture(script: [
            .text("No relevant documents found for query: 'atlantis office'. Nothing else."),
        ])
        defer { fixture.finish() }
        let reply = await fixture.ask("weather in Atlantis?")
        #expect(reply.toolsUsed == ["weather"])
        #expect(reply.text.contains("Weather data not available for"), "\(reply.text)")
        #expect(!reply.text.contains("No relevant documents found"), "\(reply.text)")
    }

    @Test func aTemperatureOrWeatherTheReportDidNotGiveIsNotShown() async throws {
        let report = "Current weather in Oslo, Norway: Slight snow fall, 27°F (feels like 27°F), humidity 90%"
        let fixture = try await AssistantFixture(script: [
            .text("It is 22°F and raining in Oslo."), .text("In Oslo it is 27°F with Slight snow fall, or -3°C."),
        ])
        defer { fixture.finish() }
        #expect(await fixture.ask("temperature in Oslo?").text == report)
        // Restated (the other scale too): shown as written.
        #expect(await fixture.ask("and how cold is it in Oslo?").text == "In Oslo it is 27°F with Slight snow fall, or -3°C.")
    }

    @Test(arguments: [
        #"functions.crowdstrike: {"hostname":"WS-1234"}"#, "<tool_call>crowdstrike</tool_call>",
        "<tool_response>\n{\"type\": \"containment\", \"status\": \"false\"}\n</tool_response>",
        "[TOOL_CALLS] crowdstrike", "<|python_tag|>lookup()", #"Here: {"name": "crowdstrike", "arguments": {}}"#,
    ])
    func toolCallSyntaxIsRecognised(_ text: String) {
        #expect(ClaimCheck.hasToolCallSyntax(text))
    }

    @Test func ordinaryProseIsNotToolCallSyntax() {
        #expect(!ClaimCheck.hasToolCallSyntax("Check the sender's SPF {and DKIM} records: see the runbook."))
    }

    @Test func toolCallSyntaxIsNeverShown() async throws {
        let fixture = try await AssistantFixture(script: [
            .text(#"functions.crowdstrike: {"hostname":"WS-1234","lookup":"status"}"#),
            .text(#"{"hostname": "WS-1234", "lookup": "status"}"#),
        ])
        defer { fixture.finish() }
        #expect(await fixture.ask("tell me something").text == AssistantTexts.technicalDifficulties)
        // With a lookup behind the turn, its result is shown instead.
        #expect(await fixture.ask("is WS-1234 contained?").text == Self.record)
        // (The stored evidence, a `tool` message, is JSON by design; it never reaches the model.)
        #expect(try await !fixture.history().filter { $0.role != .tool }.contains { $0.content.contains("functions.") || $0.content.contains("{") })
    }

    @Test func markupEntitiesAreDecodedNotCompounded() async throws {
        let fixture = try await AssistantFixture(script: [.text("It&#39;s &quot;phishing&quot; &amp;amp;#39; more.")])
        defer { fixture.finish() }
        let reply = await fixture.ask("what is this?")
        #expect(reply.text == "It's \"phishing\" ' more.")
    }

    @Test func aHostnameTheModelInventedIsRefusedBackToIt() async throws {
        let fixture = try await AssistantFixture(script: [
            .toolCall("crowdstrike", #"{"hostname":"WS-1234.com/data","lookup":"status"}"#),
            .text("I need the exact hostname."),
        ])
        defer { fixture.finish() }
        let reply = await fixture.ask("can you check the file server for me?")
        #expect(reply.text.hasSuffix("I need the exact hostname."))
        let told = try #require(fixture.llm.received.last?.messages.last)
        #expect(told.role == "tool" && told.content.contains("does not appear in this conversation"))
        #expect(fixture.falcon.apiRequests.isEmpty)
    }

    @Test func aHostnameFromEarlierInTheConversationMayBeLookedUp() async throws {
        let fixture = try await AssistantFixture(script: [
            .text("Noted."), .toolCall("crowdstrike", #"{"hostname":"WS-1234","lookup":"status"}"#),
            .text("WS-1234 is contained."),
        ])
        defer { fixture.finish() }
        _ = await fixture.ask("we are looking at ws-1234 today")
        let reply = await fixture.ask("and what about that host?")
        #expect(reply.text.hasSuffix("WS-1234 is contained."))
        #expect(reply.toolsUsed == ["crowdstrike", "crowdstrike"])  // looked up for the follow-up, then by the model
    }
}
