import Foundation
import Synchronization

/// Every containment attempt, one JSON object per line, in a file that is only ever appended to
/// (opened `O_APPEND`, flushed with `fsync` before the action goes ahead). If a record cannot be
/// written the action is refused: no containment happens without its audit trail.
public final class ContainmentAuditLog: Sendable {
    /// One attempt and how it ended.
    public struct Record: Sendable, Equatable, Codable {
        /// ISO 8601, UTC.
        public var time: String
        public var user: String
        public var room: String
        public var action: ContainmentAction
        public var hostname: String
        public var deviceID: String?
        public var outcome: Outcome
        /// Why, in words (a refusal's reason, Falcon's error).
        public var detail: String?

        enum CodingKeys: String, CodingKey {
            case time, user, room, action, hostname, outcome, detail
            case deviceID = "device_id"
        }
    }

    public enum Outcome: String, Sendable, Codable {
        /// The user is not on the responders list.
        case refusedNotResponder = "refused_not_responder"
        /// No single exact host match (none, several, or it changed since the request).
        case refusedHostMismatch = "refused_host_mismatch"
        /// A confirmation with no matching pending request (never asked, expired, another user).
        case refusedUnconfirmed = "refused_unconfirmed"
        /// The host is already in the wanted state; nothing was sent.
        case noChange = "no_change"
        /// Asked for; waiting for the user's confirmation turn.
        case awaitingConfirmation = "awaiting_confirmation"
        /// Confirmed; the request is about to go to Falcon.
        case sending
        /// Falcon accepted the action (202).
        case accepted
        /// Falcon refused it, or it failed or timed out (outcome then uncertain); not retried.
        case failed
    }

    public let path: String
    private let descriptor: Mutex<Int32>

    /// Opens (creating it, and its folder, when missing) the log at `path`.
    /// - Throws: ``ContainmentAuditError`` when the file cannot be opened for appending.
    public init(path: String) throws(ContainmentAuditError) {
        self.path = path
        let folder = (path as NSString).deletingLastPathComponent
        if !folder.isEmpty {
            try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else {
            throw ContainmentAuditError(path: path, reason: String(cString: strerror(errno)))
        }
        descriptor = Mutex(fd)
    }

    deinit { descriptor.withLock { _ = close($0) } }

    /// Appends one record and waits until it is on disk.
    public func append(_ record: Record) throws(ContainmentAuditError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard var line = try? encoder.encode(record) else {
            throw ContainmentAuditError(path: path, reason: "the record could not be encoded")
        }
        line.append(UInt8(ascii: "\n"))
        let failure: String? = descriptor.withLock { fd in
            // One write call per line: with O_APPEND, lines from several processes never interleave.
            let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard written == line.count else { return String(cString: strerror(errno)) }
            return fsync(fd) == 0 ? nil : String(cString: strerror(errno))
        }
        if let failure { throw ContainmentAuditError(path: path, reason: failure) }
    }

    /// Every record in the log at `path`, oldest first (for tests and reviews).
    public static func records(at path: String) throws -> [Record] {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Record.self, from: Data($0.utf8)) }
    }
}

/// The audit log could not be opened or written.
public struct ContainmentAuditError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var reason: String

    public var description: String { "the containment audit log \(path) cannot be written: \(reason)" }
}
