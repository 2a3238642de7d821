import Foundation
import PokedexTools
import Testing

@Suite("Falcon hostnames and replies")
struct FalconReplyTests {
    @Test(arguments: ["WS-1234", "ws-1234.corp.example.com", "SRV_DB01", "a", String(repeating: "a", count: 63)])
    func validHostnamesAreAccepted(_ name: String) throws {
        #expect(try FalconHostname(name).description == name.uppercased())
    }

    @Test(arguments: [
        ("x' OR hostname:'*", "only letters, digits, '.', '-' and '_' are allowed"),
        ("WS 1234", "only letters, digits, '.', '-' and '_' are allowed"),
        ("hôte", "only letters, digits, '.', '-' and '_' are allowed"),
        ("", "it is empty"),
        ("a..b", "each part between dots must have 1 to 63 characters"),
        (String(repeating: "a", count: 64), "each part between dots must have 1 to 63 characters"),
        (String(repeating: "a", count: 300), "it is longer than 253 characters"),
    ])
    func hostileOrBrokenHostnamesAreRefused(_ name: String, reason: String) {
        #expect(throws: FalconHostnameError.self) { try FalconHostname(name) }
        do {
            _ = try FalconHostname(name)
        } catch {
            #expect(error.reason == reason)
        }
    }

    @Test(arguments: [
        ("normal", "Normal - Device is not contained"),
        ("containment_pending", "Containment Pending - Containment action initiated"),
        ("contained", "Contained - Device is isolated from network"),
        ("lift_containment_pending", "Lift Containment Pending - Uncontainment action initiated"),
        ("quarantined", "Unknown status: quarantined"),
    ])
    func containmentStatuses(status: String, description: String) throws {
        #expect(
            FalconReply.containment(try FalconHostname("ws-1234"), status: status)
                == "Containment status for 'WS-1234': \(description)")
    }

    @Test(arguments: [
        ("online", "Online - Device is currently connected"),
        ("offline", "Offline - Device is not currently connected"),
        ("unknown", "Unknown - Connection status unclear"), ("", "Unknown - Connection status unclear"),
    ])
    func onlineStates(state: String, description: String) throws {
        #expect(
            FalconReply.online(try FalconHostname("ws-1234"), state: state)
                == "Online status for 'WS-1234': \(description)")
    }

    @Test func notFound() throws {
        #expect(FalconReply.notFound(try FalconHostname("ws-9")) == "Hostname 'WS-9' was not found in CrowdStrike.")
    }

    @Test func detailsShowUnknownForMissingFieldsAndListTags() throws {
        let json =
            #"{"device_id":"a1b2c3d4e5f60718293a4b5c6d7e8f90","hostname":"WS-1234","status":"contained","last_seen":"2026-11-25T08:59:12Z","product_type_desc":"Workstation","tags":["SensorGroupingTags/finance","FalconGroupingTags/vip"]}"#
        let device = try JSONDecoder().decode(FalconDevice.self, from: Data(json.utf8))
        #expect(
            FalconReply.details(try FalconHostname("ws-1234"), device) == """
                Device Details for 'WS-1234':
                • Device ID: a1b2c3d4e5f60718293a4b5c6d7e8f90
                • Status: contained
                • Last Seen: 2026-11-25T08:59:12Z
                • OS Version: Unknown
                • Product Type: Workstation
                • Chassis Type: Unknown
                • Tags: SensorGroupingTags/finance, FalconGroupingTags/vip
                """)
        #expect(FalconReply.details(try FalconHostname("x"), FalconDevice()).hasSuffix("• Tags: None"))
    }

    /// Falcon's own words never read as a claim against themselves, line by line, whatever the
    /// state (`• Status: lift_containment_pending` once read as a host that Falcon did not know).
    @Test(arguments: ["normal", "containment_pending", "contained", "lift_containment_pending"])
    func aRecordNeverContradictsItself(status: String) throws {
        let name = try FalconHostname("SGP-HR-LT0458")
        let record = [
            FalconReply.containment(name, status: status), FalconReply.online(name, state: "offline"),
            FalconReply.details(name, FalconDevice(status: status, osVersion: "Windows 10 22H2")),
        ]
        let subjects = [Entity(.host, "SGP-HR-LT0458")]
        for line in record.joined(separator: "\n").split(separator: "\n").map(String.init) {
            #expect(!FalconClaims().contradicts(line, subjects: subjects, results: record), "\(line)")
        }
    }
}
