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
