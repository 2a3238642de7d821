import Foundation
import PokedexSessions
import PostgresNIO

/// A `postgres://user:password@host:port/database?sslmode=…` URL as a PostgresNIO client
/// configuration. `sslmode` is `disable`, `prefer` (the default, as libpq) or `require`
/// (certificates verified). The password never leaves this type except to the server.
struct PostgresURL: Sendable {
    var host: String
    var port: Int
    var username: String
    var password: String?
    var database: String
    var sslMode: String

    /// Connections per replica. A turn holds one for its session lock, so at most
    /// `turnsAtOnce` turns run at once and the rest of the pool serves their reads and writes.
    static let poolSize = 40
    static let turnsAtOnce = 32

    init(_ text: String) throws(SessionStoreError) {
        guard let components = URLComponents(string: text), ["postgres", "postgresql"].contains(components.scheme),
            let host = components.host, !host.isEmpty
        else {
            throw .invalidConfiguration("database must be a postgres://user:password@host:port/database URL")
        }
        self.host = host
        port = components.port ?? 5432
        username = components.user?.removingPercentEncoding ?? "postgres"
        password = components.password?.removingPercentEncoding
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? username : path
        sslMode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        guard ["disable", "prefer", "require"].contains(sslMode) else {
            throw .invalidConfiguration("database sslmode must be disable, prefer or require (got '\(sslMode)')")
        }
    }

    /// The URL to show: the password replaced.
    static func masked(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? "postgres://…"
    }

    var clientConfiguration: PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch sslMode {
            case "disable": .disable
            case "require": .require(.makeClientConfiguration())
            default: .prefer(.makeClientConfiguration())
            }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.maximumConnections = PostgresURL.poolSize
        return configuration
    }
}
