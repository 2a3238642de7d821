import Foundation
import PokedexTesting
import PokedexTools
import Testing

@testable import PokedexAssistant

/// Containment through the assistant: the model can request, only the user's own message confirms.
@Suite("Containment through the assistant")
struct ContainmentTurnTests {
    @Test func theModelRequestsAndTheUsersOwnMessageConfirms() async throws {
        let fixture = try await AssistantFixture(
            script: [
                .toolCall("crowdstrike_containment", #"{"hostname":"WS-1234","action":"lift"}"#),
                .text("Please confirm."),
            ],
            containment: true)
        defer { fixture.finish() }
        _ = await fixture.ask("lift containment of WS-1234")
        let toolText = try #require(fixture.llm.received.last?.messages.last?.content)
        #expect(toolText.contains("`confirm lift WS-1234`"))
        #expect(fixture.falcon.actionsReceived.isEmpty)

        let requests = fixture.llm.received.count
        let confirmed = await fixture.ask("confirm lift WS-1234")
        #expect(confirmed.text.hasPrefix("✅ Falcon accepted lifting containment of 'WS-1234'"))
        #expect(fixture.llm.received.count == requests)  // no model saw the confirmation
        #expect(fixture.falcon.actionsReceived == ["lift_containment a1b2c3d4e5f60718293a4b5c6d7e8f90"])
        #expect(try await fixture.history().suffix(2).map(\.content).first == "confirm lift WS-1234")
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
        _ = await fixture.ask("lift containment of WS-1234")
        let toolText = try #require(fixture.llm.received.last?.messages.last?.content)
        #expect(toolText.hasPrefix("⚠️ The session store is not answering"))
        #expect(!toolText.contains("confirm lift"))
        #expect((await fixture.ask("confirm lift WS-1234")).text.hasPrefix("⚠️ The session store is not answering"))
        #expect(fixture.falcon.actionsReceived.isEmpty)
        let audit = try String(contentsOfFile: fixture.auditPath, encoding: .utf8)
        #expect(audit.split(separator: "\n").last?.contains(#""outcome":"failed""#) == true)
    }

    @Test func aConfirmationWithoutContainmentEnabledIsAnOrdinaryQuestion() async throws {
        let fixture = try await AssistantFixture(script: [.text("I cannot do that.")])
        defer { fixture.finish() }
        #expect(fixture.tools.registry.tool(named: "crowdstrike_containment") == nil)
        #expect(await fixture.ask("confirm contain WS-1234").text == "I cannot do that.")
        #expect(fixture.falcon.actionsReceived.isEmpty)
    }
}
