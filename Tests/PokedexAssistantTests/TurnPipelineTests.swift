import Foundation
import MetricsTestKit
import PokedexAudit
import PokedexRecovery
import PokedexSessions
import PokedexTesting
import Testing

@testable import PokedexAssistant

/// SPEC 3: input checks, the bot's name, and the commands answered without the model.
@Suite("Turn pipeline and commands")
struct TurnPipelineTests {
    @Test func emptyAndOverlongInputIsRefusedAndNothingIsStored() async throws {
        let fixture = try await AssistantFixture { $0.maxInputCharacters = 50 }
        defer { fixture.finish() }
        #expect(await fixture.ask("   \n ").text == "Please ask me a question!")
        #expect(await fixture.ask("pokedex").text == "Please ask me a question!")
        let long = await fixture.ask(String(repeating: "a", count: 51))
        #expect(long.text.hasPrefix("⚠️ Your message is 51 characters long; I can take at most 50."))
        #expect(try await fixture.history().isEmpty)
        #expect(fixture.llm.received.isEmpty)
    }

    @Test func theBotsNameIsStrippedOnlyAsAWholeWord() async throws {
        let fixture = try await AssistantFixture()
        defer { fixture.finish() }
        #expect(await fixture.ask("Pokedex status").text.hasPrefix("✅ System online and ready"))
        #expect(await fixture.ask("@pokedex, hi").text.contains("Hello! I'm your SOC Q&A Assistant"))
        _ = await fixture.ask("pokedexter foo")
        _ = await fixture.ask("NTLM relay attack")
        #expect(fixture.llm.received.map { $0.messages.last?.content } == ["pokedexter foo", "NTLM relay attack"])
    }

    @Test(arguments: ["status", "HEALTH", "  are you working?  "])
    func statusChecksTheComponentsForReal(_ command: String) async throws {
        let fixture = try await AssistantFixture()
        defer { fixture.finish() }
        let healthy = await fixture.ask(command).text
        #expect(healthy.hasPrefix("✅ System online and ready"))
        #expect(healthy.contains("Session store: ✅ writable"))
        // A real one-token completion, not only the server's model list.
        #expect(healthy.contains("Language model: ✅ reachable (openai, model scripted, a one-token answer in "))
        #expect(healthy.contains("ms, tool definitions accepted)"))
        #expect(fixture.llm.probes == 1)
        #expect(fixture.llm.received.isEmpty)
        #expect(healthy.contains("• document_search: ✅ available"))
        fixture.recovery.force(.weather, available: false)
        try await fixture.llm.stop()
        let degraded = await fixture.ask(command).text
        #expect(degraded.hasPrefix("⚠️ System online, but degraded (2 problems):"))
        #expect(degraded.contains("• weather: ❌ out of service"))
        #expect(degraded.contains("Language model: ❌"))
        // Both status turns are stored.
        #expect(try await fixture.history().map(\.role) == [.user, .assistant, .user, .assistant])
    }

    @Test func aModelServerThatRefusesToolDefinitionsIsAProblemWithItsFix() async throws {
        let fixture = try await AssistantFixture(dialect: .noToolTemplate)
        defer { fixture.finish() }
        let status = await fixture.ask("status").text
        #expect(status.hasPrefix("⚠️ System online, but degraded (1 problem):"), "\(status)")
        #expect(status.contains("refuses tool definitions (the language model answered 500: tools param requires --jinja flag)"), "\(status)")
        #expect(status.contains("start llama.cpp with --jinja"))
    }

    @Test func aToolWhoseServiceRejectsItsCredentialsIsNotCalledAvailable() async throws {
        let fixture = try await AssistantFixture(falconSecret: "revoked-secret")
        defer { fixture.finish() }
        let status = await fixture.ask("status").text
        #expect(status.hasPrefix("⚠️ System online, but degraded (1 problem):"), "\(status)")
        #expect(status.contains("• crowdstrike: ❌ HTTP 401: Falcon rejected the API client credentials"), "\(status)")
        let report = await fixture.ask("run health tests").text
        #expect(report.contains("❌ Tool crowdstrike is in service"), "\(report)")
        #expect(report.contains("✅ Tool document_search is in service"))
    }

    @Test func withoutAModelStatusSaysItIsDegraded() async throws {
        let fixture = try await AssistantFixture(script: nil)
        defer { fixture.finish() }
        let status = await fixture.ask("status").text
        #expect(status.hasPrefix("⚠️"))
        #expect(status.contains("Language model: ⚠️ none configured"))
    }

    @Test func helloAndHelpListWhatTheBotCanActuallyDo() async throws {
        let fixture = try await AssistantFixture()
        defer { fixture.finish() }
        let hello = await fixture.ask("hello").text
        #expect(hello.contains("Hello! I'm your SOC Q&A Assistant"))
        #expect(hello.contains("ask me any security-related question"))
        #expect(hello.contains("CrowdStrike Falcon") && hello.contains("weather") && hello.contains("runbooks"))
        #expect(!hello.contains("contain a host"))  // containment is not enabled here
        let help = await fixture.ask("help").text
        #expect(help.contains("`clear my session`") && help.contains("`run health tests`") && help.contains("`status`"))
    }

    @Test func resetClearsTheSessionAndIsNotStored() async throws {
        let fixture = try await AssistantFixture()
        defer { fixture.finish() }
        #expect(await fixture.ask("reset").text == "✅ Starting a new session! (No previous context found)")
        _ = await fixture.ask("what is phishing?")
        #expect(
            await fixture.ask("clear my session").text
                == "✅ Session context cleared! Starting fresh with no memory of our previous conversation.")
        #expect(try await fixture.history().isEmpty)
        // A sentence containing the words is a question, not a command.
        _ = await fixture.ask("please delete chat history on HOST1")
        #expect(try await fixture.history().filter { $0.role != .tool }.count == 2)
    }

    @Test func healthTestsReportEveryCheckAndLeaveNothingBehind() async throws {
        let fixture = try await AssistantFixture()
        defer { fixture.finish() }
        let report = await fixture.ask("run health tests").text
        let lines = report.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "🔬 **Health Test Report**")
        #expect(lines[1] == "✅ ALL TESTS PASSED")
        #expect(lines[2].hasPrefix("📊 **Summary**: ") && lines[2].hasSuffix(" tests passed"))
        let checks = lines.dropFirst(4)
        #expect(checks.count >= 6)
        #expect(checks.allSatisfy { $0.hasPrefix("✅ ") && $0.contains(" ms)") })
        #expect(try await fixture.history().isEmpty)
        #expect(try await fixture.store.statistics().totalSessions == 0)

        fixture.recovery.force(.weather, available: false)
        #expect(await fixture.ask("run health tests").text.contains("⚠️ SOME TESTS FAILED"))
        fixture.recovery.force(.crowdstrike, available: false)
        fixture.recovery.force(.documentSearch, available: false)
        #expect(await fixture.ask("run health tests").text.contains("❌ MULTIPLE TESTS FAILED"))
    }

    @Test func oddSessionKeysGetAClearAnswer() async throws {
        let fixture = try await AssistantFixture()
        defer { fixture.finish() }
        let reply = await fixture.ask("hello", user: "")
        #expect(reply.text.hasPrefix("⚠️ I can't keep a conversation for this user and room"))
        let control = await fixture.ask("hello", user: "a\u{7}b")
        #expect(control.text.contains("control characters"))
    }

    /// Every turn is counted where it is answered, by its channel: Webex and terminal turns reach
    /// `pokedex_turns_total` as HTTP ones do (before, only the HTTP routes counted).
    @Test func everyTurnIsCountedByItsChannel() async throws {
        let metrics = TestMetrics()
        let fixture = try await AssistantFixture(script: nil, metrics: metrics)
        defer { fixture.finish() }
        for channel in ["webex", "cli", "webex"] {
            let caller = Caller(principal: "t", channel: channel, verified: true)
            _ = await fixture.assistant.respond(
                Turn(user: "alice", room: "soc", message: "what's our ransomware runbook?", caller: caller))
        }
        #expect(try metrics.expectCounter("pokedex_turns_total", [("channel", "webex")]).totalValue == 2)
        #expect(try metrics.expectCounter("pokedex_turns_total", [("channel", "cli")]).totalValue == 1)
        // Without a model every turn is answered in degraded mode.
        #expect(try metrics.expectCounter("pokedex_degraded_turns_total", [("channel", "cli")]).totalValue == 1)
    }
}
