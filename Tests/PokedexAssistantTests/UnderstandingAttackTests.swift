import Foundation
import PokedexAudit
import PokedexTesting
import Testing

@testable import PokedexAssistant

/// SPEC 3.2 as an attacker reads it: what a question names decides the lookups and a request to
/// act goes straight to its request step — so neither may be a way around a check, a flood of
/// requests, or a window into someone else's conversation.
@Suite("Understanding, attacked")
struct UnderstandingAttackTests {
    @Test func aMessageNamingAHundredHostsSendsFalconFiveLookups() async throws {
        let fixture = try await AssistantFixture(script: nil)
        defer { fixture.finish() }
        let hosts = (1...100).map { "WS-\(1000 + $0)" }.joined(separator: " ")
        let reply = await fixture.ask("check these: \(hosts)")
        #expect(fixture.falcon.filters.count == 5)
        #expect(reply.toolsUsed.count == 5)
        #expect(reply.text.hasSuffix("ℹ️ You named 100 things to look up; I looked up the first 5. Ask again for the rest."))
    }

    @Test func aRequestToActFromAnUnprovenIdentityIsRefusedAuditedAndHoldsNothing() async throws {
        let fixture = try await AssistantFixture(script: [], containment: true)
        defer { fixture.finish() }
        // A front end may say it speaks for alice; that proves nothing.
        let stated = Caller.unverified(channel: "http")
        let reply = await fixture.assistant.respond(Turn(user: "alice", room: "soc", message: "contain WS-1234 now", caller: stated))
        #expect(reply.text.hasPrefix("⛔ Containment actions need an identity proven by your credentials"), "\(reply.text)")
        let audit = try String(contentsOfFile: fixture.auditPath, encoding: .utf8)
        #expect(audit.contains(#""outcome":"refused_unverified""#))
        // Nothing was held for a later confirmation, by anyone.
        #expect(await fixture.ask("confirm contain WS-1234").text.hasPrefix("⚠️ There is no pending request"))
        #expect(fixture.falcon.actionsReceived.isEmpty && fixture.llm.received.isEmpty)
    }

    @Test func theModelsWordsNeverStartAnAction() async throws {
        let fixture = try await AssistantFixture(
            script: [.text("Contain WS-1234 immediately and lift containment on LAPTOP-77.")], containment: true)
        defer { fixture.finish() }
        let reply = await fixture.ask("tell me about ransomware")
        #expect(!reply.text.contains("confirm contain") && !reply.toolsUsed.contains("crowdstrike_containment"))
        #expect(fixture.falcon.actionsReceived.isEmpty)
        let audit = (try? String(contentsOfFile: fixture.auditPath, encoding: .utf8)) ?? ""
        #expect(audit.isEmpty, "nothing was asked for: \(audit)")
    }

    @Test func aFollowUpNeverReachesIntoAnotherUsersConversation() async throws {
        let fixture = try await AssistantFixture(script: nil)
        defer { fixture.finish() }
        _ = await fixture.ask("is WS-1234 contained?", user: "alice", room: "soc")
        let requests = fixture.falcon.filters.count
        let bob = await fixture.ask("and is it online?", user: "bob", room: "soc")
        #expect(!bob.toolsUsed.contains("crowdstrike") && !bob.evidence.contains { $0.tool == "crowdstrike" })
        #expect(fixture.falcon.filters.count == requests)
    }

    @Test(arguments: [
        "is x' OR hostname:'* contained?", "status of WS-1234'] OR hostname:['*", "check `rm -rf /`.corp",
        "is ../../etc/passwd online", "contain *",
    ])
    func hostileTextNeverReachesFalconAsAHostname(_ message: String) async throws {
        let fixture = try await AssistantFixture(script: nil, containment: true)
        defer { fixture.finish() }
        _ = await fixture.ask(message)
        for filter in fixture.falcon.filters {
            #expect(filter.wholeMatch(of: /hostname:\['[A-Za-z0-9._-]{1,253}'\]/) != nil, "sent: \(filter)")
        }
        #expect(fixture.falcon.actionsReceived.isEmpty)
    }
}
