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
    @OptionGroup var server: ServerConnection
    @Flag(help: "Print the health report as JSON.") var json = false

    func run() async throws {
        let configuration = try global.loadConfiguration()
        let (base, token) = server.resolve(configuration)
        let ready = try await ServerConnection.send(base + "/ready", token: nil)
        let tools = try await ServerConnection.send(base + "/api/v1/health/tools", token: token)
        guard tools.status == 200 else {
            throw CommandError(
                "the server answered \(tools.status) for its tool health\(tools.status == 401 ? " (give --token)" : "")"
            )
        }
        if json {
            emit(String(decoding: tools.body, as: UTF8.self))
            return
        }
        let report = try Self.report(tools.body)
        emit(
            "Server \(base): \(ready.status == 200 ? "✅ ready" : "⚠️ not ready (\(String(decoding: ready.body, as: UTF8.self)))")"
        )
        if let webex = Self.webexLine(ready.body) { emit(webex) }
        Self.toolLines(report).forEach(emit)
    }

    /// The Webex websocket's state as `/ready` reports it, when the server listens on one.
    static func webexLine(_ body: Data) -> String? {
        struct Readiness: Decodable { var webex: [String: String]? }
        guard let webex = (try? JSONDecoder().decode(Readiness.self, from: body))?.webex else { return nil }
        var line = "Webex websocket: \(webex["state"] ?? "unknown")"
        if let since = webex["connected_since"] { line += " since \(since)" }
        line += "; last event \(webex["last_event"] ?? "none"), \(webex["reconnects"] ?? "0") reconnects, "
        line += "\(webex["caught_up"] ?? "0") messages caught up"
        if let error = webex["last_error"] { line += "; last error: \(error)" }
        return line
    }

    /// The tool health report a server sent.
    static func report(_ body: Data) throws -> HealthReport {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let text = try decoder.singleValueContainer().decode(String.self)
            return try Date(text, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true))
        }
        return try decoder.decode(HealthReport.self, from: body)
    }

    /// One line per tool: its state, whether an operator forced it, failures and the last error.
    static func toolLines(_ report: HealthReport) -> [String] {
        report.tools.sorted(by: { $0.key < $1.key }).map { name, tool in
            var line = "  \(name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(tool.state.rawValue)"
            if tool.forced { line += " (forced by an operator)" }
            line += ", \(tool.failuresInWindow)/\(tool.threshold) failures in the window"
            if let error = tool.lastError { line += "; last error: \(error.message)" }
            return line
        }
    }
}
