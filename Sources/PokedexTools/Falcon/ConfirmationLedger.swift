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

/// Where requested actions wait for their confirmation, one of each kind per user and room. One
/// process can keep them in memory; replicas sharing a session store must share them too (the
/// assistant keeps them in the store), or a confirmation that lands on another replica finds
/// nothing to confirm.
public protocol ConfirmationLedger: Sendable {
    /// Holds `request` (replacing an earlier one of the same kind, user and room) until `expires`.
    func hold(_ request: Data, kind: String, user: String, room: String, until expires: Date) async throws

    /// Removes and returns the request of this kind, user and room unless it expired before
    /// `now`; a request is returned at most once.
    func take(_ kind: String, user: String, room: String, at now: Date) async throws -> Data?
}

extension ConfirmationLedger {
    /// Holds a containment request.
    public func hold(_ request: PendingContainment, user: String, room: String) async throws {
        try await hold(
            try JSONEncoder().encode(request), kind: "containment", user: user, room: room, until: request.expires)
    }

    /// Takes this user's containment request in this room.
    public func take(user: String, room: String, at now: Date) async throws -> PendingContainment? {
        guard let data = try await take("containment", user: user, room: room, at: now) else { return nil }
        return try JSONDecoder().decode(PendingContainment.self, from: data)
    }
}

/// Requests held in this process's memory: for a single instance, and for tests.
public final class InMemoryConfirmationLedger: ConfirmationLedger {
    private struct Requester: Hashable {
        var kind: String
        var user: String
        var room: String
    }

    private let pending = Mutex<[Requester: (request: Data, expires: Date)]>([:])

    public init() {}

    public func hold(_ request: Data, kind: String, user: String, room: String, until expires: Date) {
        pending.withLock { $0[Requester(kind: kind, user: user, room: room)] = (request, expires) }
    }

    public func take(_ kind: String, user: String, room: String, at now: Date) -> Data? {
        pending.withLock { table in
            table = table.filter { $0.value.expires > now }
            return table.removeValue(forKey: Requester(kind: kind, user: user, room: room))?.request
        }
    }
}
