import ArgumentParser
import Foundation

/// `pokedex tools list|force`: a running server's tools, and an operator's override of one
/// (SPEC 2.3). The server does the forcing (its recovery is in its memory): this needs an *admin*
/// credential, and the server writes every force to its audit log.
struct ToolsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tools", abstract: "List a running server's tools, or force one in or out of service.",
        subcommands: [List.self, Force.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Each tool's state, as the server sees it.")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var server: ServerConnection

        func run() async throws {
            let (base, token) = server.resolve(try global.loadConfiguration())
            let answer = try await ServerConnection.send(base + "/api/v1/health/tools", token: token)
            guard answer.status == 200 else {
                throw CommandError("the server answered \(answer.status): \(ServerConnection.message(answer.body))")
            }
            HealthCommand.toolLines(try HealthCommand.report(answer.body)).forEach(emit)
        }
    }

    struct Force: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Force a tool available or unavailable, or give it back to recovery (auto).")
        @OptionGroup var global: GlobalOptions
        @OptionGroup var server: ServerConnection
        @Argument(help: "The tool (crowdstrike, weather, document_search, llm, …).") var tool: String
        @Argument(help: "available, unavailable or auto.") var state: String

        func run() async throws {
            guard ["available", "unavailable", "auto"].contains(state.lowercased()) else {
                throw CommandError("the state must be available, unavailable or auto (got '\(state)')")
            }
            let (base, token) = server.resolve(try global.loadConfiguration())
            let name = tool.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed.subtracting(["/"])) ?? tool
            let answer = try await ServerConnection.send(
                base + "/api/v1/tools/\(name)/force", method: .POST, token: token, json: #"{"state":"\#(state.lowercased())"}"#)
            guard answer.status == 200 else {
                throw CommandError("the server answered \(answer.status): \(ServerConnection.message(answer.body))")
            }
            emit("\(tool): \(state.lowercased() == "auto" ? "back to recovery's own decision" : "forced \(state.lowercased())")")
        }
    }
}
