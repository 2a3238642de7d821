import Foundation
import InMemoryLogging
import PokedexRecovery
import PokedexTesting
import Testing

@Suite("Circuit breakers")
struct CircuitBreakerTests {
    static let rejected = ServiceFailure(.http(status: 400), "bad request")

    /// A call that fails at once (a non-transient failure, so no retries and no waiting).
    private func failOnce(_ harness: RecoveryHarness, _ tool: ToolName) async -> CallOutcome<String> {
        await harness.recovery.call(tool) { _ -> String in throw Self.rejected }
    }

    private func succeed(
        _ harness: RecoveryHarness, _ tool: ToolName, recorder: Recorder? = nil
    ) async -> CallOutcome<String> {
        await harness.recovery.call(tool) { _ in
            recorder?.record(harness.elapsed)
            return "ok"
        }
    }

    @Test(arguments: [
        (ToolName.crowdstrike, 5), (ToolName.weather, 10), (ToolName.documentSearch, 8), (ToolName("ticketing"), 8),
    ])
    func opensWhenFailuresExceedTheToolsThreshold(tool: ToolName, threshold: Int) async {
        let harness = RecoveryHarness()
        for _ in 0..<threshold { _ = await failOnce(harness, tool) }
        #expect(harness.recovery.isAvailable(tool))
        _ = await failOnce(harness, tool)
        #expect(!harness.recovery.isAvailable(tool))

        let recorder = Recorder()
        let outcome = await succeed(harness, tool, recorder: recorder)
        #expect(recorder.count == 0, "an unavailable tool is not called")
        guard case .failure(.unavailable(let nextProbe)) = outcome else {
            Issue.record("expected the unavailable fallback")
            return
        }
        #expect(nextProbe == harness.clock.currentDate.addingTimeInterval(60))
    }

    @Test func aToolThatFailsHalfTheTimeStillTrips() async {
        let harness = RecoveryHarness()
        for _ in 0..<6 {
            _ = await succeed(harness, .crowdstrike)
            _ = await failOnce(harness, .crowdstrike)
        }
        #expect(!harness.recovery.isAvailable(.crowdstrike))
    }

    @Test func failuresOlderThanTheWindowAreForgotten() async {
        let harness = RecoveryHarness()
        for _ in 0..<5 { _ = await failOnce(harness, .crowdstrike) }
        harness.clock.advance(by: .seconds(3601))
        for _ in 0..<5 { _ = await failOnce(harness, .crowdstrike) }
        #expect(harness.recovery.isAvailable(.crowdstrike))
        #expect(harness.recovery.healthReport().errorCounts["crowdstrike"] == 5)
    }

    @Test func recoversByItselfAfterTheCoolDown() async {
        let harness = RecoveryHarness()
        for _ in 0..<6 { _ = await failOnce(harness, .crowdstrike) }
        harness.clock.advance(by: .seconds(59))
        #expect(await succeed(harness, .crowdstrike).value == nil)
        harness.clock.advance(by: .seconds(1))
        // No health request: the next real call is the probe.
        #expect(await succeed(harness, .crowdstrike).value == "ok")
        #expect(harness.recovery.isAvailable(.crowdstrike))
        #expect(harness.recovery.healthReport().errorCounts["crowdstrike"] == 0)
        // The count was cleared: it takes six new failures to trip again.
        for _ in 0..<5 { _ = await failOnce(harness, .crowdstrike) }
        #expect(harness.recovery.isAvailable(.crowdstrike))
    }

    @Test func exactlyOneProbeAmongFiftyConcurrentCallers() async {
        let harness = RecoveryHarness()
        for _ in 0..<6 { _ = await failOnce(harness, .crowdstrike) }
        harness.clock.advance(by: .seconds(60))

        let calls = Recorder()
        let gate = AsyncStream<Void>.makeStream()
        let outcomes = await withTaskGroup(of: CallOutcome<String>.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    await harness.recovery.call(.crowdstrike) { _ in
                        calls.record(0)
                        for await _ in gate.stream { break }
                        return "ok"
                    }
                }
            }
            var results: [CallOutcome<String>] = []
            for _ in 0..<49 { results.append(await group.next()!) }
            gate.continuation.yield()
            results.append(await group.next()!)
            return results
        }
        #expect(calls.count == 1)
        #expect(outcomes.compactMap(\.value) == ["ok"])
        #expect(outcomes.filter { $0.failureReason != nil }.count == 49)
        #expect(harness.recovery.isAvailable(.crowdstrike))
    }

    @Test func eachReopeningDoublesTheCoolDownUpToTheMaximum() async {
        let harness = RecoveryHarness()
        for _ in 0..<6 { _ = await failOnce(harness, .crowdstrike) }
        var coolDowns: [Int] = []
        for _ in 0..<6 {
            let nextProbe = harness.recovery.healthReport().tools["crowdstrike"]?.nextProbe
            let wait = Int(nextProbe!.timeIntervalSince(harness.clock.currentDate).rounded())
            coolDowns.append(wait)
            harness.clock.advance(by: .seconds(wait - 1))
            #expect(!harness.recovery.isAvailable(.crowdstrike))
            harness.clock.advance(by: .seconds(1))
            _ = await failOnce(harness, .crowdstrike)  // the probe fails
        }
        #expect(coolDowns == [60, 120, 240, 480, 600, 600])
    }

    @Test func operatorsCanForceAToolEitherWay() async {
        let harness = RecoveryHarness()
        harness.recovery.force(.weather, available: false)
        #expect(!harness.recovery.isAvailable(.weather))
        #expect(await succeed(harness, .weather).failureReason != nil)
        #expect(harness.recovery.healthReport().tools["weather"]?.forced == true)

        for _ in 0..<6 { _ = await failOnce(harness, .crowdstrike) }
        harness.recovery.force(.crowdstrike, available: true)
        #expect(await succeed(harness, .crowdstrike).value == "ok")
        harness.recovery.force(.crowdstrike, available: nil)
        #expect(!harness.recovery.isAvailable(.crowdstrike))
        harness.recovery.reset(.crowdstrike)
        #expect(harness.recovery.isAvailable(.crowdstrike))
    }

    @Test func anOutageLeavesATraceAnOperatorCanActOn() async {
        let harness = RecoveryHarness()
        for _ in 0..<6 { _ = await failOnce(harness, .crowdstrike) }
        let warnings = harness.log.entries.filter { $0.level == .warning }.map { "\($0.message)" }
        // One line per failed call, with the reason; one when the tool goes out of service.
        #expect(warnings.filter { $0 == "crowdstrike call failed: \(Self.rejected)" }.count == 6)
        #expect(warnings.last == "crowdstrike is out of service after 6 failures; it is tried again in 60s")
        harness.clock.advance(by: .seconds(60))
        #expect(await succeed(harness, .crowdstrike).value == "ok")
        let notices = harness.log.entries.filter { $0.level == .notice }.map { "\($0.message)" }
        #expect(notices == ["crowdstrike is back in service"])
    }

    @Test func aHighErrorRateIsLogged() async {
        let harness = RecoveryHarness { $0.thresholds[.weather] = 100 }
        for _ in 0..<10 { _ = await failOnce(harness, .weather) }
        #expect(!harness.log.entries.contains { "\($0.message)".hasPrefix("High error rate") })
        _ = await failOnce(harness, .weather)
        let warnings = harness.log.entries.filter { $0.level == .warning }.map { "\($0.message)" }
        #expect(warnings.last == "High error rate for weather: 11 errors in last hour")
    }
}
