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
    ]

    static func migrate(_ client: PostgresClient, logger: Logger) async throws {
        try await client.withTransaction(logger: logger) { connection in
            try await connection.query("SELECT pg_advisory_xact_lock(7470116, 1)", logger: logger)
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
