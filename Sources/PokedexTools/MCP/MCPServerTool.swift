import MCP
import PokedexRecovery

/// One tool of another MCP server, as a Pokedex tool: offered to the model as `SERVER_tool` (model
/// APIs allow no dots in a function name), its result shown as evidence like any tool's. A tool
/// its server annotates read-only runs through recovery and is retried when a failure is
/// transient; any other only goes through the ``MCPActionDesk`` (responders, confirmation, audit)
/// and is never retried.
public struct MCPServerTool: Tool {
    public static let name: ToolName = "mcp"

    public let name: ToolName
    public let service: ToolName
    public let description: String
    public let parameters: ToolParameters
    public let effect: ToolEffect
    private let remoteName: String
    private let server: MCPServerConnection
    private let desk: MCPActionDesk
    private let recovery: Recovery
    private let route: String?
    public let entityParameters: [EntityKind: String]

    init(_ tool: MCP.Tool, parameters: ToolParameters, server: MCPServerConnection, desk: MCPActionDesk, recovery: Recovery) {
        let definition = server.definition
        self.name = ToolName(rawValue: "\(definition.name)_\(tool.name)")
        self.service = definition.service
        self.description = "\(tool.description ?? tool.name) (from the \(definition.name) MCP server)"
        self.parameters = parameters
        // Only the server's word that a tool only reads makes it one; unannotated tools act.
        self.effect = tool.annotations.readOnlyHint == true ? .readOnly : .destructive
        self.remoteName = tool.name
        self.server = server
        self.desk = desk
        self.recovery = recovery
        self.route = definition.routes[tool.name]
        let kind = definition.entities[tool.name]
        self.entityParameters = kind.flatMap { kind in parameters.required.first.map { [kind: $0] } } ?? [:]
    }

    public func run(_ arguments: ToolArguments, context: ToolContext) async -> ToolResult {
        let values = values(arguments)
        guard effect == .readOnly else {
            return await desk.request(name, arguments: values, context: context)
        }
        let (server, remoteName) = (server, remoteName)
        let outcome = await recovery.call(service) { _ in try await server.call(remoteName, arguments: values) }
        return result(outcome, context: context)
    }

    public func answerConfirmation(_ message: String, context: ToolContext) async -> String? {
        guard effect == .destructive else { return nil }
        let (server, remoteName) = (server, remoteName)
        return await desk.confirm(message, tool: name, service: service, context: context) { arguments, _ in
            try await server.call(remoteName, arguments: arguments)
        }
    }

    public func fallbackText(for question: String) -> String {
        "⚠️ The \(server.definition.name) service is not answering right now. Please check it directly or try again later."
    }

    /// The route's first capture group, as the tool's first required argument.
    public func directArguments(for question: String) -> [String: ToolArgument]? {
        guard effect == .readOnly, let route, let parameter = parameters.required.first, let regex = try? Regex(route),
            let match = question.firstMatch(of: regex), match.count > 1, let captured = match[1].substring
        else { return nil }
        return [parameter: .string(String(captured))]
    }

    /// The checked arguments as MCP values (integers as integers).
    private func values(_ arguments: ToolArguments) -> [String: Value] {
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
        return values
    }

    /// The schema's parameters; nil when one is of a kind Pokedex cannot pass (only strings,
    /// numbers, integers and booleans).
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
