import Foundation
import PokedexRecovery
import PokedexSettings
import PokedexTesting
import PokedexTools
import Testing

/// What each tool declares about itself: its fallback texts (SPEC 2.4, exact), the questions it
/// answers directly, its evidence line and its recovery defaults.
@Suite("Tool behaviour")
struct ToolBehaviourTests {
    static let deviceStatus =
        "⚠️ Unable to retrieve device status at this time. Please check CrowdStrike Falcon console directly or try again later."
    static let deviceDetails =
        "⚠️ Unable to retrieve device details at this time. Please check CrowdStrike Falcon console directly for device information."
    static let weather =
        "⚠️ Weather information is temporarily unavailable. Please check a reliable weather service directly."
    static let documentSearch =
        "⚠️ Document search is temporarily unavailable. Please refer to your local SOC documentation or contact your security team."
    static let general =
        "⚠️ This service is temporarily unavailable. Please try again later or contact support if the issue persists."

    private static let recovery = Recovery(configuration: ToolSet.recoveryConfiguration(), clock: ManualClock())
    private static let falcon = FalconTool(
        client: FalconClient(baseURL: "http://127.0.0.1:9", clientID: "id", clientSecret: Secret("s")),
        recovery: recovery)
    private static let weatherTool = WeatherTool(
        client: OpenMeteoClient(weatherURL: "http://127.0.0.1:9", geocodingURL: "http://127.0.0.1:9"), recovery: recovery)

    @Test(arguments: [
        ("Is WS-1234 contained?", deviceStatus),
        ("what's the STATUS of ws1", deviceStatus),
        ("is it online?", deviceStatus),
        ("show me device details for WS1", deviceDetails),
        ("info on host WS1", deviceDetails),
        ("hmm", general),
    ])
    func falconFallsBackWithTheTextForTheQuestion(question: String, expected: String) {
        #expect(Self.falcon.fallbackText(for: question) == expected)
    }

    @Test func eachToolHasItsOwnFallbackAndAToolWithoutOneTheGeneralText() throws {
        #expect(Self.weatherTool.fallbackText(for: "is it raining in Oslo") == Self.weather)
        let runbooks = RunbookSearchTool(index: try RunbookIndex(path: ":memory:"), recovery: Self.recovery)
        #expect(runbooks.fallbackText(for: "ransomware runbook") == Self.documentSearch)
        #expect(ToolResult.unavailableText == Self.general)
    }

    @Test func aTurnWithoutAnAnswerGetsTheFallbackOfTheToolItsQuestionAsksFor() {
        let registry = ToolRegistry([Self.falcon, Self.weatherTool], recovery: Self.recovery)
        // Earlier turns asked about a host; only the current question counts.
        #expect(registry.fallbackText(for: "And the weather in Oslo?") == Self.weather)
        #expect(registry.fallbackText(for: "Is WS-1234 contained?") == Self.deviceStatus)
        #expect(registry.fallbackText(for: "tell me a joke") == Self.general)
    }

    @Test(arguments: [
        ("Is WS-1234 contained?", ["hostname": "WS-1234", "lookup": "status"]),
        ("is srv01.corp online", ["hostname": "srv01.corp", "lookup": "online"]),
        ("details for WS-1234 please", ["hostname": "WS-1234", "lookup": "details"]),
        ("what is containment?", nil),
        ("WS-1234", nil),
    ])
    func falconAnswersAHostQuestionDirectlyWithTheUsersOwnHostname(question: String, expected: [String: String]?) {
        let arguments = Self.falcon.directArguments(for: question)
        #expect(arguments == expected?.mapValues { ToolArgument.string($0) })
    }

    @Test(arguments: [
        ("What's the weather in São Paulo?", "São Paulo"), ("How is the weather in Madrid today?", "Madrid"),
        ("weather for Tokyo please", "Tokyo"), ("weather in New York right now", "New York"),
        ("weather in Oslo this morning?", "Oslo"), ("weather at Cape Town, please!", "Cape Town"),
        ("weather in Today", "Today"),
    ])
    func weatherAnswersWeatherInAPlaceDirectly(question: String, place: String) {
        #expect(Self.weatherTool.directArguments(for: question) == ["location": .string(place)])
    }

    @Test func weatherWithoutAPlaceIsNotADirectQuestion() {
        #expect(Self.weatherTool.directArguments(for: "is the weather nice") == nil)
    }

    @Test func aQuestionForTheTeamsProceduresSearchesTheRunbooksDirectly() throws {
        let runbooks = RunbookSearchTool(index: try RunbookIndex(path: ":memory:"), recovery: Self.recovery)
        for question in ["What's our ransomware runbook?", "remind me of the phishing procedure", "Who do I escalate a P1 to?"] {
            #expect(runbooks.directArguments(for: question) == ["query": .string(question)])
        }
        #expect(runbooks.directArguments(for: "What does EDR stand for?") == nil)
    }

    @Test func runbookEvidenceNamesTheSourcesNotTheWholeAnswer() throws {
        let runbooks = RunbookSearchTool(index: try RunbookIndex(path: ":memory:"), recovery: Self.recovery)
        let result = ToolResult(text: "📄 **From a.md:**\nStep one\n\n📄 **From b.md:**\nStep two\n\n**Sources:** a.md, b.md")
        #expect(runbooks.evidenceText(result) == "Sources: a.md, b.md")
        let failed = ToolResult(text: Self.documentSearch, fellBack: true)
        #expect(runbooks.evidenceText(failed) == Self.documentSearch)
    }

    @Test func theToolsDeclareTheirRecoveryDefaultsAndSettingsStillWin() throws {
        var configuration = RecoveryConfiguration()
        try configuration.set("recovery.crowdstrike.max_retries", to: "4")
        ToolSet.declareRecoveryDefaults(in: &configuration)
        #expect(configuration.policy(for: .crowdstrike).maxRetries == 4)
        #expect(configuration.policy(for: .crowdstrike).initialDelay == .seconds(1))
        #expect(configuration.threshold(for: .crowdstrike) == 5)
        #expect(configuration.policy(for: .weather).maxRetries == 3)
        #expect(configuration.threshold(for: .weather) == 10)
        #expect(configuration.policy(for: .documentSearch).maxRetries == 1)
        #expect(configuration.policy(for: "undeclared") == RetryPolicy.default)
    }
}
