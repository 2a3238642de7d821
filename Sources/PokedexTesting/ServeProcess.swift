import Foundation

/// Starts `pokedex serve --port 0` as a real process and waits until it is ready: the port comes
/// from the line it prints once listening, readiness from `GET /ready` (the runbooks are indexed
/// and the model found in the background). Shared by the server tests and the HTTP benchmark.
public enum ServeProcess {
    /// - Returns: the running process and the port it listens on.
    /// - Throws: when the server exits (or is killed after a minute) before listening, or is not
    ///   ready within a minute of listening (generous: a loaded CI machine is slow).
    public static func start(environment: [String: String]) async throws -> (process: ChildProcess, port: Int) {
        let process = try ChildProcess(
            ChildProcess.builtProduct("pokedex"), arguments: ["serve", "--port", "0"], environment: environment)
        let watchdog = Task {
            try await Task.sleep(for: .seconds(60))
            process.kill()
        }
        defer { watchdog.cancel() }
        var port: Int?
        for await line in process.lines {
            if let match = line.firstMatch(of: /listening on http:\/\/127\.0\.0\.1:(\d+)/) {
                port = Int(match.1)
                break
            }
        }
        guard let port else {
            let outcome = await process.outcome()
            throw ServeProcessError("pokedex serve did not start: \(outcome.stderr)")
        }
        let ready = Array("GET /ready HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n".utf8)
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if await RawHTTPClient.status(port: port, sending: ready) == 200 { return (process, port) }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.kill(SIGTERM)
        throw ServeProcessError("pokedex serve was not ready within a minute")
    }
}

public struct ServeProcessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
