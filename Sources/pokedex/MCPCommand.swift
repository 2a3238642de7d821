import ArgumentParser
import Foundation
import MCP
import PokedexAssistant
import PokedexAudit
import PokedexMCP

/// `pokedex mcp`: Pokedex's tools for an MCP client on standard input and output (the client
/// starts it). The caller is the local operator, verified as their own login.
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve Pokedex's tools to an MCP client over standard input and output (mcp.profile decides which).")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        // Standard output carries the protocol: logs go to standard error only.
        CommandLogging.bootstrap()
        let context = try await AssistantContext.start(global)
        let login = loginName
        let auditLog = try? AuditLog(path: context.configuration.auditLog)
        let mcp = PokedexMCPServer(
            tools: context.tools, assistant: context.assistant, profile: context.configuration.mcp.profile,
            auditLog: auditLog)
        let server = await mcp.makeServer(
            user: login ?? defaultUser,
            caller: Caller(principal: "cli:\(login ?? "unknown")", channel: "mcp", verified: login != nil))
        try await server.start(transport: StdioTransport())
        await server.waitUntilCompleted()
    }
}
