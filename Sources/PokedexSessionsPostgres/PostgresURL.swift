import Foundation
import PokedexSessions
import PostgresNIO

/// A `postgres://user:password@host:port/database?sslmode=…&sslrootcert=…` URL as a PostgresNIO
/// configuration. `sslmode` means what it means to libpq: `disable`; `prefer` (the default) and
/// `require` encrypt without checking the certificate (`prefer` falls back to plain text);
/// `verify-ca` checks that a trusted CA signed it; `verify-full` also checks the host name.
/// `sslrootcert` names a PEM file of CAs to trust instead of the system's. The password never
/// leaves this type except to the server.
struct PostgresURL: Sendable {
    enum SSLMode: String, CaseIterable {
        case disable, prefer, require
        case verifyCA = "verify-ca"
        case verifyFull = "verify-full"
    }

    var host: String
    var port: Int
    var username: String
    var password: String?
    var database: String
    var sslMode: SSLMode
    var rootCertificates: String?

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
        // URLComponents takes any number; a socket port above 65535 would wrap silently (99999 → 34463).
        guard (1...65535).contains(port) else {
            throw .invalidConfiguration("database URL port must be from 1 to 65535 (got \(port))")
        }
        username = components.user?.removingPercentEncoding ?? "postgres"
        password = components.password?.removingPercentEncoding
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? username : path
        let mode = components.queryItems?.first { $0.name == "sslmode" }?.value ?? "prefer"
        guard let sslMode = SSLMode(rawValue: mode) else {
            throw .invalidConfiguration(
                "database sslmode must be one of \(SSLMode.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(mode)')"
            )
        }
        self.sslMode = sslMode
        rootCertificates = components.queryItems?.first { $0.name == "sslrootcert" }?.value
        if let rootCertificates, !FileManager.default.isReadableFile(atPath: rootCertificates) {
            throw .invalidConfiguration("database sslrootcert '\(rootCertificates)' is not a readable file")
        }
    }

    /// The URL to show: the password replaced.
    static func masked(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? "postgres://…"
    }

    /// What TLS checks, as libpq's `sslmode` says.
    var tlsConfiguration: TLSConfiguration {
        var tls = TLSConfiguration.makeClientConfiguration()
        switch sslMode {
        case .disable, .prefer, .require: tls.certificateVerification = .none
        case .verifyCA: tls.certificateVerification = .noHostnameVerification
        case .verifyFull: tls.certificateVerification = .fullVerification
        }
        if let rootCertificates { tls.trustRoots = .file(rootCertificates) }
        return tls
    }

    var clientConfiguration: PostgresClient.Configuration {
        let tls: PostgresClient.Configuration.TLS =
            switch sslMode {
            case .disable: .disable
            case .prefer: .prefer(tlsConfiguration)
            case .require, .verifyCA, .verifyFull: .require(tlsConfiguration)
            }
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
        configuration.options.maximumConnections = PostgresURL.poolSize
        return configuration
    }

    /// For one connection of its own (the start-up check).
    func connectionConfiguration() throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS =
            switch sslMode {
            case .disable: .disable
            case .prefer: .prefer(try NIOSSLContext(configuration: tlsConfiguration))
            case .require, .verifyCA, .verifyFull: .require(try NIOSSLContext(configuration: tlsConfiguration))
            }
        return PostgresConnection.Configuration(
            host: host, port: port, username: username, password: password, database: database, tls: tls)
    }
}
