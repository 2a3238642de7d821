import PokedexSettings

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

    /// An MCP server whose tools Pokedex uses: `[mcp.servers.NAME]` in the file.
    public struct Server: Sendable, Equatable {
        /// The name its tools are namespaced by (`NAME_tool`) and its breaker is known by (`mcp_NAME`).
        public var name: String
        /// The program that serves it over stdio, and its arguments. `command`, `args`.
        public var command = ""
        public var arguments: [String] = []
        /// Variables for the program, `env.KEY = value` (nothing else of Pokedex's is passed).
        public var environment: [String: String] = [:]
        /// Only these of its tools (all when empty), never these. `allow`, `deny`.
        public var allow: [String] = []
        public var deny: [String] = []
        /// Questions that go straight to one of its tools: `route.TOOL = "regex"`; the regex's first
        /// capture group becomes the tool's first required argument.
        public var routes: [String: String] = [:]

        public init(name: String) { self.name = name }

        /// The recovery service of its tools.
        public var service: String { "mcp_\(name)" }

        /// Whether a tool it offers may be used.
        public func admits(_ tool: String) -> Bool {
            (allow.isEmpty || allow.contains(tool)) && !deny.contains(tool)
        }
    }

    /// `mcp.servers.NAME.*`.
    public var servers: [Server] = []

    /// `mcp.profile`, `POKEDEX_MCP_PROFILE`.
    public var profile = Profile.readOnly
    /// Whether `pokedex serve` answers MCP on `/mcp` (authenticated principals only). `mcp.http`.
    public var http = true

    public init() {}

    public static let settings = SettingsTable<MCPConfiguration>([
        .choice("mcp.profile", "POKEDEX_MCP_PROFILE", \.profile),
        .boolean("mcp.http", "POKEDEX_MCP_HTTP", \.http),
    ])

    public mutating func set(_ key: String, to value: String) throws(SettingError) {
        if try Self.settings.set(key, to: value, in: &self) { return }
        let parts = key.split(separator: ".", maxSplits: 4, omittingEmptySubsequences: false).map(String.init)
        guard parts.count >= 4, parts[0] == "mcp", parts[1] == "servers",
            parts[2].wholeMatch(of: /[a-z][a-z0-9_]{0,30}/) != nil
        else {
            throw SettingError(
                key: key, message: "is not an mcp setting (servers are mcp.servers.NAME.*, NAME in lower case letters, digits and _)")
        }
        var server = servers.first { $0.name == parts[2] } ?? Server(name: parts[2])
        let text = value.trimmingCharacters(in: .whitespaces)
        switch (parts[3], parts.count) {
        case ("command", 4):
            guard !text.isEmpty else { throw SettingError(key: key, message: "must name a program") }
            server.command = text
        case ("args", 4): server.arguments = SettingParser.list(value)
        case ("allow", 4): server.allow = SettingParser.list(value)
        case ("deny", 4): server.deny = SettingParser.list(value)
        case ("env", 5): server.environment[parts[4]] = value
        case ("route", 5):
            guard (try? Regex(text)) != nil else { throw SettingError(key: key, message: "must be a regular expression") }
            server.routes[parts[4]] = text
        default:
            throw SettingError(key: key, message: "is not an MCP server setting (command, args, env.KEY, allow, deny, route.TOOL)")
        }
        servers.removeAll { $0.name == server.name }
        servers.append(server)
    }

    /// Every server needs its program.
    public func validate() throws(SettingError) {
        for server in servers where server.command.isEmpty {
            throw SettingError(key: "mcp.servers.\(server.name).command", message: "must be set")
        }
    }

    /// Every key and its value as text, for `config check` (a server's environment is not shown:
    /// it may hold its credentials).
    public var values: [(key: String, value: String)] {
        var values = Self.settings.values(of: self)
        for server in servers {
            let prefix = "mcp.servers.\(server.name)."
            values.append((prefix + "command", ([server.command] + server.arguments).joined(separator: " ")))
            if !server.allow.isEmpty { values.append((prefix + "allow", server.allow.joined(separator: ","))) }
            if !server.deny.isEmpty { values.append((prefix + "deny", server.deny.joined(separator: ","))) }
            for (tool, route) in server.routes.sorted(by: { $0.key < $1.key }) { values.append((prefix + "route.\(tool)", route)) }
        }
        return values
    }
}
