import Foundation
import PokedexSessions
import PostgresNIO

extension PostgresSessionStore {
    public func hold(_ value: Data, as kind: String, for key: SessionKey, until expires: Date) async throws {
        try key.validate()
        let expiresAt = Timestamp.milliseconds(expires)
        try await guarded("cannot hold the request") {
            try await client.query(
                """
                INSERT INTO held (user_name, room, kind, value, expires_at)
                VALUES (\(key.user), \(key.room), \(kind), \(ByteBuffer(bytes: value)), \(expiresAt))
                ON CONFLICT (user_name, room, kind) DO UPDATE SET value = EXCLUDED.value, expires_at = EXCLUDED.expires_at
                """, logger: logger)
        }
    }

    public func takeHeld(_ kind: String, for key: SessionKey, at now: Date) async throws -> Data? {
        try key.validate()
        let moment = Timestamp.milliseconds(now)
        return try await guarded("cannot read the held request") {
            let rows = try await client.query(
                """
                DELETE FROM held WHERE user_name = \(key.user) AND room = \(key.room) AND kind = \(kind)
                RETURNING value, expires_at
                """, logger: logger)
            var taken: Data?
            for try await (value, expiresAt) in rows.decode((ByteBuffer, Int64).self) where expiresAt > moment {
                taken = Data(value.readableBytesView)
            }
            return taken
        }
    }

    public func claimDelivery(_ id: String, until expires: Date, at now: Date) async throws -> Bool {
        let (moment, expiresAt) = (Timestamp.milliseconds(now), Timestamp.milliseconds(expires))
        return try await guarded("cannot record the delivery") {
            // One statement: an expired claim is taken over, a live one is left alone.
            let rows = try await client.query(
                """
                INSERT INTO delivery (id, expires_at) VALUES (\(id), \(expiresAt))
                ON CONFLICT (id) DO UPDATE SET expires_at = EXCLUDED.expires_at WHERE delivery.expires_at <= \(moment)
                RETURNING id
                """, logger: logger)
            var claimed = false
            for try await _ in rows.decode(String.self) { claimed = true }
            return claimed
        }
    }

    public func holdLease(_ name: String, holder: String, until expires: Date, at now: Date) async throws -> Bool {
        let (moment, expiresAt) = (Timestamp.milliseconds(now), Timestamp.milliseconds(expires))
        return try await guarded("cannot take the lease") {
            // One statement: free, expired or already ours is taken; another's live lease is not.
            let rows = try await client.query(
                """
                INSERT INTO lease (name, holder, expires_at) VALUES (\(name), \(holder), \(expiresAt))
                ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, expires_at = EXCLUDED.expires_at
                WHERE lease.holder = EXCLUDED.holder OR lease.expires_at <= \(moment)
                RETURNING name
                """, logger: logger)
            var held = false
            for try await _ in rows.decode(String.self) { held = true }
            return held
        }
    }

    public func releaseLease(_ name: String, holder: String) async throws {
        try await guarded("cannot release the lease") {
            try await client.query("DELETE FROM lease WHERE name = \(name) AND holder = \(holder)", logger: logger)
        }
    }
}
