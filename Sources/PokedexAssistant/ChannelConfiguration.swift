import Foundation
import PokedexSettings

/// The HTTP server's settings (SPEC 6, 7). Without credentials the server binds loopback only.
public struct ServerConfiguration: Sendable, Equatable {
    /// `server.host`, `POKEDEX_SERVER_HOST`.
    public var host = "127.0.0.1"
    /// `server.port`, `POKEDEX_SERVER_PORT`.
    public var port = 8080
    /// Principals and JWTs: who may call the API.
    public var access = AccessConfiguration()
    /// Largest request body. `server.max_body_bytes`.
    public var maxBodyBytes = 1_048_576
    /// How long in-flight turns may run on after SIGTERM. `server.grace_period`.
    public var gracePeriod: Duration = .seconds(10)
    /// A new connection must have sent a whole request head by then. `server.header_timeout`.
    public var headerTimeout: Duration = .seconds(10)
    /// A connection with no request in progress is closed after this. `server.idle_timeout`.
    public var idleTimeout: Duration = .seconds(60)
    /// A request body must have arrived whole by then. `server.body_timeout`.
    public var bodyTimeout: Duration = .seconds(30)
    /// Open connections at most; more wait to be accepted. `server.max_connections`.
    public var maxConnections = 1024
    /// Open connections from one client address at most; more are closed at once.
    /// `server.max_connections_per_client` (a reverse proxy counts as one client).
    public var maxConnectionsPerClient = 256
    /// One `info` line per request: method, route, status, duration, principal, request id.
    /// `server.access_log`, `POKEDEX_SERVER_ACCESS_LOG`; off by default.
    public var accessLog = false

    public init() {}

    public static let environmentKeys: [(key: String, variable: String)] =
        [
            ("server.host", "POKEDEX_SERVER_HOST"), ("server.port", "POKEDEX_SERVER_PORT"),
            ("server.max_body_bytes", "POKEDEX_SERVER_MAX_BODY_BYTES"),
            ("server.grace_period", "POKEDEX_SERVER_GRACE_PERIOD"),
            ("server.access_log", "POKEDEX_SERVER_ACCESS_LOG"),
            ("server.header_timeout", "POKEDEX_SERVER_HEADER_TIMEOUT"),
            ("server.idle_timeout", "POKEDEX_SERVER_IDLE_TIMEOUT"),
            ("server.body_timeout", "POKEDEX_SERVER_BODY_TIMEOUT"),
            ("server.max_connections", "POKEDEX_SERVER_MAX_CONNECTIONS"),
            ("server.max_connections_per_client", "POKEDEX_SERVER_MAX_CONNECTIONS_PER_CLIENT"),
        ] + AccessConfiguration.environmentKeys

    public mutating func set(_ key: String, to value: String) throws(SettingError) {
        if AccessConfiguration.handles(key) { return try access.set(key, to: value) }
        switch key {
        case "server.host":
            host = value.trimmingCharacters(in: .whitespaces)
            if host.isEmpty { throw SettingError(key: key, message: "must not be empty") }
        case "server.port":
            port = try SettingParser.integer(value, key: key)
            if port > 65535 {
                throw SettingError(key: key, message: "must be a port number up to 65535 (got '\(value)')")
            }
        case "server.max_body_bytes": maxBodyBytes = try SettingParser.integer(value, key: key)
        case "server.access_log": accessLog = try SettingParser.boolean(value, key: key)
        case "server.grace_period":
            gracePeriod = try SettingParser.duration(value, key: key, in: .milliseconds(100)...(.seconds(3600)))
        case "server.header_timeout": headerTimeout = try SettingParser.duration(value, key: key)
        case "server.idle_timeout": idleTimeout = try SettingParser.duration(value, key: key)
        case "server.body_timeout": bodyTimeout = try SettingParser.duration(value, key: key)
        case "server.max_connections": maxConnections = try SettingParser.integer(value, key: key)
        case "server.max_connections_per_client": maxConnectionsPerClient = try SettingParser.integer(value, key: key)
        default: throw SettingError(key: key, message: "is not a server setting")
        }
    }

    /// True for 127.0.0.0/8, ::1 and localhost.
    public var bindsLoopbackOnly: Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Without credentials, anything but loopback would expose the API to the network.
    public func validate() throws(SettingError) {
        if !access.requiresCredentials && !bindsLoopbackOnly {
            throw SettingError(
                key: "server.host",
                message:
                    "is \(host), but without API credentials (POKEDEX_API_TOKENS, server.principals or server.jwt) the server binds loopback only"
            )
        }
        try access.validate()
    }

    public var values: [(key: String, value: String)] {
        [
            ("server.host", host), ("server.port", "\(port)"),
            ("server.max_body_bytes", "\(maxBodyBytes)"), ("server.grace_period", SettingParser.text(gracePeriod)),
            ("server.access_log", "\(accessLog)"),
            ("server.header_timeout", SettingParser.text(headerTimeout)),
            ("server.idle_timeout", SettingParser.text(idleTimeout)),
            ("server.body_timeout", SettingParser.text(bodyTimeout)),
            ("server.max_connections", "\(maxConnections)"),
            ("server.max_connections_per_client", "\(maxConnectionsPerClient)"),
        ] + access.values
    }
}

/// The Webex bot's settings (SPEC 5, 7). Without a token the channel is off.
public struct WebexConfiguration: Sendable, Equatable {
    /// `webex.token`, `POKEDEX_WEBEX_TOKEN`; a secret.
    public var token = Secret("")
    /// `webex.webhook_secret`, `POKEDEX_WEBEX_WEBHOOK_SECRET`; a secret.
    public var webhookSecret = Secret("")
    /// `webex.base_url`, `POKEDEX_WEBEX_BASE_URL` (including `/v1`).
    public var baseURL = "https://webexapis.com/v1"
    /// `webex.allowed_emails`, `POKEDEX_WEBEX_ALLOWED_EMAILS`.
    public var allowedEmails: [String] = []
    /// `webex.allowed_domains`, `POKEDEX_WEBEX_ALLOWED_DOMAINS`.
    public var allowedDomains: [String] = []
    /// `webex.allowed_rooms`, `POKEDEX_WEBEX_ALLOWED_ROOMS`.
    public var allowedRooms: [String] = []
    /// How long a message id is remembered, so a redelivered message is not answered again.
    /// `webex.redelivery_window`.
    public var redeliveryWindow: Duration = .seconds(86_400)

    public init() {}

    public static let environmentKeys: [(key: String, variable: String)] = [
        ("webex.token", "POKEDEX_WEBEX_TOKEN"), ("webex.webhook_secret", "POKEDEX_WEBEX_WEBHOOK_SECRET"),
        ("webex.base_url", "POKEDEX_WEBEX_BASE_URL"), ("webex.allowed_emails", "POKEDEX_WEBEX_ALLOWED_EMAILS"),
        ("webex.allowed_domains", "POKEDEX_WEBEX_ALLOWED_DOMAINS"),
        ("webex.allowed_rooms", "POKEDEX_WEBEX_ALLOWED_ROOMS"),
        ("webex.redelivery_window", "POKEDEX_WEBEX_REDELIVERY_WINDOW"),
    ]

    public var enabled: Bool { !token.isEmpty }

    public mutating func set(_ key: String, to value: String) throws(SettingError) {
        switch key {
        case "webex.token": token = Secret(value.trimmingCharacters(in: .whitespaces))
        case "webex.webhook_secret": webhookSecret = Secret(value.trimmingCharacters(in: .whitespaces))
        case "webex.base_url":
            let trimmed = value.trimmingCharacters(in: .whitespaces)
            guard let url = URL(string: trimmed), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw SettingError(key: key, message: "must be an http or https URL (got '\(value)')")
            }
            baseURL = trimmed.hasSuffix("/") ? String(trimmed.dropLast()) : trimmed
        case "webex.allowed_emails": allowedEmails = SettingParser.list(value).map { $0.lowercased() }
        case "webex.allowed_domains": allowedDomains = SettingParser.list(value).map { $0.lowercased() }
        case "webex.allowed_rooms": allowedRooms = SettingParser.list(value)
        case "webex.redelivery_window": redeliveryWindow = try SettingParser.duration(value, key: key)
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
            ("webex.token", token.description), ("webex.webhook_secret", webhookSecret.description), ("webex.base_url", baseURL),
            ("webex.allowed_emails", allowedEmails.joined(separator: ",")),
            ("webex.allowed_domains", allowedDomains.joined(separator: ",")),
            ("webex.allowed_rooms", allowedRooms.joined(separator: ",")),
            ("webex.redelivery_window", SettingParser.text(redeliveryWindow)),
        ]
    }
}
