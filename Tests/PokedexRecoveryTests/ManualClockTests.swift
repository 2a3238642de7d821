import PokedexTesting
import Testing

@Suite("Manual clock")
struct ManualClockTests {
    @Test func sleepersWakeWhenTimeReachesThem() async throws {
        let clock = ManualClock()
        let sleeper = Task { try await clock.sleep(for: .seconds(30)) }
        await clock.waitForSleepers(1)
        clock.advance(by: .seconds(29))
        #expect(clock.sleeperCount == 1)
        clock.advance(by: .seconds(1))
        try await sleeper.value
        #expect(clock.sleeperCount == 0)
    }

    /// A test expecting a sleeper that never comes fails on its expectations instead of hanging.
    @Test func waitingForSleepersThatNeverComeGivesUp() async {
        let clock = ManualClock()
        await clock.waitForSleepers(1, patience: .milliseconds(20))
        #expect(clock.sleeperCount == 0)
    }
}
