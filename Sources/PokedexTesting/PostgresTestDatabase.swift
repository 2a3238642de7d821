import Foundation

/// The PostgreSQL server a test run may use (`POKEDEX_TEST_POSTGRES_URL`, which `.ci/run` sets after
/// starting one on loopback), and an empty database of its own for each test, made and dropped
/// with `psql` as an operator would.
public enum PostgresTestDatabase {
    public static let serverURL = ProcessInfo.processInfo.environment["POKEDEX_TEST_POSTGRES_URL"].flatMap {
        $0.isEmpty ? nil : $0
    }

    /// Creates an empty database named `<prefix><random>` on the server.
    /// - Returns: its URL and name.
    public static func make(prefix: String = "pokedex_test_") async throws -> (url: String, name: String) {
        guard let serverURL, var components = URLComponents(string: serverURL) else {
            throw PostgresTestError("no PostgreSQL server: set POKEDEX_TEST_POSTGRES_URL")
        }
        let name = prefix + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let outcome = try await psql("CREATE DATABASE \(name)")
        guard outcome.status == 0 else { throw PostgresTestError("cannot create a database: \(outcome.stderr)") }
        components.path = "/" + name
        return (components.string ?? serverURL, name)
    }

    /// Drops a database a moment later (once the store's pool has let go of it).
    public static func dropLater(_ name: String) {
        Task {
            try? await Task.sleep(for: .milliseconds(200))
            _ = try? await psql("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
        }
    }

    /// Runs one statement on the server's own database and returns its result, unaligned.
    public static func query(_ statement: String) async throws -> String {
        let outcome = try await ChildProcess.run(
            executable: URL(fileURLWithPath: "/usr/bin/psql"), [serverURL ?? "", "-tA", "-c", statement])
        guard outcome.status == 0 else { throw PostgresTestError("psql failed: \(outcome.stderr)") }
        return outcome.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func psql(_ statement: String) async throws -> ChildProcess.Outcome {
        try await ChildProcess.run(
            executable: URL(fileURLWithPath: "/usr/bin/psql"), [serverURL ?? "", "-q", "-c", statement])
    }
}

public struct PostgresTestError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
