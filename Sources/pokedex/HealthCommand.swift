import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import PokedexHTTP
import PokedexRecovery

/// `pokedex health`: component and tool health from a running server.
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health", abstract: "Show component and tool health of a running server.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "The server (default: http://server.host:server.port of the configuration).") var url: String?
    @Option(help: "An API token (default: the first principal's token given in clear or in a file).")
    var token: String?
    @Flag(help: "Print the health report as JSON.") var json = false

    func run() async throws {
        let configuration = try global.loadConfiguration()
        let base = url ?? "http://\(configuration.server.host):\(configuration.server.port)"
        let token =
            token
            ?? configuration.server.access.principals.lazy.compactMap { principal -> String? in
                if case .token(let secret)? = principal.credential { return secret.revealed }
                return nil
            }.first
        let ready = try await get(base + "/ready", token: nil)
        let tools = try await get(base + "/api/v1/health/tools", token: token)
        guard tools.status == 200 else {
            throw CommandError(
                "the server answered \(tools.status) for its tool health\(tools.status == 401 ? " (give --token)" : "")"
            )
        }
        if json {
            emit(String(decoding: tools.body, as: UTF8.self))
            return
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            return try Date(text, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true))
        }
        let report = try decoder.decode(HealthReport.self, from: tools.body)
        emit(
            "Server \(base): \(ready.status == 200 ? "✅ ready" : "⚠️ not ready (\(String(decoding: ready.body, as: UTF8.self)))")"
        )
        for (name, tool) in report.tools.sorted(by: { $0.key < $1.key }) {
            var line = "  \(name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(tool.state.rawValue)"
            line += ", \(tool.failuresInWindow)/\(tool.threshold) failures in the window"
            if let error = tool.lastError { line += "; last error: \(error.message)" }
            emit(line)
        }
    }

    private func get(_ url: String, token: String?) async throws -> (status: Int, body: Data) {
        var request = HTTPClientRequest(url: url)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        do {
            let response = try await HTTPClient.services.execute(request, timeout: .seconds(5))
            let body = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), Data(body.readableBytesView))
        } catch {
            throw CommandError("cannot reach the server at \(url)")
        }
    }
}
