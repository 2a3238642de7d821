import PokedexSettings
import PokedexTools

/// How Pokedex serves MCP clients (`pokedex mcp` on stdio, `/mcp` on `pokedex serve`).
public struct MCPConfiguration: Sendable, Equatable {
    /// Which tools an MCP client is offered. The default fails closed: a tool that changes
    /// anything is neither listed nor callable unless a profile enables it.
    public enum Profile: String, Sendable, CaseIterable {
        /// Lookups and searches only, and `ask`.
        case readOnly = "read-only"
        /// Also tools that act (containment), through the same responder check, confirmation and
        /// audit as in chat.
        case responder
    }

    /// The MCP servers whose tools Pokedex uses: `[[mcp.servers]]` entries in the file (each with
    /// its `name`), or `mcp.servers.NAME.*` keys.
    public var servers: [MCPServerDefinition] = []
    /// Who may use those servers' tools that act (verified identities, as for containment).
    /// `mcp.responders`, `POKEDEX_MCP_RESPONDERS`.
    public var responders: [String] = []

    /// `mcp.profile`, `POKEDEX_MCP_PROFILE`.
    public var profile = Profile.readOnly
    /// Whether `pokedex serve` answers MCP on `/mcp` (authenticated principals only). `mcp.http`.
    public var http = true

    public init() {}

    public static let settings = SettingsTable<MCPConfiguration>([
        .choice("mcp.profile", "POKEDEX_MCP_PROFILE", \.profile),
        .boolean("mcp.http", "POKEDEX_MCP_HTTP", \.http),
        .list("mcp.responders", "POKEDEX_MCP_RESPONDERS", \.responders),
    ])

    public mutating func set(_ key: String, to value: String) throws(SettingError) {
        if try Self.settings.set(key, to: value, in: &self) { return }
        let parts = key.split(separator: ".", maxSplits: 4, omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 4, parts[0] == "mcp", parts[1] == "servers",
            parts[2].wholeMatch(of: /[a-z][a-z0-9_]{0,30}/) != nil
        else {
            throw SettingError(
                key: key,
                message: "is not an mcp setting (servers are [[mcp.servers]] with a name, or mcp.servers.NAME.*; NAME in lower case letters, digits and _)")
        }
        var server = servers.first { $0.name == parts[2] } ?? MCPServerDefinition(name: parts[2])
        let text = value.trimmingCharacters(in: .whitespaces)
        switch (parts[3], parts.count) {
        case ("name", 4): break  // the entry's name, already in the key
        case ("command", 4):
            // A program, or a list: the program and its arguments.
            let words = SettingParser.list(value)
            guard let program = words.first else { throw SettingError(key: key, message: "must name a program") }
            server.command = program
            if words.count > 1 { server.arguments = Array(words.dropFirst()) }
        case ("args", 4): server.arguments = SettingParser.list(value)
        case ("url", 4): server.url = try SettingParser.url(text, key: key)
        case ("token_file", 4): server.tokenFile = text
        case ("allow", 4): server.allow = SettingParser.list(value)
        case ("deny", 4): server.deny = SettingParser.list(value)
        case ("env", 5): server.environment[parts[4]] = value
        case ("entity", 5):
            guard let kind = EntityKind(rawValue: text.lowercased()) else {
                throw SettingError(
                    key: key, message: "must be one of \(EntityKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            server.entities[parts[4]] = kind
        case ("route", 5):
            guard (try? Regex(text)) != nil else { throw SettingError(key: key, message: "must be a regular expression") }
            server.routes[parts[4]] = text
        default:
            throw SettingError(
                key: key,
                message: "is not an MCP server setting (command, args, env.KEY, url, token_file, allow, deny, route.TOOL, entity.TOOL)")
        }
        servers.removeAll { $0.name == server.name }
        servers.append(server)
    }

    /// Every server needs a program or a URL (not both).
    public func validate() throws(SettingError) {
        for server in servers where server.command.isEmpty == server.url.isEmpty {
            throw SettingError(key: "mcp.servers.\(server.name)", message: "needs either a command or a url")
        }
        for server in servers where !server.tokenFile.isEmpty && server.url.isEmpty {
            throw SettingError(key: "mcp.servers.\(server.name).token_file", message: "is only for a server with a url")
        }
    }

    /// Every key and its value as text, for `config check` (a server's environment is not shown:
    /// it may hold its credentials; its token file is named, never read).
    public var values: [(key: String, value: String)] {
        var values = Self.settings.values(of: self)
        for server in servers {
            let prefix = "mcp.servers.\(server.name)."
            if server.url.isEmpty {
                values.append((prefix + "command", ([server.command] + server.arguments).joined(separator: " ")))
            } else {
                values.append((prefix + "url", server.url))
                if !server.tokenFile.isEmpty { values.append((prefix + "token_file", server.tokenFile)) }
            }
            if !server.allow.isEmpty { values.append((prefix + "allow", server.allow.joined(separator: ","))) }
            if !server.deny.isEmpty { values.append((prefix + "deny", server.deny.joined(separator: ","))) }
            for (tool, route) in server.routes.sorted(by: { $0.key < $1.key }) { values.append((prefix + "route.\(tool)", route)) }
            for (tool, kind) in server.entities.sorted(by: { $0.key < $1.key }) {
                values.append((prefix + "entity.\(tool)", kind.rawValue))
            }
        }
        return values
    }
}
