import Logging
import PostgresNIO

/// The versioned schema. Add migrations; never edit a released one. Replicas starting together
/// take a transaction-scoped advisory lock, so exactly one of them migrates.
enum PostgresSchema {
    static let migrations: [(version: Int32, sql: [PostgresQuery])] = [
        (
            1,
            [
                // One row per (user, room): two columns, so no encoding can make two keys collide.
                """
                CREATE TABLE session (
                    id BIGSERIAL PRIMARY KEY,
                    user_name TEXT NOT NULL,
                    room TEXT NOT NULL,
                    created_at BIGINT NOT NULL,
                    last_activity BIGINT NOT NULL,
                    UNIQUE (user_name, room)
                )
                """,
                "CREATE INDEX session_last_activity ON session (last_activity)",
                // content is BYTEA: UTF-8 with NUL characters kept exactly.
                """
                CREATE TABLE message (
                    id BIGSERIAL PRIMARY KEY,
                    session_id BIGINT NOT NULL REFERENCES session (id) ON DELETE CASCADE,
                    role TEXT NOT NULL,
                    content BYTEA NOT NULL,
                    created_at BIGINT NOT NULL
                )
                """,
                "CREATE INDEX message_session ON message (session_id, id)",
                "CREATE INDEX message_created_at ON message (created_at)",
            ]
        ),
        (2, ["CREATE TABLE health_check (id INTEGER PRIMARY KEY CHECK (id = 1), checked_at BIGINT NOT NULL)"]),
        (
            3,
            [
                // An append in one round trip (the lock, the session row, the messages, the trim),
                // committed on its own: a turn is one network exchange and one WAL flush.
                """
                CREATE FUNCTION pokedex_append(
                    p_user TEXT, p_room TEXT, p_roles TEXT[], p_contents BYTEA[], p_created BIGINT, p_cap INTEGER)
                RETURNS SETOF BIGINT LANGUAGE plpgsql AS $$
                DECLARE
                    v_session BIGINT;
                    v_id BIGINT;
                BEGIN
                    PERFORM pg_advisory_xact_lock(hashtextextended(p_user || chr(31) || p_room, 0));
                    INSERT INTO session (user_name, room, created_at, last_activity)
                    VALUES (p_user, p_room, p_created, p_created)
                    ON CONFLICT (user_name, room) DO UPDATE
                        SET last_activity = GREATEST(session.last_activity, EXCLUDED.last_activity)
                    RETURNING id INTO v_session;
                    FOR i IN 1 .. array_length(p_roles, 1) LOOP
                        INSERT INTO message (session_id, role, content, created_at)
                        VALUES (v_session, p_roles[i], p_contents[i], p_created)
                        RETURNING id INTO v_id;
                        RETURN NEXT v_id;
                    END LOOP;
                    DELETE FROM message WHERE session_id = v_session AND id <=
                        (SELECT id FROM message WHERE session_id = v_session ORDER BY id DESC OFFSET p_cap LIMIT 1);
                END
                $$
                """
            ]
        ),
        (
            4,
            [
                // Takes the write locks of several sessions in one fixed order (by lock key), so
                // that transactions locking overlapping sets of sessions cannot deadlock.
                """
                CREATE FUNCTION pokedex_lock_sessions(p_users TEXT[], p_rooms TEXT[])
                RETURNS void LANGUAGE plpgsql AS $$
                DECLARE
                    v_key BIGINT;
                BEGIN
                    FOR v_key IN
                        SELECT DISTINCT hashtextextended(u || chr(31) || r, 0) FROM unnest(p_users, p_rooms) AS t(u, r)
                        ORDER BY 1
                    LOOP
                        PERFORM pg_advisory_xact_lock(v_key);
                    END LOOP;
                END
                $$
                """,
                // Group commit: the appends of several sessions (or several appends of one) in one
                // round trip and one transaction. Message k belongs to append p_owners[k]; appends
                // are stored in array order. pokedex_append (migration 3) stays for replicas not
                // yet upgraded.
                """
                CREATE FUNCTION pokedex_append_batch(
                    p_users TEXT[], p_rooms TEXT[], p_created BIGINT[],
                    p_owners INTEGER[], p_roles TEXT[], p_contents BYTEA[], p_cap INTEGER)
                RETURNS TABLE (slot INTEGER, message_id BIGINT) LANGUAGE plpgsql AS $$
                DECLARE
                    v_sessions BIGINT[] := '{}';
                    v_session BIGINT;
                BEGIN
                    PERFORM pokedex_lock_sessions(p_users, p_rooms);
                    FOR i IN 1 .. array_length(p_users, 1) LOOP
                        INSERT INTO session (user_name, room, created_at, last_activity)
                        VALUES (p_users[i], p_rooms[i], p_created[i], p_created[i])
                        ON CONFLICT (user_name, room) DO UPDATE
                            SET last_activity = GREATEST(session.last_activity, EXCLUDED.last_activity)
                        RETURNING id INTO v_session;
                        v_sessions[i] := v_session;
                    END LOOP;
                    FOR k IN 1 .. array_length(p_roles, 1) LOOP
                        slot := p_owners[k];
                        INSERT INTO message (session_id, role, content, created_at)
                        VALUES (v_sessions[slot], p_roles[k], p_contents[k], p_created[slot])
                        RETURNING id INTO message_id;
                        RETURN NEXT;
                    END LOOP;
                    FOR v_session IN SELECT DISTINCT unnest(v_sessions) LOOP
                        DELETE FROM message WHERE session_id = v_session AND id <=
                            (SELECT id FROM message WHERE session_id = v_session ORDER BY id DESC OFFSET p_cap LIMIT 1);
                    END LOOP;
                END
                $$
                """,
            ]
        ),
        (
            5,
            [
                // Short-lived values of a session (a containment request awaiting confirmation),
                // shared by every replica.
                """
                CREATE TABLE held (
                    user_name TEXT NOT NULL,
                    room TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    value BYTEA NOT NULL,
                    expires_at BIGINT NOT NULL,
                    PRIMARY KEY (user_name, room, kind)
                )
                """,
                "CREATE INDEX held_expires_at ON held (expires_at)",
            ]
        ),
        (
            6,
            [
                // Message ids already answered, until they expire: a redelivery, or the same
                // message reaching another replica, is answered once.
                "CREATE TABLE delivery (id TEXT PRIMARY KEY, expires_at BIGINT NOT NULL)",
                "CREATE INDEX delivery_expires_at ON delivery (expires_at)",
            ]
        ),
        (
            7,
            [
                // One holder among the replicas (the Webex websocket), until its lease expires.
                "CREATE TABLE lease (name TEXT PRIMARY KEY, holder TEXT NOT NULL, expires_at BIGINT NOT NULL)"
            ]
        ),
    ]

    static func migrate(_ client: PostgresClient, logger: Logger) async throws {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.run("SELECT pg_advisory_xact_lock(7470116, 1)", logger: logger)
            try await connection.query(
                "CREATE TABLE IF NOT EXISTS pokedex_migrations (version INTEGER PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())",
                logger: logger)
            var applied = Set<Int32>()
            for try await version in try await connection.query(
                "SELECT version FROM pokedex_migrations", logger: logger
            )
            .decode(Int32.self) {
                applied.insert(version)
            }
            for migration in migrations where !applied.contains(migration.version) {
                for statement in migration.sql { try await connection.query(statement, logger: logger) }
                try await connection.query(
                    "INSERT INTO pokedex_migrations (version) VALUES (\(migration.version))", logger: logger)
            }
        }
    }
}
