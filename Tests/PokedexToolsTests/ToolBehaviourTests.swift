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
        ("Is WS-1234 contained?", [["hostname": "WS-1234", "lookup": "all"]]),
        ("what OS is srv01.corp running", [["hostname": "srv01.corp", "lookup": "all"]]),
        ("ws-1234 and LAPTOP-77?", [["hostname": "ws-1234", "lookup": "all"], ["hostname": "LAPTOP-77", "lookup": "all"]]),
        ("what is containment?", []),
    ])
    func aQuestionThatNamesAHostGetsFalconsRecordOfEach(question: String, expected: [[String: String]]) {
        let registry = ToolRegistry([Self.falcon, Self.weatherTool], recovery: Self.recovery)
        let lookups = registry.lookups(for: QuestionReading(question))
        #expect(lookups.allSatisfy { $0.tool.name == .crowdstrike })
        #expect(lookups.map(\.arguments) == expected.map { $0.mapValues { ToolArgument.string($0) } })
    }

    @Test(arguments: [
        ("What's the weather in São Paulo?", "São Paulo"), ("temperature in Madrid today?", "Madrid"),
        ("forecast for Tokyo please", "Tokyo"), ("is it snowing in New York right now", "New York"),
        ("Oslo weather?", "Oslo"), ("do I need an umbrella at Cape Town, please!", "Cape Town"),
    ])
    func aPlaceInAQuestionAboutTheWeatherGetsTheForecast(question: String, place: String) {
        let registry = ToolRegistry([Self.falcon, Self.weatherTool], recovery: Self.recovery)
        let lookups = registry.lookups(for: QuestionReading(question))
        #expect(lookups.map(\.tool.name) == [.weather])
        #expect(lookups.first?.arguments == ["location": .string(place)])
    }

    @Test func weatherWithoutAPlaceLooksNothingUp() {
        let registry = ToolRegistry([Self.falcon, Self.weatherTool], recovery: Self.recovery)
        #expect(registry.lookups(for: QuestionReading("is the weather nice")).isEmpty)
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
