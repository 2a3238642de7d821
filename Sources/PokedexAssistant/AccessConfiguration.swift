import Foundation
import PokedexSettings

/// Who may call the HTTP API (SPEC 5.1): the principals with their credentials, and the identity
/// provider whose signed JWTs are accepted. No credential is kept in clear in the file if the
/// operator does not want it there: tokens may be given as SHA-256 digests or read from files.
public struct AccessConfiguration: Sendable, Equatable {
    /// `server.principals.NAME.*`, and the entries of `POKEDEX_API_TOKENS`.
    public var principals: [PrincipalDeclaration] = []
    /// `server.jwt.*`; off unless a key set is given.
    public var jwt = JWTConfiguration()

    public init() {}

    /// What a credential allows (SPEC 5.1).
    public enum Role: String, Sendable, CaseIterable {
        /// Bound to one identity: chats, reads and deletes only as that identity; may contain hosts
        /// when that identity is a responder.
        case user
        /// A trusted front end that authenticates its own users and states which one it speaks
        /// for; that user is not verified, so it cannot take containment actions.
        case frontend
        /// Like *user* for its own identity, plus session administration and forcing tools.
        case admin
    }

    /// How a credential is checked: the token itself (kept as a ``Secret``) or its SHA-256 digest.
    public enum Credential: Sendable, Equatable {
        case token(Secret)
        case sha256(String)

        var kind: String {
            switch self {
            case .token: "token"
            case .sha256: "sha256"
            }
        }

        /// The value, to find two principals sharing a credential (never printed).
        var comparable: String {
            switch self {
            case .token(let secret): secret.revealed
            case .sha256(let hex): hex
            }
        }
    }

    /// One principal: a name for the logs and the audit, a role, and its credential.
    public struct PrincipalDeclaration: Sendable, Equatable {
        public var name: String
        public var role: Role
        /// The user a *user* or *admin* principal is (its name unless configured).
        public var identity: String
        public var credential: Credential?

        public init(name: String, role: Role = .user, identity: String? = nil, credential: Credential? = nil) {
            self.name = name
            self.role = role
            self.identity = identity ?? name
            self.credential = credential
        }
    }

    /// Signed JWTs from the team's identity provider, verified with a maintained library.
    public struct JWTConfiguration: Sendable, Equatable {
        /// `server.jwt.issuer`: the `iss` every token must carry.
        public var issuer = ""
        /// `server.jwt.audience`: a value the token's `aud` must contain.
        public var audience = ""
        /// `server.jwt.jwks_file`: the provider's keys as a JWKS document on disk.
        public var jwksFile = ""
        /// `server.jwt.jwks_url`: or fetched from the provider (and fetched again every `refresh`).
        public var jwksURL = ""
        /// `server.jwt.user_claim`: the claim that names the user (`sub`, `email`, `preferred_username`).
        public var userClaim = "sub"
        /// `server.jwt.refresh`: how often keys from `jwks_url` are fetched again.
        public var refresh: Duration = .seconds(600)

        public init() {}

        public var enabled: Bool { !jwksFile.isEmpty || !jwksURL.isEmpty }
    }

    /// True when any credential can be presented; without one the server binds loopback only.
    public var requiresCredentials: Bool { !principals.isEmpty || jwt.enabled }

    /// The access settings with fixed keys; `server.principals.NAME.*` are read by ``set(_:to:)``.
    public static let settings = SettingsTable<AccessConfiguration>([
        // Printed as the principals it declares, never as the tokens.
        Setting(
            "server.api_tokens", "POKEDEX_API_TOKENS",
            parse: { section, value, _ throws(SettingError) in try section.setTokens(value.trimmingCharacters(in: .whitespaces)) },
            format: nil),
        .text("server.jwt.issuer", "POKEDEX_JWT_ISSUER", \.jwt.issuer),
        .text("server.jwt.audience", "POKEDEX_JWT_AUDIENCE", \.jwt.audience),
        .text("server.jwt.jwks_file", "POKEDEX_JWT_JWKS_FILE", \.jwt.jwksFile),
        .url("server.jwt.jwks_url", "POKEDEX_JWT_JWKS_URL", \.jwt.jwksURL),
        .text("server.jwt.user_claim", "POKEDEX_JWT_USER_CLAIM", \.jwt.userClaim, required: true),
        .duration("server.jwt.refresh", "POKEDEX_JWT_REFRESH", \.jwt.refresh, in: .seconds(10)...(.seconds(86400))),
    ])

    /// True for the keys this section reads.
    public static func handles(_ key: String) -> Bool {
        settings.setting(key) != nil || key.hasPrefix("server.principals.")
    }

    public mutating func set(_ key: String, to value: String) throws(SettingError) {
        guard try !Self.settings.set(key, to: value, in: &self) else { return }
        let parts = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 4, parts[0] == "server", parts[1] == "principals", !parts[2].isEmpty else {
            throw SettingError(key: key, message: "is not a server setting")
        }
        try setPrincipal(parts[2], field: parts[3], to: value.trimmingCharacters(in: .whitespaces), key: key)
    }

    /// `server.principals.NAME.role | identity | token | token_sha256 | token_file`.
    private mutating func setPrincipal(_ name: String, field: String, to value: String, key: String) throws(SettingError)
    {
        var principal = principals.first { $0.name == name } ?? PrincipalDeclaration(name: name)
        switch field {
        case "role": principal.role = try SettingParser.choice(value, key: key, as: Role.self)
        case "identity":
            guard !value.isEmpty else { throw SettingError(key: key, message: "must not be empty") }
            principal.identity = value
        case "token": principal.credential = .token(Secret(value))
        case "token_sha256": principal.credential = .sha256(try Self.digest(value, key: key))
        case "token_file": principal.credential = .token(try Self.tokenFile(value, key: key))
        default:
            throw SettingError(
                key: key, message: "is not a principal setting (role, identity, token, token_sha256, token_file)")
        }
        principals.removeAll { $0.name == name }
        principals.append(principal)
    }

    /// `POKEDEX_API_TOKENS`: comma-separated `name:role:token` or `name:role:sha256:HEX` entries.
    /// A bare token (the older form) is a *frontend* named `token-N`: it may still say which user
    /// it speaks for, but never confirms a containment or administers sessions.
    fileprivate mutating func setTokens(_ value: String) throws(SettingError) {
        var bare = 0
        for entry in SettingParser.list(value) {
            let parts = entry.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false).map(String.init)
            if parts.count == 3, let role = Role(rawValue: parts[1].lowercased()), !parts[0].isEmpty {
                let credential: Credential =
                    parts[2].lowercased().hasPrefix("sha256:")
                    ? .sha256(try Self.digest(String(parts[2].dropFirst(7)), key: "server.api_tokens"))
                    : .token(Secret(parts[2]))
                principals.removeAll { $0.name == parts[0] }
                principals.append(PrincipalDeclaration(name: parts[0], role: role, credential: credential))
            } else {
                bare += 1
                let name = "token-\(bare)"
                principals.removeAll { $0.name == name }
                principals.append(PrincipalDeclaration(name: name, role: .frontend, credential: .token(Secret(entry))))
            }
        }
    }

    private static func digest(_ value: String, key: String) throws(SettingError) -> String {
        let hex = value.lowercased()
        guard hex.count == 64, hex.allSatisfy(\.isHexDigit) else {
            throw SettingError(key: key, message: "must be a SHA-256 digest: 64 hexadecimal digits")
        }
        return hex
    }

    private static func tokenFile(_ path: String, key: String) throws(SettingError) -> Secret {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else { throw SettingError(key: key, message: "names \(path), which cannot be read") }
        return Secret(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Every principal has a credential, tokens are long enough to resist guessing, no two
    /// principals share a name's token, and a JWT set-up names its issuer and audience.
    public func validate() throws(SettingError) {
        for principal in principals {
            let key = "server.principals.\(principal.name)"
            switch principal.credential {
            case nil: throw SettingError(key: key, message: "has no token, token_sha256 or token_file")
            case .token(let token) where token.revealed.count < 16:
                throw SettingError(key: key, message: "has a token shorter than 16 characters")
            default: break
            }
            if principal.identity.contains(where: { $0.isNewline || $0.asciiValue.map { $0 < 32 } == true }) {
                throw SettingError(key: key + ".identity", message: "must not contain control characters")
            }
        }
        let credentials = principals.compactMap(\.credential)
        if Set(credentials.map { "\($0.kind):\($0.comparable)" }).count != credentials.count {
            throw SettingError(key: "server.principals", message: "must not share one token between two principals")
        }
        if jwt.enabled {
            if jwt.issuer.isEmpty {
                throw SettingError(key: "server.jwt.issuer", message: "must be set when JWTs are accepted")
            }
            if jwt.audience.isEmpty {
                throw SettingError(key: "server.jwt.audience", message: "must be set when JWTs are accepted")
            }
            if !jwt.jwksFile.isEmpty && !jwt.jwksURL.isEmpty {
                throw SettingError(key: "server.jwt.jwks_file", message: "and server.jwt.jwks_url: set only one")
            }
        }
    }

    /// For `config check`: each principal's role and identity, never its credential.
    public var values: [(key: String, value: String)] {
        let values: [(String, String)] = principals.map { principal in
            let credential =
                switch principal.credential {
                case .token?: "token " + Secret.mask
                case .sha256?: "sha256 digest"
                case nil: "none"
                }
            return (
                "server.principals.\(principal.name)",
                "role \(principal.role.rawValue), identity \(principal.identity), \(credential)"
            )
        }
        return values + Self.settings.values(of: self)
    }
}
