import Foundation
import PokedexSessions
import PokedexSessionsPostgres
import PokedexTesting
import Testing

/// How the store connects: `sslmode` as libpq means it, against the test server (which offers TLS
/// with a self-signed certificate, as Debian's PostgreSQL does), and clear errors at start-up.
@Suite(
    "PostgreSQL connections",
    .enabled(
        if: PostgresTestDatabase.serverURL != nil,
        "PostgreSQL cases skipped: set POKEDEX_TEST_POSTGRES_URL (.ci/run starts a server on loopback)"))
struct PostgresConnectionTests {
    /// Opens a store on a new database with these URL query parameters.
    static func open(_ parameters: String) async throws -> (store: PostgresSessionStore, database: String) {
        let (url, name) = try await PostgresTestDatabase.make()
        var configuration = SessionsConfiguration()
        configuration.database = url + "?" + parameters
        configuration.busyTimeout = .seconds(30)  // generous: a loaded machine must not fail these
        do {
            return (try await PostgresSessionStore(configuration: configuration), name)
        } catch {
            PostgresTestDatabase.dropLater(name)
            throw error
        }
    }

    /// "true" when every connection to `database` is encrypted, "false" when none or some are.
    static func encrypted(_ database: String) async throws -> String {
        try await PostgresTestDatabase.query(
            """
            SELECT coalesce(bool_and(s.ssl)::text, 'no connection')
            FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.datname = '\(database)'
            """)
    }

    /// The test server's certificate, which is also its own CA.
    static func serverCertificate() async throws -> String {
        try await PostgresTestDatabase.query("SHOW data_directory") + "/server.crt"
    }

    @Test(arguments: [("sslmode=disable", "false"), ("sslmode=prefer", "true"), ("sslmode=require", "true")])
    func sslModesMeanWhatTheyMeanToLibpq(_ parameters: String, encrypted: String) async throws {
        let (store, database) = try await Self.open(parameters)
        defer {
            store.close()
            PostgresTestDatabase.dropLater(database)
        }
        try await store.append(.user, "hello", to: .alice)
        #expect(try await Self.encrypted(database) == encrypted)
    }

    @Test(arguments: ["verify-ca", "verify-full"])
    func verifyingModesTrustOnlyTheGivenCA(_ mode: String) async throws {
        do {
            _ = try await Self.open("sslmode=\(mode)")
            Issue.record("a self-signed certificate was accepted without sslrootcert")
        } catch let error as SessionStoreError {
            #expect(error.description.contains("TLS handshake failed"))
        }
        let certificate = try await Self.serverCertificate()
        let (store, database) = try await Self.open("sslmode=\(mode)&sslrootcert=\(certificate)")
        defer {
            store.close()
            PostgresTestDatabase.dropLater(database)
        }
        try await store.append(.user, "hello", to: .alice)
        #expect(try await Self.encrypted(database) == "true")
    }

    @Test func anUnreachableServerIsACleanErrorNotAWait() async throws {
        var configuration = SessionsConfiguration()
        configuration.database = "postgres://pokedex:s3cret@127.0.0.1:1/pokedex?sslmode=disable"
        // The refusal itself, not the time limit running out, must be what ends the start-up.
        configuration.busyTimeout = .seconds(60)
        await #expect {
            _ = try await PostgresSessionStore(configuration: configuration)
        } throws: { error in
            let text = "\(error)"
            return text.contains("cannot connect") && text.contains("Connection refused")
                && !text.contains("did not answer") && !text.contains("s3cret")
        }
    }

    @Test(arguments: ["sslmode=allow-anything", "sslrootcert=/nonexistent/ca.pem"])
    func badTLSSettingsAreConfigurationErrors(_ parameters: String) async throws {
        var configuration = SessionsConfiguration()
        configuration.database = "postgres://pokedex@127.0.0.1:5432/pokedex?" + parameters
        await #expect {
            _ = try await PostgresSessionStore(configuration: configuration)
        } throws: { error in
            guard case .invalidConfiguration(let message) = error as? SessionStoreError else { return false }
            return message.contains(parameters.split(separator: "=")[0])
        }
    }

    /// A port a socket cannot have is refused, not wrapped into another (99999 became 34463).
    @Test(arguments: ["99999", "0"])
    func aPortOutOfRangeIsAConfigurationError(_ port: String) async throws {
        var configuration = SessionsConfiguration()
        configuration.database = "postgres://pokedex@127.0.0.1:\(port)/pokedex?sslmode=disable"
        await #expect {
            _ = try await PostgresSessionStore(configuration: configuration)
        } throws: { error in
            guard case .invalidConfiguration(let message) = error as? SessionStoreError else { return false }
            return message.contains("1 to 65535") && message.contains(port)
        }
    }
}
