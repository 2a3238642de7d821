import GRDB

/// The versioned schema of the SQLite store. Add migrations; never edit a released one.
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1 sessions and messages") { db in
            // One row per (user, room): the pair is two columns, so no encoding can make two keys collide.
            try db.execute(
                sql: """
                    CREATE TABLE session (
                        id INTEGER PRIMARY KEY,
                        user TEXT NOT NULL,
                        room TEXT NOT NULL,
                        created_at INTEGER NOT NULL,
                        last_activity INTEGER NOT NULL,
                        UNIQUE (user, room)
                    );
                    CREATE INDEX session_last_activity ON session(last_activity);
                    -- AUTOINCREMENT: sequence numbers are never reused, even after the newest rows are deleted.
                    -- content is UTF-8 stored as a BLOB so that NUL characters survive exactly.
                    CREATE TABLE message (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        session_id INTEGER NOT NULL REFERENCES session(id) ON DELETE CASCADE,
                        role TEXT NOT NULL,
                        content BLOB NOT NULL,
                        created_at INTEGER NOT NULL
                    );
                    CREATE INDEX message_session ON message(session_id, id);
                    CREATE INDEX message_created_at ON message(created_at);
                    """)
        }
        migrator.registerMigration("v2 health check") { db in
            // One row, rewritten by every health check: a real write that touches no session.
            try db.execute(
                sql: "CREATE TABLE health_check (id INTEGER PRIMARY KEY CHECK (id = 1), checked_at INTEGER NOT NULL)")
        }
        migrator.registerMigration("v3 held values") { db in
            // Short-lived values of a session (a containment request awaiting confirmation).
            try db.execute(
                sql: """
                    CREATE TABLE held (
                        user TEXT NOT NULL,
                        room TEXT NOT NULL,
                        kind TEXT NOT NULL,
                        value BLOB NOT NULL,
                        expires_at INTEGER NOT NULL,
                        PRIMARY KEY (user, room, kind)
                    )
                    """)
        }
        migrator.registerMigration("v4 claimed deliveries") { db in
            // Message ids already answered, until they expire (redeliveries are answered once).
            try db.execute(sql: "CREATE TABLE delivery (id TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)")
        }
        migrator.registerMigration("v5 leases") { db in
            // One holder among the processes sharing the file (the Webex websocket).
            try db.execute(
                sql: "CREATE TABLE lease (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at INTEGER NOT NULL)")
        }
        return migrator
    }
}
