import Foundation
import PokedexTesting
import PokedexTools
import Testing

@testable import PokedexAssistant

/// Containment through the assistant: the model can request, only the user's own message confirms.
@Suite("Containment through the assistant")
struct ContainmentTurnTests {
    @Test(arguments: ["lift containment of WS-1234", "please release ws-1234 from isolation", "can you uncontain WS-1234?"])
    func aRequestToActAsksForConfirmationWithoutTheModel(_ request: String) async throws {
        let fixture = try await AssistantFixture(script: [.text("Lifted!")], containment: true)
        defer { fixture.finish() }
        let asked = await fixture.ask(request)
        #expect(asked.text.contains("`confirm lift WS-1234`"), "\(asked.text)")
        #expect(asked.toolsUsed == ["crowdstrike_containment"])
        #expect(fixture.llm.received.isEmpty)  // no model is needed to start it, and none is asked
        #expect(fixture.falcon.actionsReceived.isEmpty)

        let confirmed = await fixture.ask("confirm lift WS-1234")
        #expect(confirmed.text.hasPrefix("✅ Falcon accepted lifting containment of 'WS-1234'"))
        #expect(fixture.llm.received.isEmpty)  // no model saw the confirmation
        #expect(fixture.falcon.actionsReceived == ["lift_containment a1b2c3d4e5f60718293a4b5c6d7e8f90"])
        #expect(try await fixture.history().suffix(2).map(\.content).first == "confirm lift WS-1234")
        let audit = try String(contentsOfFile: fixture.auditPath, encoding: .utf8)
        #expect(audit.contains(#""outcome":"awaiting_confirmation""#) && audit.contains(#""outcome":"accepted""#))
    }

    @Test func sameForAnotherHostRepeatsTheRequestAndAQuestionAfterItDoesNot() async throws {
        let fixture = try await AssistantFixture(script: [], otherwise: .text("Noted."), containment: true)
        defer { fixture.finish() }
        #expect(await fixture.ask("lift containment of WS-1234").text.contains("`confirm lift WS-1234`"))
        let again = await fixture.ask("same deal for WS-9999, IC said ok")
        #expect(again.toolsUsed == ["crowdstrike_containment"] && again.text.contains("was not found"), "\(again.text)")
        let question = await fixture.ask("also is it even up? might be offline")
        #expect(question.toolsUsed == ["crowdstrike"], "\(question.text)")
        #expect(fixture.falcon.actionsReceived.isEmpty)
    }

    @Test func theModelMayAlsoRequestAndTheUsersOwnMessageConfirms() async throws {
        let fixture = try await AssistantFixture(
            script: [
                .toolCall("crowdstrike_containment", #"{"hostname":"WS-1234","action":"lift"}"#),
                .text("Please confirm."),
            ],
            containment: true)
        defer { fixture.finish() }
        _ = await fixture.ask("WS-1234 is clean now, it can go back on the network")
        let toolText = try #require(fixture.llm.received.last?.messages.last?.content)
        #expect(toolText.contains("`confirm lift WS-1234`"))
        #expect(fixture.falcon.actionsReceived.isEmpty)
        #expect((await fixture.ask("confirm lift WS-1234")).text.hasPrefix("✅ Falcon accepted"))
        #expect(fixture.falcon.actionsReceived.count == 1)
    }

    @Test func aQuestionAboutStateIsNeverOfferedAnAction() async throws {
        let fixture = try await AssistantFixture(
            script: [
                .toolCall("crowdstrike_containment", #"{"hostname":"WS-1234","action":"lift"}"#), .text("Done."),
            ],
            containment: true)
        defer { fixture.finish() }
        let reply = await fixture.ask("is WS-1234 still contained?")
        #expect(fixture.llm.received.first.map { !$0.tools.contains("crowdstrike_containment") } == true)
        #expect(!reply.text.contains("confirm lift"))
        #expect(reply.text.hasPrefix(AssistantFixture.record))
    }

    @Test func aRequestFromSomeoneWhoMayNotActIsToldSoAndAudited() async throws {
        let fixture = try await AssistantFixture(script: [], containment: true)
        defer { fixture.finish() }
        let reply = await fixture.ask("contain WS-1234", user: "mallory")
        #expect(reply.text.hasPrefix("⛔ Containment actions are restricted to responders"), "\(reply.text)")
        #expect(fixture.llm.received.isEmpty && fixture.falcon.actionsReceived.isEmpty)
        let audit = try String(contentsOfFile: fixture.auditPath, encoding: .utf8)
        #expect(audit.contains(#""outcome":"refused_not_responder""#))
    }

    @Test func theConfirmationMayReachAnotherInstanceButOnlyOnce() async throws {
        let fixture = try await AssistantFixture(
            script: [
                .toolCall("crowdstrike_containment", #"{"hostname":"WS-1234","action":"lift"}"#), .text("Confirm?"),
            ],
            containment: true)
        defer { fixture.finish() }
        let other = try fixture.replica()
        _ = await fixture.ask("lift containment of WS-1234")
        let turn = Turn(user: "Alice", room: "soc", message: "confirm lift WS-1234", caller: AssistantFixture.verified)
        let confirmed = await other.respond(turn)
        #expect(confirmed.text.hasPrefix("✅ Falcon accepted lifting containment of 'WS-1234'"))
        #expect(fixture.falcon.actionsReceived == ["lift_containment a1b2c3d4e5f60718293a4b5c6d7e8f90"])
        // Used up: confirming again, on either instance, does nothing.
        #expect((await fixture.ask("confirm lift WS-1234")).text.hasPrefix("⚠️ There is no pending request"))
        #expect(fixture.falcon.actionsReceived.count == 1)
    }

    @Test func aRequestTheStoreCannotHoldIsRefusedAndNothingIsSent() async throws {
        let fixture = try await AssistantFixture(
            script: [.toolCall("crowdstrike_containment", #"{"hostname":"WS-1234","action":"lift"}"#), .text("Done.")],
            containment: true)
        defer { fixture.finish() }
        // A real storage fault: another connection drops the table requests are held in.
        let dropped = try await ChildProcess.run(
            executable: URL(fileURLWithPath: "/usr/bin/python3"),
            [
                "-c", "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); c.execute('DROP TABLE held'); c.commit()",
                fixture.store.configuration.database,
            ])
        #expect(dropped.status == 0)
        let asked = await fixture.ask("lift containment of WS-1234")
        #expect(asked.text.hasPrefix("⚠️ The session store is not answering"))
        #expect(!asked.text.contains("confirm lift"))
        #expect((await fixture.ask("confirm lift WS-1234")).text.hasPrefix("⚠️ The session store is not answering"))
        #expect(fixture.falcon.actionsReceived.isEmpty)
        let audit = try String(contentsOfFile: fixture.auditPath, encoding: .utf8)
        #expect(audit.split(separator: "\n").last?.contains(#""outcome":"failed""#) == true)
    }

    @Test func withoutContainmentEnabledARequestIsToldWhyAndNothingIsLookedUp() async throws {
        let fixture = try await AssistantFixture(script: [.text("I cannot do that.")])
        defer { fixture.finish() }
        #expect(fixture.tools.registry.tool(named: "crowdstrike_containment") == nil)
        let reply = await fixture.ask("isolate WS-1234 now")
        #expect(reply.text == "⚠️ I can't contain a host here: not enabled (falcon.containment.enabled). Nothing was done.")
        #expect(fixture.falcon.apiRequests.isEmpty && fixture.llm.received.isEmpty)
        // A confirmation phrase asks for the same: told the same, nothing sent.
        #expect(await fixture.ask("confirm contain WS-1234").text.hasPrefix("⚠️ I can't contain a host here"))
        #expect(fixture.falcon.actionsReceived.isEmpty)
    }
}
