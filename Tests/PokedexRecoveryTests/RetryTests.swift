import Foundation
import PokedexRecovery
import Testing

@Suite("Retries")
struct RetryTests {
    static let unavailable = ServiceFailure(.http(status: 503), "service unavailable")

    @Test(arguments: [
        (ToolName.crowdstrike, [1.0, 2.0]),
        (ToolName.weather, [0.5, 0.75, 1.125]),
        (ToolName.documentSearch, [0.5]),
        (ToolName("ticketing"), [1.0, 2.0]),
    ])
    func delaysFollowTheTable(tool: ToolName, delays: [Double]) async {
        let harness = RecoveryHarness()
        let (outcome, attempts, waits) = await harness.failingCall(tool, failure: Self.unavailable, waits: delays.count)
        #expect(waits == delays)
        #expect(attempts.count == delays.count + 1)
        #expect(zip(attempts.dropFirst(), attempts).map { $0 - $1 } == delays)
        guard case .failure(.failed(let failure, let count)) = outcome else {
            Issue.record("expected a failed fallback, got \(outcome)")
            return
        }
        #expect(failure == Self.unavailable)
        #expect(count == delays.count + 1)
    }

    @Test func policyDelaysAreCappedAndJittered() {
        let policy = RetryPolicy(
            maxRetries: 10, initialDelay: .seconds(1), backoff: 2, maxDelay: .seconds(30), jitter: 0.2)
        #expect(policy.delay(beforeRetry: 0, unit: 0.5) == .seconds(1))
        #expect(policy.delay(beforeRetry: 0, unit: 0) == .milliseconds(800))
        #expect(policy.delay(beforeRetry: 0, unit: 1) == .milliseconds(1200))
        #expect(policy.delay(beforeRetry: 9, unit: 0.5) == .seconds(30))
    }

    @Test func jitterSpreadsRetriesReproducibly() async {
        let first = await RecoveryHarness(jitter: 0.2, seed: 7).failingCall(
            .weather, failure: Self.unavailable, waits: 3
        ).waits
        let again = await RecoveryHarness(jitter: 0.2, seed: 7).failingCall(
            .weather, failure: Self.unavailable, waits: 3
        ).waits
        #expect(first == again)
        for (wait, base) in zip(first, [0.5, 0.75, 1.125]) {
            #expect(wait >= base * 0.8 && wait <= base * 1.2)
        }
        #expect(first != [0.5, 0.75, 1.125])
    }

    @Test(arguments: [400, 401, 403, 404, 422])
    func clientErrorsAreNotRetried(status: Int) async {
        let harness = RecoveryHarness()
        let failure = ServiceFailure(.http(status: status), "nope")
        let (outcome, attempts, _) = await harness.failingCall(.crowdstrike, failure: failure, waits: 0)
        #expect(attempts.count == 1)
        #expect(outcome.failureReason != nil)
    }

    @Test(arguments: [
        ServiceFailure(.http(status: 408), "x"), ServiceFailure(.http(status: 425), "x"),
        ServiceFailure(.http(status: 429), "x"), ServiceFailure(.http(status: 500), "x"),
        ServiceFailure(.http(status: 599), "x"), ServiceFailure(.timeout, "x"), ServiceFailure(.connection, "x"),
    ])
    func transientFailuresAreRetried(failure: ServiceFailure) async {
        let (_, attempts, _) = await RecoveryHarness().failingCall(.crowdstrike, failure: failure, waits: 2)
        #expect(attempts.count == 3)
    }

    @Test func unknownErrorsAreNotRetriedAndTheirTextIsNotKept() async {
        struct Bug: Error, CustomStringConvertible { var description: String { "token=abc123" } }
        let harness = RecoveryHarness()
        let recorder = Recorder()
        let outcome = await harness.recovery.call(.weather) { _ -> Int in
            recorder.record(0)
            throw Bug()
        }
        #expect(recorder.count == 1)
        #expect(outcome.failureReason != nil)
        #expect(harness.recovery.healthReport().tools["weather"]?.lastError?.message == "unexpected error (Bug)")
    }

    @Test func nonIdempotentActionsAreNeverRetried() async {
        let (outcome, attempts, _) = await RecoveryHarness().failingCall(
            .crowdstrike, failure: Self.unavailable, waits: 0, idempotent: false)
        #expect(attempts.count == 1)
        #expect(outcome.failureReason != nil)
    }

    @Test func successAfterATransientFailureReturnsTheValue() async {
        let harness = RecoveryHarness()
        let recorder = Recorder()
        let task = Task {
            await harness.recovery.call(.crowdstrike) { attempt -> String in
                recorder.record(Double(attempt.number))
                if attempt.number == 1 { throw Self.unavailable }
                return "Contained"
            }
        }
        #expect(await harness.clock.advanceToNextWake(within: .seconds(9)) == .seconds(1))
        guard case .success(let value, let attempts) = await task.value else {
            Issue.record("expected success")
            return
        }
        #expect(value == "Contained")
        #expect(attempts == 2)
    }

    @Test func retryAfterIsHonoured() async {
        let harness = RecoveryHarness()
        let throttled = ServiceFailure(.http(status: 429), "slow down", retryAfter: .seconds(3))
        let (_, attempts, waits) = await harness.failingCall(.weather, failure: throttled, waits: 3)
        #expect(waits == [3, 3, 3])
        #expect(attempts == [0, 3, 6, 9])
    }

    @Test func retryAfterBeyondTheDeadlineFailsFast() async {
        let harness = RecoveryHarness()
        let recorder = Recorder()
        let outcome = await harness.recovery.withDeadline(.seconds(30)) {
            await harness.recovery.call(.weather) { _ -> String in
                recorder.record(harness.elapsed)
                throw ServiceFailure(.http(status: 429), "slow down", retryAfter: .seconds(120))
            }
        }
        #expect(recorder.count == 1)
        #expect(harness.elapsed == 0)
        #expect(outcome.failureReason != nil)
    }

    @Test func retryAfterHeadersAreRead() {
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        #expect(RetryAfter.parse("120", now: now) == .seconds(120))
        #expect(RetryAfter.parse(" 0 ", now: now) == .zero)
        #expect(RetryAfter.parse("Mon, 21 Sep 2026 14:13:50 GMT", now: now) == .seconds(30))
        #expect(RetryAfter.parse("Monday, 21-Sep-26 14:13:50 GMT", now: now) == .seconds(30))
        #expect(RetryAfter.parse("Mon Sep 21 14:13:50 2026", now: now) == .seconds(30))
        #expect(RetryAfter.parse("Sun, 20 Sep 2026 14:13:50 GMT", now: now) == .zero)
        #expect(RetryAfter.parse("soon", now: now) == nil)
        #expect(RetryAfter.parse("-5", now: now) == nil)
        #expect(RetryAfter.fromEpochSeconds("1790000045", now: now) == .seconds(45))
        #expect(RetryAfter.fromEpochSeconds("1789999000", now: now) == .zero)
        #expect(RetryAfter.fromEpochSeconds("tomorrow", now: now) == nil)
    }
}
