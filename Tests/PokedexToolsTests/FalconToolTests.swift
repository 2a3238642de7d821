import Foundation
import PokedexSettings
import PokedexRecovery
import PokedexTesting
import Testing

@testable import PokedexTools

/// The Falcon tool and client against the loopback Falcon simulator.
@Suite("Falcon tool")
struct FalconToolTests {
    static let hosts = [
        FalconSimulator.Host(
            id: "a1b2c3d4e5f60718293a4b5c6d7e8f90", hostname: "WS-1234", status: "contained", online: "online",
            details: [
                "last_seen": "2026-11-25T08:59:12Z", "os_version": "Windows 11", "product_type_desc": "Workstation",
            ],
            tags: ["FalconGroupingTags/vip"]),
        FalconSimulator.Host(
            id: "ffff0000ffff0000ffff0000ffff0000", hostname: "WS-12345", status: "normal", online: "offline"),
    ]

    private func tool(
        _ simulator: FalconSimulator, clock: ManualClock = ManualClock(),
        now: @escaping @Sendable () -> Date = { Date() }
    )
        -> (FalconTool, FalconClient, Recovery)
    {
        var configuration = ToolSet.recoveryConfiguration()
        configuration.policies[.crowdstrike]?.jitter = 0
        // Far away, so the timer of an attempt in flight is never taken for a retry's wait.
        configuration.policies[.crowdstrike]?.timeout = .seconds(3600)
        let recovery = Recovery(configuration: configuration, clock: clock)
        let client = FalconClient(
            baseURL: simulator.baseURL, clientID: FalconSimulator.clientID, clientSecret: Secret(FalconSimulator.clientSecret),
            now: now)
        return (FalconTool(client: client, recovery: recovery), client, recovery)
    }

    private func ask(
        _ tool: FalconTool, _ hostname: String, _ lookup: String, question: String = "is it contained?"
    )
        async throws -> ToolResult
    {
        let arguments = try ToolArguments(
            ["hostname": .string(hostname), "lookup": .string(lookup)], for: tool.name, tool.parameters)
        return await tool.run(arguments, context: ToolContext(question: question, user: "alice"))
    }

    @Test func statusOnlineAndDetailsOfAnExactHost() async throws {
        let simulator = try await FalconSimulator.start(hosts: Self.hosts)
        defer { Task { try await simulator.stop() } }
        let (falcon, _, _) = tool(simulator)
        #expect(
            try await ask(falcon, "ws-1234", "status").text
                == "Containment status for 'WS-1234': Contained - Device is isolated from network")
        #expect(
            try await ask(falcon, "WS-12345", "online").text
                == "Online status for 'WS-12345': Offline - Device is not currently connected")
        #expect(
            try await ask(falcon, "WS-1234", "details").text == """
                Device Details for 'WS-1234':
                • Device ID: a1b2c3d4e5f60718293a4b5c6d7e8f90
                • Status: contained
                • Last Seen: 2026-11-25T08:59:12Z
                • OS Version: Windows 11
                • Product Type: Workstation
                • Chassis Type: Unknown
                • Tags: FalconGroupingTags/vip
                """)
        // One token served all three questions.
        #expect(simulator.tokensIssued == 1)
    }

    @Test func aPrefixOfAnotherHostIsNotFound() async throws {
        let simulator = try await FalconSimulator.start(hosts: Self.hosts)
        defer { Task { try await simulator.stop() } }
        let (falcon, _, _) = tool(simulator)
        #expect(try await ask(falcon, "WS-123", "status").text == "Hostname 'WS-123' was not found in CrowdStrike.")
    }

    @Test(arguments: ["x' OR hostname:'*", "WS 1234", String(repeating: "a", count: 300)])
    func hostileHostnamesAreRefusedWithNoRequestSent(_ hostname: String) async throws {
        let simulator = try await FalconSimulator.start(hosts: Self.hosts)
        defer { Task { try await simulator.stop() } }
        let (falcon, _, _) = tool(simulator)
        let result = try await ask(falcon, hostname, "status")
        #expect(result.text.contains("is not a valid hostname"))
        #expect(!result.fellBack)
        #expect(simulator.tokensIssued == 0)
        #expect(simulator.apiRequests.isEmpty)
    }

    @Test func anExpiringTokenIsRefreshedBeforeItRunsOut() async throws {
        let simulator = try await FalconSimulator.start(hosts: Self.hosts)
        defer { Task { try await simulator.stop() } }
        let clock = ManualClock()
        let (falcon, _, _) = tool(simulator, now: { clock.currentDate })
        _ = try await ask(falcon, "WS-1234", "status")
        clock.advance(by: .seconds(1500))
        _ = try await ask(falcon, "WS-1234", "status")
        #expect(simulator.tokensIssued == 1)
        clock.advance(by: .seconds(200))  // within two minutes of the 1799 s expiry
        _ = try await ask(falcon, "WS-1234", "status")
        #expect(simulator.tokensIssued == 2)
    }

    @Test func aRevokedTokenIsReplacedOnceOn401() async throws {
        let simulator = try await FalconSimulator.start(hosts: Self.hosts)
        defer { Task { try await simulator.stop() } }
        let (falcon, _, _) = tool(simulator)
        _ = try await ask(falcon, "WS-1234", "status")
        simulator.revokeTokens()
        #expect(try await ask(falcon, "WS-1234", "online").text.hasSuffix("Online - Device is currently connected"))
        #expect(simulator.tokensIssued == 2)
    }

    @Test func wrongCredentialsAreNotRetriedAndGiveTheFallback() async throws {
        let simulator = try await FalconSimulator.start(hosts: Self.hosts)
        defer { Task { try await simulator.stop() } }
        let recovery = Recovery(configuration: ToolSet.recoveryConfiguration(), clock: ManualClock())
        let client = FalconClient(baseURL: simulator.baseURL, clientID: "wrong", clientSecret: Secret("wrong"))
        let falcon = FalconTool(client: client, recovery: recovery)
        let result = try await ask(falcon, "WS-1234", "status", question: "is WS-1234 contained?")
        #expect(result == ToolResult(text: ToolBehaviourTests.deviceStatus, fellBack: true))
        #expect(
            recovery.healthReport().tools["crowdstrike"]?.lastError?.message
                == "HTTP 401: Falcon rejected the API client credentials")
        #expect(!"\(recovery.healthReport())".contains(FalconSimulator.clientSecret))
    }

    @Test func aFlakyFalconGivesTheRealAnswerAfterOneRetry() async throws {
        let faults = FaultInjector(FaultPlan().failFirst(1, with: .status(502)))
        let simulator = try await FalconSimulator.start(hosts: Self.hosts, faults: faults)
        defer { Task { try await simulator.stop() } }
        let clock = ManualClock()
        let (falcon, _, _) = tool(simulator, clock: clock)
        let answer = Task { try await ask(falcon, "WS-1234", "status") }
        #expect(await clock.advanceToNextWake(within: .seconds(5)) == .seconds(1))
        #expect(
            try await answer.value.text
                == "Containment status for 'WS-1234': Contained - Device is isolated from network")
    }

    @Test func aDeadFalconGivesTheFallbackAndPastTheThresholdIsNotCalled() async throws {
        let faults = FaultInjector(FaultPlan().failAlways(with: .status(503)))
        let simulator = try await FalconSimulator.start(hosts: Self.hosts, faults: faults)
        defer { Task { try await simulator.stop() } }
        let clock = ManualClock()
        let (falcon, _, recovery) = tool(simulator, clock: clock)
        for _ in 0..<6 {
            let answer = Task { try await ask(falcon, "WS-1234", "details", question: "details of WS-1234") }
            for _ in 0..<2 { await clock.advanceToNextWake(within: .seconds(5)) }
            #expect(try await answer.value == ToolResult(text: ToolBehaviourTests.deviceDetails, fellBack: true))
        }
        #expect(faults.requestCount == 18)
        #expect(!recovery.isAvailable(.crowdstrike))
        #expect(try await ask(falcon, "WS-1234", "status").fellBack)
        #expect(faults.requestCount == 18)
    }

    @Test func rateLimitsWaitUntilTheEpochFalconNames() async throws {
        // X-RateLimit-RetryAfter is an epoch second, not a delay: thirty seconds after the client's now.
        let now = Date(timeIntervalSince1970: 1_790_000_000)
        let retryAt = Int(now.timeIntervalSince1970) + 30
        let faults = FaultInjector(
            FaultPlan().failFirst(1, with: .rateLimited(header: "X-RateLimit-RetryAfter", value: "\(retryAt)")))
        let simulator = try await FalconSimulator.start(hosts: Self.hosts, faults: faults)
        defer { Task { try await simulator.stop() } }
        let clock = ManualClock()
        let (falcon, _, _) = tool(simulator, clock: clock, now: { now })
        let answer = Task { try await ask(falcon, "WS-1234", "status") }
        let waited = await clock.advanceToNextWake(within: .seconds(60))
        #expect(waited == .seconds(30))
        #expect(try await answer.value.text.hasSuffix("Contained - Device is isolated from network"))
    }

    @Test func theRegionHeaderMovesOnlyBetweenCrowdStrikeClouds() {
        #expect(
            FalconRegion.baseURL(for: "us-2", replacing: "https://api.crowdstrike.com")
                == "https://api.us-2.crowdstrike.com")
        #expect(FalconRegion.baseURL(for: "us-1", replacing: "https://api.crowdstrike.com") == nil)
        #expect(FalconRegion.baseURL(for: "eu-1", replacing: "http://127.0.0.1:8080") == nil)
        #expect(FalconRegion.baseURL(for: "mars-1", replacing: "https://api.crowdstrike.com") == nil)
    }
}
