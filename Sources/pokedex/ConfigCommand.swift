import ArgumentParser
import Foundation
import PokedexAssistant

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
            let context = try await AssistantContext.start(global)
            let configuration = context.configuration
            emit("Configuration OK (file: \(configuration.file ?? "none; defaults and environment"))")
            emit("")
            let width = configuration.effectiveValues.map(\.key.count).max() ?? 0
            for (key, value) in configuration.effectiveValues {
                emit(
                    key.padding(toLength: width, withPad: " ", startingAt: 0) + " = "
                        + (value.isEmpty ? "(not set)" : value))
            }
            emit("")
            emit("Language model: \(context.modelDescription)")
            for tool in context.tools.registry.tools { emit("Tool \(tool.name): on") }
            for (tool, reason) in context.tools.disabled.sorted(by: { $0.key < $1.key }) {
                emit("Tool \(tool): off (\(reason))")
            }
        }
    }
}
