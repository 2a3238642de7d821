import ArgumentParser
import Foundation
import PokedexAssistant
import PokedexAudit
import PokedexRecovery
import PokedexSessions
import PokedexSessionsPostgres

/// `pokedex config check`: validates the configuration and prints it, secrets masked.
struct ConfigCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Check the configuration.", subcommands: [Check.self])

    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate the configuration and print every effective value (secrets masked).")
        @OptionGroup var global: GlobalOptions

        func run() async throws {
            CommandLogging.bootstrap()
            let configuration = try global.loadConfiguration()
            // The check is of the configuration: a database that is down is reported, and the tools
            // and model are still checked (on a scratch store, removed afterwards).
            let database: String
            let store: any SessionStore
            let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("pokedex-check-\(UUID().uuidString).db")
            defer {
                for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: scratch.path + suffix) }
            }
            do {
                store = try await SessionStores.open(configuration.sessions)
                database = "opened"
            } catch {
                database = "cannot be opened now (\(error))"
                var sessions = SessionsConfiguration()
                sessions.database = scratch.path
                store = try SQLiteSessionStore(configuration: sessions)
            }
            let context = try await AssistantContext.start(configuration, store: store)
            emit("Configuration OK (file: \(configuration.file ?? "none; defaults and environment"))")
            emit("")
            let width = configuration.effectiveValues.map(\.key.count).max() ?? 0
            for (key, value) in configuration.effectiveValues {
                emit(
                    key.padding(toLength: width, withPad: " ", startingAt: 0) + " = "
                        + (value.isEmpty ? "(not set)" : value))
            }
            emit("")
            for warning in PokedexConfiguration.unknownVariableWarnings(in: ProcessInfo.processInfo.environment) {
                emit("Warning: \(warning)")
            }
            emit("Database: \(database)")
            emit("Language model: \(context.modelDescription)")
            let webex = configuration.webex
            if webex.enabled {
                emit(
                    webex.effectiveMode == .websocket
                        ? "Webex: websocket (device \(webex.deviceName) at \(webex.deviceURL); no inbound port needed)"
                        : "Webex: webhook (POST /webhooks/webex\(webex.publicURL.isEmpty ? "" : " at \(webex.publicURL)"))")
            } else {
                emit("Webex: off (no webex.token)")
            }
            for tool in context.tools.registry.tools { emit("Tool \(tool.name): on") }
            for (tool, reason) in context.tools.disabled.sorted(by: { $0.key < $1.key }) {
                emit("Tool \(tool): off (\(reason))")
            }
        }
    }
}
