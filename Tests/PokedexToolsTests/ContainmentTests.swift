import Foundation
import PokedexAudit
import PokedexRecovery
import PokedexSettings
import PokedexTesting
import Testing

@testable import PokedexTools

/// Containment actions against the Falcon simulator: who may ask, the confirmation turn, exactly one
/// host, one attempt only, and the audit trail.
@Suite("Containment actions")
struct ContainmentTests {
    static let hostID = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
    static let hosts = [
        FalconSimulator.Host(id: hostID, hostname: "WS-1234", status: "normal"),
        FalconSimulator.Host(id: "bbbb0000bbbb0000bbbb0000bbbb0000", hostname: "DUP-1", status: "normal"),
        FalconSimulator.Host(id: "cccc0000cccc0000cccc0000cccc0000", hostname: "DUP-1", status: "normal"),
        FalconSimulator.Host(id: "dddd0000dddd0000dddd0000dddd0000", hostname: "SRV-9", status: "contained"),
    ]

    /// A desk on the simulator, with its audit log in a temporary folder and a settable clock.
    struct Fixture {
        let simulator: FalconSimulator
        let desk: ContainmentDesk
        let tool: ContainmentTool
        let clock: ManualClock
        let auditPath: String
        let folder: TemporaryDirectory

        static let alice = ToolContext(question: "contain WS-1234", user: "Alice@Example.com", room: "soc", caller: verified)
        static let verified = Caller(principal: "alice", channel: "test", verified: true, clientAddress: "10.0.0.7", requestID: "r-1")

        init() async throws {
            simulator = try await FalconSimulator.start(hosts: ContainmentTests.hosts)
            clock = ManualClock()
            folder = try TemporaryDirectory()
            auditPath = folder.path("audit/containment.jsonl")
            var configuration = ToolSet.recoveryConfiguration()
            configuration.policies[.crowdstrike]?.jitter = 0
            configuration.policies[.crowdstrike]?.timeout = .seconds(3600)
            let recovery = Recovery(configuration: configuration, clock: clock)
            let client = FalconClient(
                baseURL: simulator.baseURL, clientID: FalconSimulator.clientID,
                clientSecret: Secret(FalconSimulator.clientSecret))
            let clock = self.clock
            desk = ContainmentDesk(
                client: client, recovery: recovery, auditLog: try AuditLog(path: auditPath, now: { clock.currentDate }),
                responders: ["alice@example.com", "bob@example.com"], now: { clock.currentDate })
            tool = ContainmentTool(desk: desk)
        }

        func ask(_ action: String, _ hostname: String, _ context: ToolContext = alice) async throws -> String {
            let arguments = try ToolArguments(
                ["hostname": .string(hostname), "action": .string(action)], for: tool.name, tool.parameters)
            return await tool.run(arguments, context: context).text
        }

        /// Stops the simulator and removes the audit log's folder.
        func finish() {
            Task { [simulator, folder] in
                try await simulator.stop()
                folder.remove()
            }
        }

        func audit() throws -> [AuditRecord] { try AuditLog.records(at: auditPath) }
    }

    @Test func aResponderContainsAHostAfterConfirming() async throws {
        let fixture = try await Fixture()
        defer { fixture.finish() }
        let request = try await fixture.ask("contain", "ws-1234")
        #expect(request.contains("reply exactly `confirm contain WS-1234` within 5 minutes"))
        #expect(request.contains(Self.hostID))
        #expect(fixture.simulator.actionsReceived.isEmpty)

        let reply = await fixture.desk.confirm("Confirm contain WS-1234.", context: Fixture.alice)
        #expect(
            reply
                == "✅ Falcon accepted the containment of 'WS-1234' (device \(Self.hostID)). "
                + "It shows Containment Pending until the host is isolated.")
        #expect(fixture.simulator.actionsReceived == ["contain \(Self.hostID)"])
        #expect(fixture.simulator.status(of: Self.hostID) == "containment_pending")

        let audit = try fixture.audit()
        #expect(audit.map(\.containmentOutcome) == [.awaitingConfirmation, .sending, .accepted])
        #expect(audit.allSatisfy { $0.user == "Alice@Example.com" && $0.room == "soc" && $0.action == "contain" })
        #expect(audit.allSatisfy { $0.hostname == "WS-1234" && $0.deviceID == Self.hostID })
        #expect(audit.allSatisfy { $0.time.hasPrefix("20") && $0.time.hasSuffix("Z") })
        // The record traces the caller: its principal, channel, address and request id.
        #expect(
            audit.allSatisfy {
                $0.principal == "alice" && $0.channel == "test" && $0.verified && $0.clientAddress == "10.0.0.7"
                    && $0.requestID == "r-1"
            })

        // A confirmation is used once.
        let again = await fixture.desk.confirm("confirm contain WS-1234", context: Fixture.alice)
        #expect(again?.hasPrefix("⚠️ There is no pending request to contain 'WS-1234'") == true)
        #expect(fixture.simulator.actionsReceived.count == 1)
    }

    @Test func liftingContainmentFollowsTheSameSteps() async throws {
        let fixture = try await Fixture()
        defer { fixture.finish() }
        let request = try await fixture.ask("lift", "SRV-9")
        #expect(request.contains("`confirm lift SRV-9`"))
        let reply = await fixture.desk.confirm("confirm lift srv-9", context: Fixture.alice)
        #expect(reply?.hasPrefix("✅ Falcon accepted lifting containment of 'SRV-9'") == true)
        #expect(fixture.simulator.actionsReceived == ["lift_containment dddd0000dddd0000dddd0000dddd0000"])
    }

    @Test func aNonResponderIsRefusedBeforeFalconIsAsked() async throws {
        let fixture = try await Fixture()
        defer { fixture.finish() }
        let mallory = ToolContext(
            question: "contain WS-1234", user: "mallory@example.com", room: "soc", caller: Fixture.verified)
        let reply = try await fixture.ask("contain", "WS-1234", mallory)
        #expect(reply.hasPrefix("⛔ Containment actions are restricted to responders"))
        let confirmed = await fixture.desk.confirm("confirm contain WS-1234", context: mallory)
        #expect(confirmed?.hasPrefix("⛔") == true)
        #expect(fixture.simulator.apiRequests.isEmpty)
        #expect(try fixture.audit().map(\.containmentOutcome) == [.refusedNotResponder, .refusedNotResponder])
        #expect(try fixture.audit().allSatisfy { $0.user == "mallory@example.com" })
    }

    @Test func anUnverifiedIdentityIsRefusedEvenWhenItNamesAResponder() async throws {
        let fixture = try await Fixture()
        defer { fixture.finish() }
        // A front end (or a request body) says it is Alice: that is a claim, not a credential.
        let claimed = ToolContext(
            question: "contain WS-1234", user: "alice@example.com", room: "soc",
            caller: Caller(principal: "webui", channel: "http", verified: false, clientAddress: "10.0.0.9"))
        let reply = try await fixture.ask("contain", "WS-1234", claimed)
        #expect(reply.hasPrefix("⛔ Containment actions need an identity proven by your credentials"))
        // Nor can it confirm a request the real Alice made.
        _ = try await fixture.ask("contain", "WS-1234")
        let confirmed = await fixture.desk.confirm("confirm contain WS-1234", context: claimed)
        #expect(confirmed?.hasPrefix("⛔") == true)
        #expect(fixture.simulator.actionsReceived.isEmpty)
        let refusals = try fixture.audit().filter { $0.containmentOutcome == .refusedUnverified }
        #expect(refusals.count == 2)
        #expect(refusals.allSatisfy { $0.principal == "webui" && !$0.verified && $0.clientAddress == "10.0.0.9" })
    }

    @Test func nothingHappensWithoutTheConfirmationTurn() async throws {
        let fixture = try await Fixture()
        defer { fixture.finish() }
        // Never asked.
        let unasked = await fixture.desk.confirm("confirm contain WS-1234", context: Fixture.alice)
        #expect(unasked?.contains("Nothing was done") == true)
        _ = try await fixture.ask("contain", "WS-1234")
        // Confirmed from another room, by another responder, for another action or host.
        let bob = ToolContext(question: "", user: "bob@example.com", room: "soc", caller: Fixture.verified)
        let elsewhere = ToolContext(question: "", user: "alice@example.com", room: "other", caller: Fixture.verified)
        #expect(await fixture.desk.confirm("confirm contain WS-1234", context: bob)?.contains("no pending") == true)
        #expect(
            await fixture.desk.confirm("confirm contain WS-1234", context: elsewhere)?.contains("no pending") == true)
        // Not a confirmation at all: the assistant handles it as an ordinary message.
        #expect(await fixture.desk.confirm("yes", context: Fixture.alice) == nil)
        #expect(await fixture.desk.confirm("please confirm contain WS-1234 now", context: Fixture.alice) == nil)
        // Too late.
        _ = try await fixture.ask("contain", "WS-1234")
        fixture.clock.advance(by: .seconds(301))
        #expect(
            await fixture.desk.confirm("confirm contain WS-1234", context: Fixture.alice)?.contains("no pending")
                == true)
        #expect(fixture.simulator.actionsReceived.isEmpty)
        #expect(
            try fixture.audit().map(\.containmentOutcome) == [
                .refusedUnconfirmed, .awaitingConfirmation, .refusedUnconfirmed, .refusedUnconfirmed,
                .awaitingConfirmation, .refusedUnconfirmed,
            ])
    }

    @Test func exactlyOneHostMustMatch() async throws {
        let fixture = try await Fixture()
        defer { fixture.finish() }
        #expect(try await fixture.ask("contain", "DUP-1").hasPrefix("⚠️ More than one host in CrowdStrike is named"))
        #expect(try await fixture.ask("contain", "WS-123") == "Hostname 'WS-123' was not found in CrowdStrike.")
        #expect(try await fixture.ask("contain", "x' OR hostname:'*").contains("is not a valid hostname"))
        #expect(try await fixture.ask("contain", "SRV-9").hasPrefix("Nothing to do. Containment status for 'SRV-9'"))
        #expect(fixture.simulator.actionsReceived.isEmpty)
        #expect(try fixture.audit().map(\.containmentOutcome) == [.refusedHostMismatch, .refusedHostMismatch, .noChange])
    }

    @Test(arguments: [(500, "HTTP 500: Falcon: internal error"), (403, "lacks the Hosts: Write scope")])
    func aFailedActionIsNotRetriedAndIsAudited(_ status: Int, _ reason: String) async throws {
        let fixture = try await Fixture()
        defer { fixture.finish() }
        _ = try await fixture.ask("contain", "WS-1234")
        fixture.simulator.failActions(status: status)
        let reply = await fixture.desk.confirm("confirm contain WS-1234", context: Fixture.alice)
        #expect(reply?.hasPrefix("⚠️ The request for containment of 'WS-1234' did not go through") == true)
        #expect(reply?.contains(reason) == true)
        #expect(reply?.contains("It was not retried") == true)
        // A 5xx is transient, and still the action went out exactly once.
        #expect(fixture.simulator.actionsReceived.count == 1)
        let last = try #require(try fixture.audit().last)
        #expect(last.containmentOutcome == .failed)
        #expect(last.detail?.contains(reason) == true)
        #expect(fixture.simulator.status(of: Self.hostID) == "normal")
    }

    @Test func anAuditLogThatCannotBeOpenedIsAnError() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        #expect(throws: AuditLogError.self) { try AuditLog(path: folder.url.path) }
    }

    @Test func theAuditLogIsOnlyAppendedTo() async throws {
        let fixture = try await Fixture()
        defer { fixture.finish() }
        _ = try await fixture.ask("contain", "WS-1234")
        let before = try String(contentsOfFile: fixture.auditPath, encoding: .utf8)
        // A second desk (another process, a restart) on the same file adds after what is there.
        let second = try AuditLog(path: fixture.auditPath)
        var record = try #require(try fixture.audit().first)
        record.outcome = ContainmentOutcome.noChange.rawValue
        try second.append(record)
        let after = try String(contentsOfFile: fixture.auditPath, encoding: .utf8)
        #expect(after.hasPrefix(before))
        #expect(try fixture.audit().count == 2)
    }

    @Test func theContainmentToolRidesOnTheFalconBreaker() async throws {
        let fixture = try await Fixture()
        defer { fixture.finish() }
        #expect(fixture.tool.name.rawValue == "crowdstrike_containment")
        #expect(fixture.tool.service == .crowdstrike)
    }
}

extension AuditRecord {
    var containmentOutcome: ContainmentOutcome? { ContainmentOutcome(rawValue: outcome) }
}
