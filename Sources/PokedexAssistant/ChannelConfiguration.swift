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

    /// Every `server.*` setting but the principals' and the JWTs' (``AccessConfiguration``).
    public static let settings = SettingsTable<ServerConfiguration>([
        .text("server.host", "POKEDEX_SERVER_HOST", \.host, required: true),
        .integer("server.port", "POKEDEX_SERVER_PORT", \.port, in: 0...65535),
        .integer("server.max_body_bytes", "POKEDEX_SERVER_MAX_BODY_BYTES", \.maxBodyBytes, in: 1...(1 << 30)),
        .duration("server.grace_period", "POKEDEX_SERVER_GRACE_PERIOD", \.gracePeriod, in: .milliseconds(100)...(.seconds(3600))),
        .boolean("server.access_log", "POKEDEX_SERVER_ACCESS_LOG", \.accessLog),
        .duration("server.header_timeout", "POKEDEX_SERVER_HEADER_TIMEOUT", \.headerTimeout, in: .milliseconds(100)...(.seconds(3600))),
        .duration("server.idle_timeout", "POKEDEX_SERVER_IDLE_TIMEOUT", \.idleTimeout, in: .milliseconds(100)...(.seconds(86400))),
        .duration("server.body_timeout", "POKEDEX_SERVER_BODY_TIMEOUT", \.bodyTimeout, in: .milliseconds(100)...(.seconds(3600))),
        .integer("server.max_connections", "POKEDEX_SERVER_MAX_CONNECTIONS", \.maxConnections, in: 1...1_000_000),
        .integer(
            "server.max_connections_per_client", "POKEDEX_SERVER_MAX_CONNECTIONS_PER_CLIENT", \.maxConnectionsPerClient,
            in: 1...1_000_000),
    ])

    /// The environment variables of the server's settings, the access settings' included.
    public static var variables: [String] { settings.variables + AccessConfiguration.settings.variables }

    public mutating func set(_ key: String, to value: String) throws(SettingError) {
        if AccessConfiguration.handles(key) { return try access.set(key, to: value) }
        guard try Self.settings.set(key, to: value, in: &self) else {
            throw SettingError(key: key, message: "is not a server setting")
        }
    }

    /// Applies the `POKEDEX_SERVER_*`, `POKEDEX_API_TOKENS` and `POKEDEX_JWT_*` variables.
    public mutating func apply(environment: [String: String]) throws(SettingError) {
        try Self.settings.apply(environment: environment, to: &self)
        try AccessConfiguration.settings.apply(environment: environment, to: &access)
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

    public var values: [(key: String, value: String)] { Self.settings.values(of: self) + access.values }
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

    /// How Webex reaches the bot.
    public enum Mode: String, Sendable, CaseIterable {
        /// `webhook` when a public URL or a webhook secret is configured (both only serve webhooks),
        /// else `websocket`.
        case auto
        /// Webex posts to `/webhooks/webex` at `webex.public_url` (needs inbound HTTPS).
        case webhook
        /// The bot registers a device and listens on its websocket (outbound only).
        case websocket
    }

    /// `webex.mode`, `POKEDEX_WEBEX_MODE`.
    public var mode = Mode.auto
    /// The public HTTPS URL of `/webhooks/webex`, when Webex can reach this server. `webex.public_url`.
    public var publicURL = ""
    /// Webex Device Management, where the websocket device is registered. `webex.device_url`.
    public var deviceURL = "https://wdm-a.wbx2.com/wdm/api/v1"
    /// The name of the bot's device, reused across restarts. `webex.device_name`.
    public var deviceName = "pokedex"
    /// How often a ping is sent on the websocket. `webex.heartbeat`.
    public var heartbeat: Duration = .seconds(15)
    /// No frame (not even a pong) for this long: the connection is dead; reconnect. `webex.idle_timeout`.
    public var idleTimeout: Duration = .seconds(45)
    /// Longest wait between reconnection attempts (the backoff starts at a second). `webex.max_reconnect_delay`.
    public var maxReconnectDelay: Duration = .seconds(60)
    /// After a (re)connection, messages this recent that were not answered are answered.
    /// `webex.catch_up_window`.
    public var catchUpWindow: Duration = .seconds(900)
    /// With several replicas, the websocket's holder renews this lease; another takes over when it
    /// expires. `webex.lease`.
    public var lease: Duration = .seconds(15)

    /// The mode in effect: `auto` is the websocket unless something only webhooks use is configured.
    public var effectiveMode: Mode {
        switch mode {
        case .auto: publicURL.isEmpty && webhookSecret.isEmpty ? .websocket : .webhook
        case let mode: mode
        }
    }

    public init() {}

    /// Every `webex.*` setting, declared once.
    public static let settings = SettingsTable<WebexConfiguration>([
        .secret("webex.token", "POKEDEX_WEBEX_TOKEN", \.token),
        .secret("webex.webhook_secret", "POKEDEX_WEBEX_WEBHOOK_SECRET", \.webhookSecret),
        .url("webex.base_url", "POKEDEX_WEBEX_BASE_URL", \.baseURL),
        .list("webex.allowed_emails", "POKEDEX_WEBEX_ALLOWED_EMAILS", \.allowedEmails, lowercased: true),
        .list("webex.allowed_domains", "POKEDEX_WEBEX_ALLOWED_DOMAINS", \.allowedDomains, lowercased: true),
        .list("webex.allowed_rooms", "POKEDEX_WEBEX_ALLOWED_ROOMS", \.allowedRooms),
        .duration("webex.redelivery_window", "POKEDEX_WEBEX_REDELIVERY_WINDOW", \.redeliveryWindow, in: .seconds(60)...(.seconds(30 * 86400))),
        .choice("webex.mode", "POKEDEX_WEBEX_MODE", \.mode),
        Setting(
            "webex.public_url", "POKEDEX_WEBEX_PUBLIC_URL",
            parse: { section, value, key throws(SettingError) in
                section.publicURL = value.trimmingCharacters(in: .whitespaces).isEmpty ? "" : try SettingParser.url(value, key: key)
            }, format: { $0.publicURL }),
        .url("webex.device_url", "POKEDEX_WEBEX_DEVICE_URL", \.deviceURL),
        .text("webex.device_name", "POKEDEX_WEBEX_DEVICE_NAME", \.deviceName, required: true),
        .duration("webex.heartbeat", "POKEDEX_WEBEX_HEARTBEAT", \.heartbeat, in: .milliseconds(100)...(.seconds(300))),
        .duration("webex.idle_timeout", "POKEDEX_WEBEX_IDLE_TIMEOUT", \.idleTimeout, in: .milliseconds(300)...(.seconds(900))),
        .duration(
            "webex.max_reconnect_delay", "POKEDEX_WEBEX_MAX_RECONNECT_DELAY", \.maxReconnectDelay,
            in: .milliseconds(100)...(.seconds(3600))),
        .duration("webex.catch_up_window", "POKEDEX_WEBEX_CATCH_UP_WINDOW", \.catchUpWindow, in: .seconds(1)...(.seconds(86400))),
        .duration("webex.lease", "POKEDEX_WEBEX_LEASE", \.lease, in: .milliseconds(500)...(.seconds(600))),
    ])

    public var enabled: Bool { !token.isEmpty }

    public mutating func set(_ key: String, to value: String) throws(SettingError) {
        guard try Self.settings.set(key, to: value, in: &self) else {
            throw SettingError(key: key, message: "is not a webex setting")
        }
    }

    /// A bot that cannot check signatures would act on anyone's forged webhook.
    public func validate() throws(SettingError) {
        if heartbeat >= idleTimeout {
            throw SettingError(
                key: "webex.idle_timeout", message: "must be longer than webex.heartbeat: a quiet connection still answers pings")
        }
        if enabled && effectiveMode == .webhook && webhookSecret.isEmpty {
            throw SettingError(
                key: "webex.webhook_secret",
                message: "must be set when the Webex bot uses webhooks: unsigned webhooks are refused")
        }
    }

    public var values: [(key: String, value: String)] { Self.settings.values(of: self) }
}
