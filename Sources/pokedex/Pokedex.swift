import ArgumentParser
import Foundation

/// The `pokedex` command line.
@main
struct Pokedex: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pokedex",
        abstract: "Pokedex, the SOC chat assistant with persistent sessions.",
        subcommands: [
            ServeCommand.self, ChatCommand.self, AskCommand.self, SessionsCommand.self, RunbooksCommand.self,
            HealthCommand.self, ToolsCommand.self, WebexCommand.self, ConfigCommand.self, MCPCommand.self,
        ])

    /// Runs the command; any error becomes one line on stderr and a non-zero exit code.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                print(fullMessage(for: error))
            } else {
                let message = message(for: error).split(separator: "\n").first.map(String.init) ?? "failed"
                FileHandle.standardError.write(Data("pokedex: \(message)\n".utf8))
            }
            Foundation.exit(code.rawValue)
        }
    }
}
