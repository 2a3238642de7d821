/// A hostname as Pokedex accepts it, checked before any request is sent (SPEC 4.1): letters,
/// digits, `.`, `-` and `_`; labels of at most 63 characters; at most 253 in all.
public struct FalconHostname: Sendable, Equatable, CustomStringConvertible {
    /// As typed (Falcon matches it exactly).
    public let value: String

    /// - Throws: ``FalconHostnameError`` saying what is wrong, for the model or the user.
    public init(_ text: String) throws(FalconHostnameError) {
        let trimmed = text.trimmingWhitespace()
        guard !trimmed.isEmpty else { throw FalconHostnameError(text: text, reason: "it is empty") }
        guard trimmed.utf8.count <= 253 else {
            throw FalconHostnameError(text: String(text.prefix(40)) + "…", reason: "it is longer than 253 characters")
        }
        guard
            trimmed.unicodeScalars.allSatisfy({
                $0.isASCII
                    && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ".-_".unicodeScalars.contains($0))
            })
        else {
            throw FalconHostnameError(text: text, reason: "only letters, digits, '.', '-' and '_' are allowed")
        }
        let labels = trimmed.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.allSatisfy({ !$0.isEmpty && $0.count <= 63 }) else {
            throw FalconHostnameError(text: text, reason: "each part between dots must have 1 to 63 characters")
        }
        value = trimmed
    }

    /// Upper case, as hostnames are shown.
    public var description: String { value.uppercased() }
}

/// Why a hostname was refused.
public struct FalconHostnameError: Error, Sendable, Equatable, CustomStringConvertible {
    public var text: String
    public var reason: String

    public var description: String { "'\(text)' is not a valid hostname: \(reason)." }
}

/// A device as Falcon's `GET /devices/entities/devices/v2` describes it (the fields Pokedex shows).
public struct FalconDevice: Sendable, Equatable, Decodable {
    public var deviceID: String?
    public var hostname: String?
    /// Containment state: `normal`, `containment_pending`, `contained`, `lift_containment_pending`.
    public var status: String?
    public var lastSeen: String?
    public var osVersion: String?
    public var productType: String?
    public var chassisType: String?
    public var tags: [String]?

    public init(
        deviceID: String? = nil, hostname: String? = nil, status: String? = nil, lastSeen: String? = nil,
        osVersion: String? = nil, productType: String? = nil, chassisType: String? = nil, tags: [String]? = nil
    ) {
        self.deviceID = deviceID
        self.hostname = hostname
        self.status = status
        self.lastSeen = lastSeen
        self.osVersion = osVersion
        self.productType = productType
        self.chassisType = chassisType
        self.tags = tags
    }

    enum CodingKeys: String, CodingKey {
        case deviceID = "device_id", hostname, status, lastSeen = "last_seen", osVersion = "os_version"
        case productType = "product_type_desc", chassisType = "chassis_type_desc", tags
    }
}

/// The exact replies of SPEC 4.1.
public enum FalconReply {
    public static func containment(_ host: FalconHostname, status: String) -> String {
        let description =
            switch status {
            case "normal": "Normal - Device is not contained"
            case "containment_pending": "Containment Pending - Containment action initiated"
            case "contained": "Contained - Device is isolated from network"
            case "lift_containment_pending": "Lift Containment Pending - Uncontainment action initiated"
            default: "Unknown status: \(status)"
            }
        return "Containment status for '\(host)': \(description)"
    }

    public static func online(_ host: FalconHostname, state: String) -> String {
        let description =
            switch state {
            case "online": "Online - Device is currently connected"
            case "offline": "Offline - Device is not currently connected"
            default: "Unknown - Connection status unclear"
            }
        return "Online status for '\(host)': \(description)"
    }

    /// The host's record: containment status, online state and details, one after the other.
    public static func record(_ host: FalconHostname, _ device: FalconDevice, online: String) -> String {
        [containment(host, status: device.status ?? "unknown"), self.online(host, state: online), details(host, device)]
            .joined(separator: "\n")
    }

    public static func notFound(_ host: FalconHostname) -> String {
        "Hostname '\(host)' was not found in CrowdStrike."
    }

    public static func details(_ host: FalconHostname, _ device: FalconDevice) -> String {
        func shown(_ value: String?) -> String {
            guard let value, !value.trimmingWhitespace().isEmpty else { return "Unknown" }
            return value
        }
        let tags = (device.tags ?? []).filter { !$0.isEmpty }
        return [
            "Device Details for '\(host)':",
            "• Device ID: \(shown(device.deviceID))",
            "• Status: \(shown(device.status))",
            "• Last Seen: \(shown(device.lastSeen))",
            "• OS Version: \(shown(device.osVersion))",
            "• Product Type: \(shown(device.productType))",
            "• Chassis Type: \(shown(device.chassisType))",
            "• Tags: \(tags.isEmpty ? "None" : tags.joined(separator: ", "))",
        ].joined(separator: "\n")
    }
}
