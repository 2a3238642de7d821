import ArgumentParser
import Foundation
import Logging
import MCP
import PokedexAssistant
import PokedexAudit
import PokedexMCP
import PokedexRecovery
import PokedexTools

/// `pokedex mcp`: Pokedex and the Model Context Protocol — serving its tools to an MCP client
/// (the default), and what the MCP servers it uses offer (`pokedex mcp tools`).
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp", abstract: "Serve Pokedex's tools to an MCP client, or list the MCP servers' tools.",
        subcommands: [Serve.self, Tools.self], defaultSubcommand: Serve.self)

    /// Pokedex's tools for an MCP client on standard input and output (the client starts it). The
    /// caller is the local operator, verified as their own login.
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Serve Pokedex's tools to an MCP client over standard input and output (mcp.profile decides which).")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            // Standard output carries the protocol: logs go to standard error only.
            CommandLogging.bootstrap()
            let context = try await AssistantContext.start(global)
            let login = loginName
            let mcp = PokedexMCPServer(
                tools: context.tools, assistant: context.assistant, profile: context.configuration.mcp.profile,
                auditLog: context.auditLog)
            let server = await mcp.makeServer(
                user: login ?? defaultUser,
                caller: Caller(principal: "cli:\(login ?? "unknown")", channel: "mcp", verified: login != nil))
            try await server.start(transport: StdioTransport())
            await server.waitUntilCompleted()
        }
    }

    /// Connects to each configured MCP server (`[[mcp.servers]]`) and says what it offers.
    struct Tools: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Connect to each configured MCP server and list the tools it offers Pokedex, and its state.")

        @OptionGroup var global: GlobalOptions

        func run() async throws {
            CommandLogging.bootstrap(standard: .error)
            let configuration = try global.loadConfiguration()
            guard !configuration.mcp.servers.isEmpty else {
                emit("No MCP servers are configured ([[mcp.servers]] in the configuration file).")
                return
            }
            let recovery = Recovery(configuration: PokedexRuntime.recoveryConfiguration(configuration))
            let desk = MCPActionDesk(
                recovery: recovery, auditLog: nil, responders: configuration.mcp.responders,
                ledger: InMemoryConfirmationLedger())
            var unreachable = 0
            for definition in configuration.mcp.servers {
                let server = MCPServerConnection(
                    definition, recovery: recovery, desk: desk, logger: Logger(label: "pokedex.mcp"))
                await server.refresh()
                let status = server.status
                if !status.connected { unreachable += 1 }
                emit("\(status.name): \(status.summary)")
                for tool in status.tools {
                    emit("  \(tool.name)  \(tool.effect == .readOnly ? "read-only" : "acts: responders confirm it")")
                }
                for (tool, reason) in status.notOffered.sorted(by: { $0.key < $1.key }) {
                    emit("  (\(tool) not offered: \(reason))")
                }
                await server.disconnect()
            }
            if unreachable > 0 { throw ExitCode(1) }
        }
    }
}
