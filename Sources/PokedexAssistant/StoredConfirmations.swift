import Foundation
import PokedexSessions
import PokedexTools

/// Containment requests held in the session store, so that the confirmation may arrive at any
/// replica sharing the store — or at the next `pokedex ask` — within its window.
public struct StoredConfirmations: ConfirmationLedger {
    static let kind = "containment"
    let store: any SessionStore

    public init(store: any SessionStore) { self.store = store }

    public func hold(_ request: PendingContainment, user: String, room: String) async throws {
        try await store.hold(
            try JSONEncoder().encode(request), as: Self.kind, for: SessionKey(user: user, room: room),
            until: request.expires)
    }

    public func take(user: String, room: String, at now: Date) async throws -> PendingContainment? {
        guard let data = try await store.takeHeld(Self.kind, for: SessionKey(user: user, room: room), at: now) else {
            return nil
        }
        return try JSONDecoder().decode(PendingContainment.self, from: data)
    }
}
