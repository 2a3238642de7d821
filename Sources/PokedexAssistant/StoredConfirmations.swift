import Foundation
import PokedexSessions
import PokedexTools

/// Requested actions held in the session store, so that the confirmation may arrive at any
/// replica sharing the store — or at the next `pokedex ask` — within its window.
public struct StoredConfirmations: ConfirmationLedger {
    let store: any SessionStore

    public init(store: any SessionStore) { self.store = store }

    public func hold(_ request: Data, kind: String, user: String, room: String, until expires: Date) async throws {
        try await store.hold(request, as: kind, for: SessionKey(user: user, room: room), until: expires)
    }

    public func take(_ kind: String, user: String, room: String, at now: Date) async throws -> Data? {
        try await store.takeHeld(kind, for: SessionKey(user: user, room: room), at: now)
    }
}
