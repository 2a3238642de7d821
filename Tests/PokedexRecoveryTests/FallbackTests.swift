import PokedexRecovery
import Testing

@Suite("Fallbacks")
struct FallbackTests {
    @Test func textsAreExactlyTheSpecifications() {
        #expect(
            Fallback.deviceStatus.text
                == "⚠️ Unable to retrieve device status at this time. Please check CrowdStrike Falcon console directly or try again later."
        )
        #expect(
            Fallback.deviceDetails.text
                == "⚠️ Unable to retrieve device details at this time. Please check CrowdStrike Falcon console directly for device information."
        )
        #expect(
            Fallback.weather.text
                == "⚠️ Weather information is temporarily unavailable. Please check a reliable weather service directly."
        )
        #expect(
            Fallback.documentSearch.text
                == "⚠️ Document search is temporarily unavailable. Please refer to your local SOC documentation or contact your security team."
        )
        #expect(
            Fallback.general.text
                == "⚠️ This service is temporarily unavailable. Please try again later or contact support if the issue persists."
        )
    }

    @Test(arguments: [
        (ToolName.crowdstrike, "Is WS-1234 contained?", Fallback.deviceStatus),
        (.crowdstrike, "what's the STATUS of ws1", .deviceStatus),
        (.crowdstrike, "is it online?", .deviceStatus),
        (.crowdstrike, "show me device details for WS1", .deviceDetails),
        (.crowdstrike, "info on host WS1", .deviceDetails),
        (.crowdstrike, "hmm", .general),
        (.weather, "is it raining in Oslo", .weather),
        (.documentSearch, "ransomware runbook", .documentSearch),
        (ToolName("ticketing"), "open a ticket", .general),
    ])
    func aFailedToolGetsItsOwnFallback(tool: ToolName, question: String, expected: Fallback) {
        #expect(Fallback.forTool(tool, question: question) == expected)
    }

    @Test(arguments: [
        ("Is WS-1234 contained?", Fallback.deviceStatus),
        ("status please", .deviceStatus),
        ("What's the weather in Paris?", .weather),
        ("how to reset MFA", .documentSearch),
        ("search the phishing procedure", .documentSearch),
        ("show the incident document", .documentSearch),
        ("tell me a joke", .general),
    ])
    func aFailedModelGetsTheFallbackOfTheCurrentQuestion(question: String, expected: Fallback) {
        #expect(Fallback.forQuestion(question) == expected)
    }

    @Test func theHistoryNeverChoosesTheFallback() async {
        // Earlier turns asked about containment status; the current question is about the weather.
        let history = ["Is WS-1 contained?", "What is the status of WS-2?"]
        let current = "And the weather in Oslo?"
        #expect(history.allSatisfy { Fallback.forQuestion($0) == .deviceStatus })
        #expect(Fallback.forQuestion(current) == .weather)

        let harness = RecoveryHarness()
        let outcome = await harness.recovery.call(.llm, question: current) { _ -> String in
            throw ServiceFailure(.http(status: 400), "model not found")
        }
        #expect(outcome.fallback == .general)
        #expect(Fallback.forQuestion(current).text.contains("Weather information"))
    }
}
