import ArgumentParser
import Foundation
import Logging
import PokedexServer

/// `pokedex serve`: the HTTP API, status page, metrics and Webex webhook, with background cleanup.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the HTTP API, status page, metrics and Webex webhook.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Address to bind (default 127.0.0.1, or server.host).") var host: String?
    @Option(help: "Port (default 8080, or server.port; 0 picks a free one).") var port: Int?

    func run() async throws {
        CommandLogging.bootstrap(standard: .info)
        var configuration = try global.loadConfiguration()
        do {
            if let host { try configuration.set("server.host", to: host) }
            if let port { configuration.server.port = port }
            try configuration.server.validate()
        } catch {
            throw CommandError("invalid configuration: \(error)")
        }
        let server = configuration.server
        try await PokedexServerApp(configuration: configuration).run { port in
            // One line on stdout that scripts (and tests) can wait for.
            emit("pokedex: listening on http://\(server.host):\(port)")
        }
    }
}
