import Foundation
import PokedexRecovery
import PokedexSettings
import PokedexTesting
import Testing

@Suite("Health report, metrics and settings")
struct HealthAndMetricsTests {
    @Test func healthReportShowsEveryToolsState() async throws {
        let harness = RecoveryHarness()
        _ = await harness.recovery.call(.weather) { _ in "sunny" }
        for _ in 0..<6 {
            _ = await harness.recovery.call(.crowdstrike) { _ -> String in
                throw ServiceFailure(.http(status: 403), "access denied, authorization failed")
            }
        }
        harness.clock.advance(by: .seconds(10))
        let report = harness.recovery.healthReport()
        #expect(report.timestamp == harness.clock.currentDate)
        // Every configured tool is reported, the language model included, called or not.
        #expect(report.errorCounts == ["crowdstrike": 6, "weather": 0, "document_search": 0, "llm": 0])
        #expect(
            report.toolAvailability == ["crowdstrike": false, "weather": true, "document_search": true, "llm": true])
        let crowdstrike = try #require(report.tools["crowdstrike"])
        #expect(crowdstrike.state == .unavailable)
        #expect(crowdstrike.threshold == 5)
        #expect(crowdstrike.lastError?.message == "HTTP 403: access denied, authorization failed")
        #expect(crowdstrike.lastError?.time == harness.clock.currentDate.addingTimeInterval(-10))
        #expect(crowdstrike.nextProbe == harness.clock.currentDate.addingTimeInterval(50))
        #expect(report.tools["weather"]?.lastSuccess == harness.clock.currentDate.addingTimeInterval(-10))

        let json = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
        for key in [
            "error_counts", "tool_availability", "last_reset", "failures_in_window", "next_probe", "last_error",
        ] {
            #expect(json.contains("\"\(key)\""), "\(key)")
        }
    }

    @Test func metricsCountCallsFailuresRetriesAndState() async throws {
        let harness = RecoveryHarness()
        let task = Task {
            await harness.recovery.call(.weather) { attempt -> String in
                if attempt.number < 3 { throw ServiceFailure(.timeout, "slow") }
                return "sunny"
            }
        }
        await harness.clock.advanceToNextWake(within: .seconds(9))
        await harness.clock.advanceToNextWake(within: .seconds(9))
        #expect(await task.value.value == "sunny")
        for _ in 0..<6 {
            _ = await harness.recovery.call(.crowdstrike) { _ -> String in
                throw ServiceFailure(.http(status: 400), "bad")
            }
        }
        let weather = [("tool", "weather")]
        let crowdstrike = [("tool", "crowdstrike")]
        #expect(try harness.metrics.expectCounter("pokedex_tool_calls_total", weather).totalValue == 1)
        #expect(try harness.metrics.expectCounter("pokedex_tool_retries_total", weather).totalValue == 2)
        #expect(try harness.metrics.expectCounter("pokedex_tool_failures_total", crowdstrike).totalValue == 6)
        #expect(try harness.metrics.expectCounter("pokedex_tool_fallbacks_total", crowdstrike).totalValue == 6)
        #expect(try harness.metrics.expectGauge("pokedex_tool_state", crowdstrike).lastValue == 2)
        #expect(try harness.metrics.expectGauge("pokedex_tool_state", weather).lastValue == 0)
    }

    @Test func everyNumberIsASetting() throws {
        var configuration = RecoveryConfiguration()
        try configuration.apply(environment: [
            "POKEDEX_RECOVERY_CROWDSTRIKE_MAX_RETRIES": "4",
            "POKEDEX_RECOVERY_DOCUMENT_SEARCH_DELAY": "250ms",
            "POKEDEX_RECOVERY_WEATHER_BACKOFF": "3",
            "POKEDEX_RECOVERY_WEATHER_JITTER": "0",
            "POKEDEX_RECOVERY_WEATHER_MAX_DELAY": "5s",
            "POKEDEX_RECOVERY_WEATHER_TIMEOUT": "2s",
            "POKEDEX_RECOVERY_CROWDSTRIKE_THRESHOLD": "3",
            "POKEDEX_RECOVERY_DEFAULT_THRESHOLD": "20",
            "POKEDEX_RECOVERY_COOL_DOWN": "30s",
            "POKEDEX_RECOVERY_MAX_COOL_DOWN": "5m",
            "POKEDEX_RECOVERY_WINDOW": "2h",
            "POKEDEX_RECOVERY_WARNING_THRESHOLD": "50",
        ])
        // The tools declare their defaults after the settings are read: the settings still win.
        for (service, defaults) in ToolName.declared { configuration.declare(service, defaults) }
        #expect(configuration.policy(for: .crowdstrike).maxRetries == 4)
        #expect(configuration.policy(for: .documentSearch).initialDelay == .milliseconds(250))
        #expect(
            configuration.policy(for: .weather)
                == RetryPolicy(
                    maxRetries: 3, initialDelay: .milliseconds(500), backoff: 3, maxDelay: .seconds(5), jitter: 0,
                    timeout: .seconds(2)))
        #expect(configuration.threshold(for: .crowdstrike) == 3)
        #expect(configuration.threshold(for: "anything") == 20)
        #expect(configuration.coolDown == .seconds(30))
        #expect(configuration.maxCoolDown == .seconds(300))
        #expect(configuration.window == .seconds(7200))
        #expect(configuration.warningThreshold == 50)
    }

    @Test(arguments: [
        ("recovery.weather.jitter", "1.5"), ("recovery.weather.max_retries", "-1"), ("recovery.cool_down", "never"),
        ("recovery.weather.colour", "blue"), ("sessions.timeout", "1h"),
    ])
    func badSettingsNameTheirKey(key: String, value: String) {
        var configuration = RecoveryConfiguration()
        #expect(throws: SettingError.self) { try configuration.set(key, to: value) }
        do {
            try configuration.set(key, to: value)
        } catch {
            #expect(error.key == key)
        }
    }

    @Test func faultPlansAreFollowedRequestByRequest() async throws {
        let clock = ManualClock()
        let injector = FaultInjector(FaultPlan().failFirst(2, with: .status(503, retryAfter: "7")))
        for expected in [503, 503] {
            await #expect(
                throws: ServiceFailure(.http(status: expected), "simulated HTTP 503", retryAfter: .seconds(7))
            ) {
                try await injector.perform(clock: clock) { "ok" }
            }
        }
        #expect(try await injector.perform(clock: clock) { "ok" } == "ok")

        injector.use(FaultPlan().failRandomly(rate: 0.5, with: .malformedBody, seed: 3))
        var failures = 0
        for _ in 0..<200 {
            if (try? await injector.perform(clock: clock) { "ok" }) == nil { failures += 1 }
        }
        #expect((70...130).contains(failures))
        #expect(injector.requestCount == 200)
    }

    @Test func aFlakyServiceBehindRecoveryStillAnswers() async {
        let harness = RecoveryHarness()
        let injector = FaultInjector(FaultPlan().failFirst(1, with: .connectionReset))
        let task = Task {
            await harness.recovery.call(.crowdstrike) { _ in
                try await injector.perform(clock: harness.clock) { "Normal - Device is not contained" }
            }
        }
        await harness.clock.advanceToNextWake(within: .seconds(9))
        #expect(await task.value.value == "Normal - Device is not contained")
        #expect(injector.requestCount == 2)
    }
}
