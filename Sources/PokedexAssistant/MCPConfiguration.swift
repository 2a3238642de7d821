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
        guard try Self.settings.set(key, to: value, in: &self) else {
            throw SettingError(key: key, message: "is not an mcp setting")
        }
    }

    public var values: [(key: String, value: String)] { Self.settings.values(of: self) }
}
