import Foundation
import PokedexTesting
import PokedexTools
import Testing

@testable import PokedexAssistant

/// SPEC 3.1: what the model writes is checked against this turn's tools before it is shown or
/// stored — models that lie about a host, leak tool-call syntax or entities, or invent hostnames.
@Suite("Claim checks")
struct ClaimCheckTests {
    static let contained = "Containment status for 'WS-1234': Contained - Device is isolated from network"

    @Test(arguments: [
        "WS-1234 is not contained anymore.", "It is not contained.", "The host WS-1234 is no longer isolated.",
        "Good news: WS-1234 has been un-contained and is back to normal - device is not contained.",
        // Another host's state: nothing was looked up for it.
        "Yes, and WS-2001 is contained too.",
        // The small real model, verbatim (pokedex-bench fidelity).
        "This indicates that the device does not contain a contained object. In this case, it's a normal device that is not contained within a contained object. This is a normal behavior.",
    ])
    func aModelThatContradictsFalconIsNotShownOrStored(_ lie: String) async throws {
        let fixture = try await AssistantFixture(script: [.text(lie)])
        defer { fixture.finish() }
        let reply = await fixture.ask("is WS-1234 contained?")
        #expect(reply.text == Self.contained)
        #expect(try await fixture.history().filter { $0.role != .tool }.map(\.content) == ["is WS-1234 contained?", Self.contained])
    }

    @Test func aModelThatAgreesWithFalconIsShownInItsOwnWords() async throws {
        let fixture = try await AssistantFixture(script: [.text("Yes — WS-1234 is contained, isolated from the network.")])
        defer { fixture.finish() }
        #expect(await fixture.ask("is WS-1234 contained?").text == "Yes — WS-1234 is contained, isolated from the network.")
    }

    @Test func aHostStateWithNoLookupBehindItIsNotStated() async throws {
        let fixture = try await AssistantFixture(script: [.text("WS-1234 is online and contained.")])
        defer { fixture.finish() }
        let reply = await fixture.ask("what do you make of WS-1234?")  // names no lookup: none ran
        #expect(reply.text == FalconClaims().unfoundedText)
        #expect(fixture.falcon.apiRequests.isEmpty)
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
        #expect(await fixture.ask("is WS-1234 contained?").text == Self.contained)
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
        #expect(reply.text == "I need the exact hostname.")
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
        #expect(await fixture.ask("and what about that host?").text == "WS-1234 is contained.")
        #expect(fixture.falcon.apiRequests.isEmpty == false)
    }
}
