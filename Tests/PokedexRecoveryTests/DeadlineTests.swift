import Foundation
import PokedexRecovery
import PokedexTesting
import Testing

@Suite("Deadlines, timeouts and cancellation")
struct DeadlineTests {
    @Test func theDeadlineBoundsAChainOfRetries() async {
        let harness = RecoveryHarness()
        let recorder = Recorder()
        let task = Task {
            await harness.recovery.withDeadline(.milliseconds(2500)) {
                await harness.recovery.call(.crowdstrike) { _ -> String in
                    recorder.record(harness.elapsed)
                    throw ServiceFailure(.http(status: 503), "down")
                }
            }
        }
        // 1 s until the second attempt; the 2 s wait before a third would end past the deadline.
        #expect(await harness.clock.advanceToNextWake(within: .seconds(2)) == .seconds(1))
        let outcome = await task.value
        #expect(recorder.attemptTimes == [0, 1])
        #expect(harness.elapsed == 1)
        #expect(outcome.failureReason != nil)
    }

    @Test func aHangingToolIsCutOffByItsAttemptTimeout() async {
        let harness = RecoveryHarness(attemptTimeout: .seconds(10)) { $0.policies[.documentSearch]?.maxRetries = 0 }
        let task = Task {
            await harness.recovery.call(.documentSearch) { _ -> String in
                try await harness.clock.sleep(for: .seconds(3600))
                return "never"
            }
        }
        #expect(await harness.clock.advanceToNextWake(within: .seconds(10)) == .seconds(10))
        guard case .failure(.failed(let failure, 1)) = await task.value else {
            Issue.record("expected a timeout")
            return
        }
        #expect(failure.kind == .timeout)
    }

    @Test func aModelAttemptThatTimedOutIsNotRetriedButAToolsIs() async {
        // A one-request-at-a-time model server may still be generating for the abandoned request.
        let harness = RecoveryHarness(attemptTimeout: .seconds(10))
        let attempts = Recorder()
        let model = Task {
            await harness.recovery.call(.llm) { _ -> String in
                attempts.record(harness.elapsed)
                try await harness.clock.sleep(for: .seconds(3600))
                return "never"
            }
        }
        #expect(await harness.clock.advanceToNextWake(within: .seconds(10)) == .seconds(10))
        guard case .failure(.failed(let failure, 1)) = await model.value else {
            Issue.record("expected one timed-out attempt")
            return
        }
        #expect(failure.kind == .timeout)
        #expect(attempts.attemptTimes == [0])
        // The same failure of a tool is transient and tried again (its policy keeps the default).
        #expect(harness.recovery.configuration.policy(for: .weather).retryAfterTimeout)
        #expect(!harness.recovery.configuration.policy(for: .llm).retryAfterTimeout)
    }

    @Test func aHangingToolCannotOutlastTheTurn() async {
        let harness = RecoveryHarness()
        let task = Task {
            await harness.recovery.withDeadline(.seconds(4)) {
                await harness.recovery.call(.weather) { attempt -> String in
                    #expect(attempt.timeLimit == .seconds(4))
                    try await harness.clock.sleep(for: .seconds(3600))
                    return "never"
                }
            }
        }
        #expect(await harness.clock.advanceToNextWake(within: .seconds(5)) == .seconds(4))
        guard case .failure(.deadlineExceeded) = await task.value else {
            Issue.record("expected the deadline to end the call")
            return
        }
        #expect(harness.elapsed == 4)
        // The tool did not fail; the turn ran out. Its breaker does not count it.
        #expect(harness.recovery.healthReport().errorCounts["weather"] == 0)
    }

    @Test func nestedDeadlinesNeverExtendTheOuterOne() async {
        let harness = RecoveryHarness()
        await harness.recovery.withDeadline(.seconds(10)) {
            await harness.recovery.withDeadline(.seconds(60)) {
                #expect(harness.recovery.remainingTime() == .seconds(10))
            }
            await harness.recovery.withDeadline(.seconds(3)) {
                #expect(harness.recovery.remainingTime() == .seconds(3))
            }
        }
        #expect(harness.recovery.remainingTime() == nil)
    }

    @Test func cancellingTheTurnStopsRetriesAtOnce() async {
        let harness = RecoveryHarness()
        let recorder = Recorder()
        let task = Task {
            await harness.recovery.call(.weather) { _ -> String in
                recorder.record(harness.elapsed)
                throw ServiceFailure(.connection, "refused")
            }
        }
        // The call is now waiting 0.5 s before its first retry.
        await harness.clock.waitForSleepers(1, within: .seconds(1))
        task.cancel()
        guard case .failure(.cancelled) = await task.value else {
            Issue.record("expected a cancelled call")
            return
        }
        #expect(recorder.count == 1)
        #expect(harness.elapsed == 0)
    }

    @Test func cancellingDuringAnAttemptEndsIt() async {
        let harness = RecoveryHarness()
        let started = AsyncStream<Void>.makeStream()
        let task = Task {
            await harness.recovery.call(.crowdstrike) { _ -> String in
                started.continuation.yield()
                try await harness.clock.sleep(for: .seconds(3600))
                return "never"
            }
        }
        var iterator = started.stream.makeAsyncIterator()
        await iterator.next()
        task.cancel()
        guard case .failure(.cancelled) = await task.value else {
            Issue.record("expected a cancelled call")
            return
        }
        #expect(harness.recovery.healthReport().errorCounts["crowdstrike"] == 0)
    }
}
