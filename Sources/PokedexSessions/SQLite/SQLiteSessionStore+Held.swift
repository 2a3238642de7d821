import Foundation
import GRDB

extension SQLiteSessionStore {
    public func hold(_ value: Data, as kind: String, for key: SessionKey, until expires: Date) async throws {
        try key.validate()
        let expiresAt = Timestamp.milliseconds(expires)
        try await guarded {
            try await pool.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO held (user, room, kind, value, expires_at) VALUES (?, ?, ?, ?, ?)
                        ON CONFLICT (user, room, kind) DO UPDATE SET value = excluded.value, expires_at = excluded.expires_at
                        """, arguments: [key.user, key.room, kind, value, expiresAt])
            }
        }
    }

    public func takeHeld(_ kind: String, for key: SessionKey, at now: Date) async throws -> Data? {
        try key.validate()
        let moment = Timestamp.milliseconds(now)
        return try await guarded {
            try await pool.write { db -> Data? in
                let row = try Row.fetchOne(
                    db, sql: "DELETE FROM held WHERE user = ? AND room = ? AND kind = ? RETURNING value, expires_at",
                    arguments: [key.user, key.room, kind])
                guard let row, (row["expires_at"] as Int64) > moment else { return nil }
                return row["value"] as Data
            }
        }
    }

    public func claimDelivery(_ id: String, until expires: Date, at now: Date) async throws -> Bool {
        let (moment, expiresAt) = (Timestamp.milliseconds(now), Timestamp.milliseconds(expires))
        return try await guarded {
            try await pool.write { db -> Bool in
                try db.execute(sql: "DELETE FROM delivery WHERE id = ? AND expires_at <= ?", arguments: [id, moment])
                try db.execute(
                    sql: "INSERT INTO delivery (id, expires_at) VALUES (?, ?) ON CONFLICT (id) DO NOTHING",
                    arguments: [id, expiresAt])
                return db.changesCount == 1
            }
        }
    }

    public func holdLease(_ name: String, holder: String, until expires: Date, at now: Date) async throws -> Bool {
        let (moment, expiresAt) = (Timestamp.milliseconds(now), Timestamp.milliseconds(expires))
        return try await guarded {
            try await pool.write { db -> Bool in
                try db.execute(
                    sql: """
                        INSERT INTO lease (name, holder, expires_at) VALUES (?, ?, ?)
                        ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
                        WHERE lease.holder = excluded.holder OR lease.expires_at <= ?
                        """, arguments: [name, holder, expiresAt, moment])
                return db.changesCount == 1
            }
        }
    }

    public func releaseLease(_ name: String, holder: String) async throws {
        try await guarded {
            try await pool.write { db in
                try db.execute(sql: "DELETE FROM lease WHERE name = ? AND holder = ?", arguments: [name, holder])
            }
        }
    }
}
