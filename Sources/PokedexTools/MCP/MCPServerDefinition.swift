import Foundation
import PokedexRecovery

/// An MCP server whose tools Pokedex uses (`[[mcp.servers]]` in the configuration): a program it
/// starts and speaks to over stdio, or a Streamable HTTP URL.
public struct MCPServerDefinition: Sendable, Equatable {
    /// What its tools are namespaced by (`NAME.tool`, offered to models as `NAME_tool`) and its
    /// breaker is known by (`mcp_NAME`).
    public var name: String
    /// The program that serves it over stdio (found on `PATH`), and its arguments.
    public var command = ""
    public var arguments: [String] = []
    /// Variables for the program: nothing of Pokedex's own environment (its secrets) is passed,
    /// only `PATH`, `HOME`, `LANG`, `TMPDIR` and these.
    public var environment: [String: String] = [:]
    /// Or the URL of its Streamable HTTP endpoint, and the file holding its bearer token.
    public var url = ""
    public var tokenFile = ""
    /// Only these of its tools (all when empty), never these.
    public var allow: [String] = []
    public var deny: [String] = []
    /// Questions that go straight to one of its tools (by the tool's own name): the regular
    /// expression's first capture group becomes the tool's first required argument.
    public var routes: [String: String] = [:]
    /// The kind of thing each of its tools looks up (by the tool's own name): a question that
    /// names one (an IP, a hash, a domain…) goes to the tool, its first required argument (SPEC 3.2).
    public var entities: [String: EntityKind] = [:]

    public init(name: String) { self.name = name }

    /// The recovery service of its tools: its own policy and breaker.
    public var service: ToolName { ToolName(rawValue: "mcp_\(name)") }

    /// Whether a tool it offers may be used.
    public func admits(_ tool: String) -> Bool {
        (allow.isEmpty || allow.contains(tool)) && !deny.contains(tool)
    }

    /// Where it is, for status lines that others may read: the program's name, or the URL's
    /// scheme, host and port — never arguments, paths or query strings (they may hold credentials).
    public var location: String {
        guard !url.isEmpty else { return "stdio: " + (command.split(separator: "/").last.map(String.init) ?? command) }
        guard let parts = URLComponents(string: url), let scheme = parts.scheme, let host = parts.host else { return "http" }
        return "\(scheme)://\(host)\(parts.port.map { ":\($0)" } ?? "")"
    }
}
