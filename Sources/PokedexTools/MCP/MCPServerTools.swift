import Foundation
import Logging
import MCP
import PokedexRecovery
import SystemPackage

/// Another MCP server's tools as Pokedex tools (`[mcp.servers.NAME]`): the server runs as a child
/// process speaking MCP over stdio (official Swift SDK client); its tools are listed at start-up,
/// filtered by the allow and deny lists, and named `NAME_tool`. Every call goes through recovery
/// under the server's own service (`mcp_NAME`: its policy, its breaker), so a server that is down,
/// slow or answers garbage costs the user its fallback text, and its tools leave the model's list
/// while its breaker is open. Only tools the server annotates read-only are run (and retried when
/// a failure is transient); tools that act are listed to nobody until Pokedex can confirm them.
public actor MCPServerConnection {
    public let name: String
    private let command: String
    private let arguments: [String]
    private let environment: [String: String]
    private let logger: Logger
    private var process: Process?
    private var client: Client?

    public init(name: String, command: String, arguments: [String], environment: [String: String], logger: Logger) {
        self.name = name
        self.command = command
        self.arguments = arguments
        self.environment = environment
        self.logger = logger
    }

    /// The server's tools (connecting first when needed).
    public func tools() async throws -> [MCP.Tool] {
        let client = try await connected()
        do {
            return try await client.listTools().tools
        } catch {
            await disconnect()
            throw ServiceFailure(.connection, "the MCP server \(name) did not list its tools")
        }
    }

    /// Calls a tool; a server that fails is disconnected, and started again by the next call.
    /// - Returns: its text, and whether the server said it is an error.
    public func call(_ tool: String, arguments: [String: Value]) async throws -> (text: String, isError: Bool) {
        let client = try await connected()
        do {
            let (content, isError) = try await client.callTool(name: tool, arguments: arguments)
            let text = content.compactMap { part -> String? in
                if case .text(let text, _, _) = part { return text }
                return nil
            }.joined(separator: "\n")
            return (text, isError ?? false)
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            await disconnect()
            throw ServiceFailure(.connection, "the MCP server \(name) did not answer")
        }
    }

    public func disconnect() async {
        await client?.disconnect()
        client = nil
        if let process, process.isRunning { process.terminate() }
        process = nil
    }

    private func connected() async throws -> Client {
        if let client, process?.isRunning == true { return client }
        await disconnect()
        // A server that dies while we write to it must cost a failed call, not the whole process.
        signal(SIGPIPE, SIG_IGN)
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        child.arguments = [command] + arguments
        // Nothing of Pokedex's environment (its secrets) reaches the server: only what lets a
        // program run, and what the configuration gives it.
        let base = ProcessInfo.processInfo.environment.filter { ["PATH", "HOME", "LANG", "TMPDIR"].contains($0.key) }
        child.environment = base.merging(environment) { $1 }
        let input = Pipe()
        let output = Pipe()
        child.standardInput = input
        child.standardOutput = output
        child.standardError = FileHandle.nullDevice
        do {
            try child.run()
        } catch {
            throw ServiceFailure(.connection, "the MCP server \(name) cannot be started")
        }
        process = child
        let client = Client(name: "pokedex", version: "1.0")
        let transport = StdioTransport(
            input: FileDescriptor(rawValue: output.fileHandleForReading.fileDescriptor),
            output: FileDescriptor(rawValue: input.fileHandleForWriting.fileDescriptor), logger: logger)
        do {
            _ = try await client.connect(transport: transport)
        } catch {
            await disconnect()
            throw ServiceFailure(.connection, "the MCP server \(name) did not start its session")
        }
        self.client = client
        return client
    }
}

/// One tool of another MCP server.
public struct MCPServerTool: Tool {
    public static let name: ToolName = "mcp"

    public let name: ToolName
    public let service: ToolName
    public let description: String
    public let parameters: ToolParameters
    public let effect: ToolEffect
    private let remoteName: String
    private let server: String
    private let connection: MCPServerConnection
    private let recovery: Recovery
    private let route: String?

    /// The tool as Pokedex offers it, or nil when its schema has parameters Pokedex cannot pass
    /// (only strings, numbers, integers and booleans).
    public init?(
        _ tool: MCP.Tool, server: String, service: ToolName, connection: MCPServerConnection, recovery: Recovery,
        route: String?
    ) {
        guard let parameters = Self.parameters(tool.inputSchema) else { return nil }
        self.name = ToolName(rawValue: "\(server)_\(tool.name)")
        self.service = service
        self.description = "\(tool.description ?? tool.name) (from the \(server) MCP server)"
        self.parameters = parameters
        self.effect = tool.annotations.readOnlyHint == true ? .readOnly : .destructive
        self.remoteName = tool.name
        self.server = server
        self.connection = connection
        self.recovery = recovery
        self.route = route
    }

    public func run(_ arguments: ToolArguments, context: ToolContext) async -> ToolResult {
        guard effect == .readOnly else {
            return ToolResult(
                text: "⛔ \(name) is not annotated read-only, and Pokedex does not run tools that act for other servers yet. Nothing was done.")
        }
        var values: [String: Value] = [:]
        for (key, value) in arguments.values {
            switch value {
            case .string(let text): values[key] = .string(text)
            case .number(let number):
                values[key] = parameters.properties[key]?.type == .integer ? .int(Int(number)) : .double(number)
            case .bool(let flag): values[key] = .bool(flag)
            case .null: break
            }
        }
        let (connection, remoteName, server, sent) = (connection, remoteName, server, values)
        let outcome = await recovery.call(service) { _ in
            let answer = try await connection.call(remoteName, arguments: sent)
            if answer.isError { throw ServiceFailure(.invalidRequest, "the MCP server \(server) answered with an error") }
            return answer.text
        }
        return result(outcome, context: context)
    }

    public func fallbackText(for question: String) -> String {
        "⚠️ The \(server) service is not answering right now. Please check it directly or try again later."
    }

    /// The route's first capture group, as the tool's first required argument.
    public func directArguments(for question: String) -> [String: ToolArgument]? {
        guard let route, let parameter = parameters.required.first, let regex = try? Regex(route),
            let match = question.firstMatch(of: regex), match.count > 1, let captured = match[1].substring
        else { return nil }
        return [parameter: .string(String(captured))]
    }

    /// The schema's simple parameters; nil when one is of a kind Pokedex cannot pass.
    static func parameters(_ schema: Value) -> ToolParameters? {
        guard case .object(let object) = schema else { return nil }
        var properties: [String: ToolParameters.Property] = [:]
        if case .object(let declared)? = object["properties"] {
            for (key, value) in declared {
                guard case .object(let property) = value, case .string(let type)? = property["type"],
                    let kind = ToolParameters.Property.Kind(rawValue: type)
                else { return nil }
                var description = key
                if case .string(let text)? = property["description"] { description = text }
                var choices: [String]?
                if case .array(let values)? = property["enum"] {
                    choices = values.compactMap { if case .string(let text) = $0 { text } else { nil } }
                }
                properties[key] = .init(kind, description, oneOf: choices)
            }
        }
        var required: [String] = []
        if case .array(let names)? = object["required"] {
            required = names.compactMap { if case .string(let name) = $0 { name } else { nil } }
        }
        return ToolParameters(properties, required: required)
    }
}

extension MCPServerConnection {
    /// Connects to each configured server and makes its admitted tools; a server that cannot be
    /// reached at start-up is logged and contributes none.
    public static func tools(
        of servers: [(name: String, command: String, arguments: [String], environment: [String: String],
            admits: @Sendable (String) -> Bool, routes: [String: String])],
        recovery: Recovery, logger: Logger
    ) async -> [any Tool] {
        var made: [any Tool] = []
        for server in servers {
            let connection = MCPServerConnection(
                name: server.name, command: server.command, arguments: server.arguments,
                environment: server.environment, logger: logger)
            let service = ToolName(rawValue: "mcp_\(server.name)")
            let outcome = await recovery.call(service) { _ in try await connection.tools() }
            guard case .success(let listed, _) = outcome else {
                logger.warning("the MCP server \(server.name) cannot be reached: its tools are not offered")
                continue
            }
            for tool in listed where server.admits(tool.name) {
                guard let made1 = MCPServerTool(
                    tool, server: server.name, service: service, connection: connection, recovery: recovery,
                    route: server.routes[tool.name])
                else {
                    logger.warning("the MCP server \(server.name)'s tool \(tool.name) takes parameters Pokedex cannot pass")
                    continue
                }
                made.append(made1)
            }
        }
        return made
    }
}
