import Foundation
import PokedexSettings

/// The HTTP server's settings (SPEC 6, 7). Without API tokens the server binds loopback only.
public struct ServerConfiguration: Sendable, Equatable {
    /// `server.host`, `POKEDEX_SERVER_HOST`.
    public var host = "127.0.0.1"
    /// `server.port`, `POKEDEX_SERVER_PORT`.
    public var port = 8080
    /// Bearer tokens for `/api` and `/v1`; secrets. `server.api_tokens`, `POKEDEX_API_TOKENS`.
    public var apiTokens: [String] = []
    /// Largest request body. `server.max_body_bytes`.
    public var maxBodyBytes = 1_048_576
    /// How long in-flight turns may run on after SIGTERM. `server.grace_period`.
    public var gracePeriod: Duration = .seconds(10)

    public init() {}

    public static let environmentKeys: [(key: String, variable: String)] = [
        ("server.host", "POKEDEX_SERVER_HOST"), ("server.port", "POKEDEX_SERVER_PORT"),
        ("server.api_tokens", "POKEDEX_API_TOKENS"), ("server.max_body_bytes", "POKEDEX_SERVER_MAX_BODY_BYTES"),
        ("server.grace_period", "POKEDEX_SERVER_GRACE_PERIOD"),
    ]

    public static let secretKeys: Set<String> = ["server.api_tokens"]

    public mutating func set(_ key: String, to value: String) throws(SettingError) {
        switch key {
        case "server.host":
            host = value.trimmingCharacters(in: .whitespaces)
            if host.isEmpty { throw SettingError(key: key, message: "must not be empty") }
        case "server.port":
            port = try SettingParser.integer(value, key: key)
            if port > 65535 {
                throw SettingError(key: key, message: "must be a port number up to 65535 (got '\(value)')")
            }
        case "server.api_tokens": apiTokens = SettingParser.list(value)
        case "server.max_body_bytes": maxBodyBytes = try SettingParser.integer(value, key: key)
        case "server.grace_period": gracePeriod = try SettingParser.duration(value, key: key)
        default: throw SettingError(key: key, message: "is not a server setting")
        }
    }

    /// True for 127.0.0.0/8, ::1 and localhost.
    public var bindsLoopbackOnly: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Without tokens, anything but loopback would expose the API to the network.
    public func validate() throws(SettingError) {
        if apiTokens.isEmpty && !bindsLoopbackOnly {
            throw SettingError(
                key: "server.host",
                message: "is \(host), but without API tokens (POKEDEX_API_TOKENS) the server binds loopback only")
        }
        if apiTokens.contains(where: { $0.count < 16 }) {
            throw SettingError(key: "server.api_tokens", message: "each token must have at least 16 characters")
        }
    }

    public var values: [(key: String, value: String)] {
        [
            ("server.host", host), ("server.port", "\(port)"),
            ("server.api_tokens", apiTokens.isEmpty ? "" : "\(apiTokens.count) token(s)"),
            ("server.max_body_bytes", "\(maxBodyBytes)"), ("server.grace_period", SettingParser.text(gracePeriod)),
        ]
    }
}

/// The Webex bot's settings (SPEC 5, 7). Without a token the channel is off.
public struct WebexConfiguration: Sendable, Equatable {
    /// `webex.token`, `POKEDEX_WEBEX_TOKEN`; a secret.
    public var token = ""
    /// `webex.webhook_secret`, `POKEDEX_WEBEX_WEBHOOK_SECRET`; a secret.
    public var webhookSecret = ""
    /// `webex.base_url`, `POKEDEX_WEBEX_BASE_URL` (including `/v1`).
    public var baseURL = "https://webexapis.com/v1"
    /// `webex.allowed_emails`, `POKEDEX_WEBEX_ALLOWED_EMAILS`.
    public var allowedEmails: [String] = []
    /// `webex.allowed_domains`, `POKEDEX_WEBEX_ALLOWED_DOMAINS`.
    public var allowedDomains: [String] = []
    /// `webex.allowed_rooms`, `POKEDEX_WEBEX_ALLOWED_ROOMS`.
    public var allowedRooms: [String] = []

    public init() {}

    public static let environmentKeys: [(key: String, variable: String)] = [
        ("webex.token", "POKEDEX_WEBEX_TOKEN"), ("webex.webhook_secret", "POKEDEX_WEBEX_WEBHOOK_SECRET"),
        ("webex.base_url", "POKEDEX_WEBEX_BASE_URL"), ("webex.allowed_emails", "POKEDEX_WEBEX_ALLOWED_EMAILS"),
        ("webex.allowed_domains", "POKEDEX_WEBEX_ALLOWED_DOMAINS"),
        ("webex.allowed_rooms", "POKEDEX_WEBEX_ALLOWED_ROOMS"),
    ]

    public static let secretKeys: Set<String> = ["webex.token", "webex.webhook_secret"]

    public var enabled: Bool { !token.isEmpty }

    public mutating func set(_ key: String, to value: String) throws(SettingError) {
        switch key {
        case "webex.token": token = value.trimmingCharacters(in: .whitespaces)
        case "webex.webhook_secret": webhookSecret = value.trimmingCharacters(in: .whitespaces)
        case "webex.base_url":
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            guard let url = URL(string: trimmed), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw SettingError(key: key, message: "must be an http or https URL (got '\(value)')")
            }
            baseURL = trimmed.hasSuffix("/") ? String(trimmed.dropLast()) : trimmed
        case "webex.allowed_emails": allowedEmails = SettingParser.list(value).map { $0.lowercased() }
        case "webex.allowed_domains": allowedDomains = SettingParser.list(value).map { $0.lowercased() }
        case "webex.allowed_rooms": allowedRooms = SettingParser.list(value)
        default: throw SettingError(key: key, message: "is not a webex setting")
        }
    }

    /// A bot that cannot check signatures would act on anyone's forged webhook.
    public func validate() throws(SettingError) {
        if enabled && webhookSecret.isEmpty {
            throw SettingError(
                key: "webex.webhook_secret",
                message: "must be set when the Webex bot is on: unsigned webhooks are refused")
        }
    }

    public var values: [(key: String, value: String)] {
        [
            ("webex.token", token), ("webex.webhook_secret", webhookSecret), ("webex.base_url", baseURL),
            ("webex.allowed_emails", allowedEmails.joined(separator: ",")),
            ("webex.allowed_domains", allowedDomains.joined(separator: ",")),
            ("webex.allowed_rooms", allowedRooms.joined(separator: ",")),
        ]
    }
}
