import Logging
import PokedexSessions

/// Opens the store `database` names: a `postgres://` URL is PostgreSQL, anything else a SQLite file.
public enum SessionStores {
    public static func open(
        _ configuration: SessionsConfiguration, clock: any WallClock = SystemWallClock()
    ) async throws -> any SessionStore {
        if isPostgres(configuration.database) {
            return try await PostgresSessionStore(configuration: configuration, clock: clock)
        }
        return try SQLiteSessionStore(configuration: configuration, clock: clock)
    }

    public static func isPostgres(_ database: String) -> Bool {
        database.hasPrefix("postgres://") || database.hasPrefix("postgresql://")
    }
}

/// A database URL as it may be shown: the password replaced by `***`.
public enum PostgresURLDisplay {
    public static func masked(_ url: String) -> String { PostgresURL.masked(url) }
}
