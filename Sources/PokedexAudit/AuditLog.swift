import Foundation
import Synchronization

/// One line of the audit log: who did (or was refused) what, from where, and how it ended.
public struct AuditRecord: Sendable, Equatable, Codable {
    /// ISO 8601, UTC; set by ``AuditLog/append(_:)``.
    public var time: String
    /// `contain`, `lift`, `sessions.import`, `sessions.delete`, `sessions.cleanup`, …
    public var action: String
    /// How it ended: `accepted`, `refused_not_responder`, `forbidden`, `done`, `failed`, …
    public var outcome: String
    /// The credential's principal (``Caller/principal``).
    public var principal: String
    public var channel: String
    /// Whether `user` came from a credential rather than from what the request said.
    public var verified: Bool
    public var clientAddress: String?
    public var requestID: String?
    /// The user and room acted as, or acted on.
    public var user: String?
    public var room: String?
    public var hostname: String?
    public var deviceID: String?
    /// Why, in words (a refusal's reason, the service's error, what was removed).
    public var detail: String?

    public init(
        action: String, outcome: String, caller: Caller, user: String? = nil, room: String? = nil,
        hostname: String? = nil, deviceID: String? = nil, detail: String? = nil
    ) {
        time = ""
        self.action = action
        self.outcome = outcome
        principal = caller.principal
        channel = caller.channel
        verified = caller.verified
        clientAddress = caller.clientAddress
        requestID = caller.requestID
        self.user = user
        self.room = room
        self.hostname = hostname
        self.deviceID = deviceID
        self.detail = detail
    }

    enum CodingKeys: String, CodingKey {
        case time, action, outcome, principal, channel, verified, user, room, hostname, detail
        case clientAddress = "client_address"
        case requestID = "request_id"
        case deviceID = "device_id"
    }
}

/// The audit trail of containment steps and admin actions, one JSON object per line, in a file
/// that is only ever appended to (opened `O_APPEND`, each line `fsync`ed before the action goes
/// ahead). A caller that cannot write its record does not act: nothing happens without its trail.
public final class AuditLog: Sendable {
    public let path: String
    private let descriptor: Mutex<Int32>
    private let now: @Sendable () -> Date

    /// Opens (creating it, and its folder, when missing) the log at `path`.
    /// - Parameter now: the time records are stamped with.
    /// - Throws: ``AuditLogError`` when the file cannot be opened for appending.
    public init(path: String, now: @escaping @Sendable () -> Date = { Date() }) throws(AuditLogError) {
        self.path = path
        self.now = now
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw AuditLogError(path: path, reason: String(cString: strerror(errno)))
        }
        descriptor = Mutex(fd)
    }

    deinit { descriptor.withLock { _ = close($0) } }

    /// Stamps the record with the time, appends it and waits until it is on disk.
    public func append(_ record: AuditRecord) throws(AuditLogError) {
        var record = record
        record.time = now().formatted(
            .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(record) else {
            throw AuditLogError(path: path, reason: "the record could not be encoded")
        }
        line.append(UInt8(ascii: "\n"))
        let failure: String? = descriptor.withLock { fd in
            // One write call per line: with O_APPEND, lines from several processes never interleave.
            let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written == line.count else { return String(cString: strerror(errno)) }
            return fsync(fd) == 0 ? nil : String(cString: strerror(errno))
        }
        if let failure { throw AuditLogError(path: path, reason: failure) }
    }

    /// Every record in the log at `path`, oldest first (for tests and reviews).
    public static func records(at path: String) throws -> [AuditRecord] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(AuditRecord.self, from: Data($0.utf8)) }
    }
}

/// The audit log could not be opened or written.
public struct AuditLogError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public var description: String { "the audit log \(path) cannot be written: \(reason)" }
}
