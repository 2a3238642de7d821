import Foundation
import Synchronization

/// A containment request waiting for the user's confirmation.
public struct PendingContainment: Codable, Sendable, Equatable {
    public var action: ContainmentAction
    public var hostname: String
    public var deviceID: String
    public var expires: Date

    public init(action: ContainmentAction, hostname: String, deviceID: String, expires: Date) {
        self.action = action
        self.hostname = hostname
        self.deviceID = deviceID
        self.expires = expires
    }
}

/// Where containment requests wait for their confirmation, one per user and room. One process can
/// keep them in memory; replicas sharing a session store must share them too (the assistant keeps
/// them in the store), or a confirmation that lands on another replica finds nothing to confirm.
public protocol ConfirmationLedger: Sendable {
    /// Holds `request` (replacing an earlier one of the same user and room) until it expires.
    func hold(_ request: PendingContainment, user: String, room: String) async throws

    /// Removes and returns the request of this user and room unless it expired before `now`;
    /// a request is returned at most once.
    func take(user: String, room: String, at now: Date) async throws -> PendingContainment?
}

/// Requests held in this process's memory: for a single instance, and for tests.
public final class InMemoryConfirmationLedger: ConfirmationLedger {
    private struct Requester: Hashable {
        var user: String
        var room: String
    }

    private let pending = Mutex<[Requester: PendingContainment]>([:])

    public init() {}

    public func hold(_ request: PendingContainment, user: String, room: String) {
        pending.withLock { $0[Requester(user: user, room: room)] = request }
    }

    public func take(user: String, room: String, at now: Date) -> PendingContainment? {
        pending.withLock { table in
            table = table.filter { $0.value.expires > now }
            return table.removeValue(forKey: Requester(user: user, room: room))
        }
    }
}
