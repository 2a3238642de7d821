import ArgumentParser
import Foundation
import Logging
import NIOCore
import PokedexServer
import ServiceLifecycle

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
        let logger = Logger(label: "pokedex.server")
        let app = try await PokedexServerApp.make(configuration: configuration, logger: logger) { port in
            // One line on stdout that scripts (and tests) can wait for.
            emit("pokedex: listening on http://\(server.host):\(port)")
        }
        var group = ServiceGroupConfiguration(
            services: app.services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        group.maximumGracefulShutdownDuration = server.gracePeriod
        do {
            try await ServiceGroup(configuration: group).run()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            throw CommandError(
                "port \(server.port) on \(server.host) is already in use: stop what listens there, or choose another port (--port, server.port)"
            )
        }
    }
}
