import Foundation
import PokedexRecovery
import PokedexSessions
import PokedexSettings
import PokedexTesting
import PokedexTools
import Testing

@testable import PokedexAssistant

/// The one configuration: file, environment, precedence, errors, masking.
@Suite("Configuration")
struct ConfigurationTests {
    private func load(
        _ name: String, _ text: String, environment: [String: String] = [:]
    ) throws
        -> PokedexConfiguration
    {
        let directory = try TemporaryDirectory(prefix: "pokedex-config")
        defer { directory.remove() }
        let path = directory.path(name)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return try PokedexConfiguration.load(file: path, environment: environment)
    }

    @Test func theTOMLExampleOfTheDocsLoads() throws {
        let configuration = try load(
            "pokedex.toml",
            """
            # pokedex.toml
            database = "./.pokedex/pokedex.db"

            [llm]
            provider = "openai"
            url = "http://127.0.0.1:8080/v1"   # a comment after a value
            model = "qwen2.5-7b-instruct"

            [falcon]
            base_url = "https://api.us-2.crowdstrike.com"
            client_id = "id # not a comment"
            client_secret = "s"

            [falcon.containment]
            enabled = true
            responders = [
              "alice@example.com",
              "bob@example.com",
            ]

            [recovery.crowdstrike]
            max_retries = 3
            """)
        #expect(configuration.assistant.provider == .openai)
        #expect(configuration.assistant.llmURL == "http://127.0.0.1:8080/v1")
        #expect(configuration.tools.falconClientID == "id # not a comment")
        #expect(configuration.tools.containmentEnabled)
        #expect(configuration.tools.containmentResponders == ["alice@example.com", "bob@example.com"])
        #expect(configuration.recovery.policy(for: .crowdstrike).maxRetries == 3)
    }

    @Test func theYAMLExampleOfTheDocsLoads() throws {
        let configuration = try load(
            "pokedex.yaml",
            """
            llm:
              provider: openai
              url: http://127.0.0.1:8080/v1
            falcon:
              client_id: abc
              client_secret: "s3cret"
              containment:
                enabled: true
                responders:
                  - alice@example.com
                  - bob@example.com
            sessions:
              max_messages: 40
            """)
        #expect(configuration.assistant.llmURL == "http://127.0.0.1:8080/v1")
        #expect(configuration.tools.containmentResponders == ["alice@example.com", "bob@example.com"])
        #expect(configuration.sessions.maxMessages == 40)
    }

    @Test func theEnvironmentOverridesTheFile() throws {
        let configuration = try load(
            "pokedex.toml", "[sessions]\nmax_messages = 40\n[llm]\nmodel = \"a\"\n",
            environment: [
                "POKEDEX_SESSIONS_MAX_MESSAGES": "50", "POKEDEX_LLM_MODEL": "b", "POKEDEX_BOT_NAMES": "dex, pokedex",
            ])
        #expect(configuration.sessions.maxMessages == 50)
        #expect(configuration.assistant.model == "b")
        #expect(configuration.assistant.botNames == ["dex", "pokedex"])
    }

    @Test(arguments: [
        ("pokedex.toml", "[llm]\ndeadline = 3\n", "pokedex.toml:2: llm.deadline is not an assistant setting"),
        (
            "pokedex.toml", "[assistant]\ndeadline = soon\n",
            "pokedex.toml:2: assistant.deadline must be a positive duration"
        ),
        ("pokedex.toml", "x = [1, 2\n", "pokedex.toml:1 an array is not closed"),
        ("pokedex.toml", "just text\n", "pokedex.toml:1 expected key = value"),
        ("pokedex.yaml", "llm:\n\tprovider: none\n", "pokedex.yaml:2 indent with spaces, not tabs"),
        ("pokedex.yaml", "- stray\n", "pokedex.yaml:1 a list item belongs under a key"),
        (
            "pokedex.toml", "[sessions]\ncontext_messages = 50\n",
            "sessions.context_messages (50) cannot exceed sessions.max_messages (30)"
        ),
    ])
    func mistakesNameTheFileLineAndKey(_ name: String, _ text: String, _ message: String) {
        #expect {
            try load(name, text)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    /// Every duration and whole-number setting, fed values that overflow or make no sense: an error
    /// naming the key, never a crash (`1e308` once crashed `config check` with a fatal error).
    @Test func outrageousValuesAreErrorsNamingTheKeyForEverySetting() throws {
        let configuration = PokedexConfiguration()
        let durations = configuration.effectiveValues.filter { $0.value.wholeMatch(of: /\d+(ms|s)/) != nil }.map(\.key)
        let wholeNumbers = configuration.effectiveValues.filter { $0.value.wholeMatch(of: /\d+/) != nil }.map(\.key)
        #expect(durations.count >= 15 && wholeNumbers.count >= 10)
        for key in durations {
            for value in ["1e308", "-5s", "0", "99999999999h", "soon"] {
                var changed = configuration
                #expect(throws: SettingError.self, "\(key) = \(value)") { try changed.set(key, to: value) }
                do {
                    try changed.set(key, to: value)
                } catch {
                    #expect(error.key == key && error.description.contains(value), "\(error)")
                }
            }
        }
        for key in wholeNumbers {
            for value in ["99999999999999999999999", "-1", "1.5", "many"] {
                var changed = configuration
                #expect(throws: SettingError.self, "\(key) = \(value)") { try changed.set(key, to: value) }
            }
        }
    }

    /// What `config check` prints can be set back as it is printed: the list and the setters have
    /// not drifted apart (every printed key is a setting, and every value reads back the same).
    @Test func everyPrintedValueIsASettingThatReadsBack() throws {
        let printed = PokedexConfiguration().effectiveValues.filter { !$0.value.isEmpty }
        #expect(printed.contains { $0.key == "recovery.default.jitter" } && printed.contains { $0.key == "recovery.warning_threshold" })
        var configuration = PokedexConfiguration()
        for (key, value) in printed where !value.contains("*") {
            #expect(throws: Never.self, "\(key) = \(value)") { try configuration.set(key, to: value) }
        }
        let again = configuration.effectiveValues.filter { !$0.value.isEmpty }
        #expect(again.map(\.key) == printed.map(\.key))
        #expect(again.map(\.value) == printed.map(\.value))
    }

    @Test func aKeyGivenTwiceInAFileIsAnErrorNamingBothLines() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        for (name, text) in [
            ("twice.toml", "[llm]\nmodel = \"a\"\n\n[llm]\nmodel = \"b\"\n"),
            ("twice.yaml", "llm:\n  model: a\nllm:\n  model: b\n"),
        ] {
            let path = directory.path(name)
            try Data(text.utf8).write(to: URL(fileURLWithPath: path))
            #expect(throws: SettingError.self) { _ = try ConfigurationFile(path: path) }
            do {
                _ = try ConfigurationFile(path: path)
            } catch {
                #expect("\(error)".contains("'llm.model' is set again (first on line 2)"), "\(error)")
            }
        }
    }

    /// `[[mcp.servers]]` entries read as `mcp.servers.NAME.*`: a program (with its arguments as a
    /// list) or a URL with a token file; each entry needs its name, and exactly one of the two.
    @Test func mcpServersAreArrayEntriesWithNames() throws {
        let configuration = try load(
            "pokedex.toml",
            """
            [mcp]
            responders = ["alice@example.com"]

            [[mcp.servers]]
            name = "intel"
            command = ["uvx", "intel-mcp", "--readonly"]
            env.INTEL_KEY = "k"
            deny = ["debug_dump"]

            [[mcp.servers]]
            name = "tickets"
            url = "https://tickets.example.com/mcp"
            token_file = "/run/secrets/tickets"

            [llm]
            provider = "none"
            """)
        let servers = configuration.mcp.servers
        #expect(servers.map(\.name) == ["intel", "tickets"])
        #expect(servers[0].command == "uvx" && servers[0].arguments == ["intel-mcp", "--readonly"])
        #expect(servers[0].environment == ["INTEL_KEY": "k"] && servers[0].deny == ["debug_dump"])
        #expect(servers[1].url == "https://tickets.example.com/mcp" && servers[1].tokenFile == "/run/secrets/tickets")
        #expect(configuration.mcp.responders == ["alice@example.com"])
        #expect(configuration.assistant.provider == .none, "the table after the entries is read as its own")
        // The environment of a server is never printed (it may hold its credentials).
        #expect(!configuration.effectiveValues.contains { $0.value.contains("INTEL_KEY") || $0.key.contains("env") })

        for (text, message) in [
            ("[[mcp.servers]]\ncommand = \"x\"\n", "each [[mcp.servers]] entry needs a name"),
            ("[[mcp.servers]]\nname = \"a\"\ncommand = \"x\"\nurl = \"https://h/mcp\"\n", "needs either a command or a url"),
            ("[[mcp.servers]]\nname = \"a\"\n", "needs either a command or a url"),
            ("[[mcp.servers]]\nname = \"a\"\ncommand = \"x\"\ntoken_file = \"t\"\n", "is only for a server with a url"),
            ("[[mcp.servers]]\nname = \"a\"\ncommand = \"x\"\ncolour = \"red\"\n", "is not an MCP server setting"),
        ] {
            #expect(throws: SettingError.self) { try load("pokedex.toml", text) }
            do { _ = try load("pokedex.toml", text) } catch { #expect("\(error)".contains(message), "\(error)") }
        }
    }

    @Test func aTurnDeadlineIsBetweenASecondAndAnHour() throws {
        var configuration = PokedexConfiguration()
        #expect(throws: SettingError(key: "assistant.deadline", message: "must be from 1s to 1h (got '1ms')")) {
            try configuration.set("assistant.deadline", to: "1ms")
        }
        try configuration.set("assistant.deadline", to: "45s")
        #expect(configuration.assistant.deadline == .seconds(45))
    }

    @Test func aFileThatIsNotThereOrNotTextIsAnError() throws {
        #expect(throws: SettingError.self) {
            try PokedexConfiguration.load(file: "/nonexistent/pokedex.toml", environment: [:])
        }
        #expect(throws: SettingError.self) { try load("pokedex.toml", "a = \"\u{FFFD}\"\n\u{0}") }
    }

    /// Each section's table is the only list of its keys: every variable it declares sets the key
    /// it belongs to (from the printed value of a changed configuration), and is never reported as
    /// unknown.
    @Test func everyDeclaredVariableSetsItsKey() throws {
        let tables: [[(key: String, variable: String?, secret: Bool)]] = [
            SessionsConfiguration.settings.settings.map { ($0.key, $0.variable, $0.isSecret) },
            AssistantConfiguration.settings.settings.map { ($0.key, $0.variable, $0.isSecret) },
            ServerConfiguration.settings.settings.map { ($0.key, $0.variable, $0.isSecret) },
            WebexConfiguration.settings.settings.map { ($0.key, $0.variable, $0.isSecret) },
            ToolsConfiguration.settings.settings.map { ($0.key, $0.variable, $0.isSecret) },
            RecoveryConfiguration.settings.settings.map { ($0.key, $0.variable, $0.isSecret) },
            MCPConfiguration.settings.settings.map { ($0.key, $0.variable, $0.isSecret) },
        ]
        // A value each kind of setting accepts and that differs from every default.
        let samples = [
            "database": "/tmp/other.db", "sessions.timeout": "7200s", "assistant.deadline": "45s", "llm.provider": "none",
            "llm.url": "http://127.0.0.1:9", "server.host": "127.0.0.2", "webex.base_url": "http://127.0.0.1:7/v1",
            "falcon.base_url": "http://127.0.0.1:8", "weather.url": "http://127.0.0.1:5",
            "weather.geocoding_url": "http://127.0.0.1:6", "weather.units": "celsius", "sessions.durability": "normal",
            "sessions.scope": "thread", "weather.enabled": "false", "falcon.containment.enabled": "false",
            "server.access_log": "true", "webex.redelivery_window": "7200s", "sessions.busy_timeout": "3s",
            "server.grace_period": "3s", "falcon.containment.confirmation_window": "120s", "recovery.window": "7200s",
            "recovery.cool_down": "120s", "recovery.max_cool_down": "1200s", "sessions.cleanup_interval": "1200s",
            "server.header_timeout": "3s", "server.idle_timeout": "180s", "server.body_timeout": "3s",
            "llm.context_tokens": "9000", "sessions.max_messages": "40", "sessions.context_messages": "25",
            "webex.mode": "websocket", "webex.public_url": "https://bot.example.com", "webex.device_url": "http://127.0.0.1:4",
            "webex.heartbeat": "5s", "webex.idle_timeout": "60s", "webex.max_reconnect_delay": "30s",
            "webex.catch_up_window": "600s", "webex.lease": "20s", "mcp.profile": "responder", "mcp.http": "false",
            "runbooks.embeddings.enabled": "false", "runbooks.embeddings.provider": "openai",
            "runbooks.embeddings.url": "http://127.0.0.1:3/v1", "runbooks.embeddings.min_similarity": "0.35",
        ]
        var checked = 0
        for table in tables {
            for (key, variable, secret) in table {
                let variable = try #require(variable, "\(key) has no variable")
                let value = secret ? "s3cret-value" : samples[key] ?? "7"
                // Settings that need a partner to be valid get one.
                let partners = [
                    "falcon.client_id": "POKEDEX_FALCON_CLIENT_SECRET", "falcon.client_secret": "POKEDEX_FALCON_CLIENT_ID",
                    "webex.token": "POKEDEX_WEBEX_WEBHOOK_SECRET",
                ]
                var environment = [variable: value]
                if let partner = partners[key] { environment[partner] = "partner" }
                let configuration = try load("pokedex.toml", "", environment: environment)
                let shown = configuration.effectiveValues.first { $0.key == key }?.value
                let expected = value == "s3cret-value" ? Secret.mask : value
                #expect(shown == expected, "\(variable) → \(key) shows \(shown ?? "nothing")")
                #expect(PokedexConfiguration.unknownVariables(in: [variable: value]).isEmpty, "\(variable)")
                checked += 1
            }
        }
        #expect(checked >= 50)
    }

    /// A misspelled variable was ignored in silence; now it is named with the variable it most
    /// resembles. Service fields of recovery and the variables that are no settings are known.
    @Test func unknownVariablesAreReportedWithTheNearestKnownOne() {
        let environment = [
            "POKEDEX_LLM_MODLE": "x", "POKEDEX_SESSION_TIMEOUT": "1h", "POKEDEX_NONSENSE_THING": "1",
            "POKEDEX_LLM_MODEL": "ok", "POKEDEX_RECOVERY_WEATHER_MAX_RETRIES": "1", "POKEDEX_CONFIG": "x",
            "POKEDEX_LOG_LEVEL": "info", "POKEDEX_API_TOKENS": "x", "HOME": "/root",
        ]
        let unknown = PokedexConfiguration.unknownVariables(in: environment)
        #expect(unknown.map(\.variable) == ["POKEDEX_LLM_MODLE", "POKEDEX_NONSENSE_THING", "POKEDEX_SESSION_TIMEOUT"])
        #expect(unknown.map(\.suggestion) == ["POKEDEX_LLM_MODEL", nil, "POKEDEX_SESSIONS_TIMEOUT"])
        #expect(
            PokedexConfiguration.unknownVariableWarnings(in: ["POKEDEX_LLM_MODLE": "x"])
                == ["POKEDEX_LLM_MODLE is not a Pokedex setting and is ignored (did you mean POKEDEX_LLM_MODEL?)"])
    }

    /// Every recovery field has its variable for any service, the longest field name winning
    /// (`…_MAX_DELAY` is not `…_DELAY` of a service called `…_max`).
    @Test func recoveryVariablesReachEveryFieldOfAnyService() throws {
        let configuration = try load(
            "pokedex.toml", "",
            environment: [
                "POKEDEX_RECOVERY_CROWDSTRIKE_MAX_DELAY": "7s", "POKEDEX_RECOVERY_CROWDSTRIKE_DELAY": "2s",
                "POKEDEX_RECOVERY_LLM_RETRY_AFTER_TIMEOUT": "true", "POKEDEX_RECOVERY_DEFAULT_JITTER": "0.5",
                "POKEDEX_RECOVERY_WARNING_THRESHOLD": "3", "POKEDEX_RECOVERY_WEATHER_THRESHOLD": "4",
            ])
        let values = Dictionary(uniqueKeysWithValues: configuration.effectiveValues.map { ($0.key, $0.value) })
        #expect(values["recovery.crowdstrike.max_delay"] == "7s" && values["recovery.crowdstrike.delay"] == "2s")
        #expect(values["recovery.llm.retry_after_timeout"] == "true" && values["recovery.default.jitter"] == "0.5")
        #expect(values["recovery.warning_threshold"] == "3" && values["recovery.weather.threshold"] == "4")
        #expect {
            try load("pokedex.toml", "", environment: ["POKEDEX_RECOVERY_WEATHER_PATIENCE": "1"])
        } throws: { error in
            "\(error)" == "POKEDEX_RECOVERY_WEATHER_PATIENCE is not a recovery setting"
        }
    }

    /// Numbers have upper bounds too: a port, a retry count and a token budget out of range are
    /// errors that name the range.
    @Test func wholeNumbersOutOfTheirRangeNameIt() {
        let cases = [
            ("server.port", "70000", "must be a whole number from 0 to 65535 (got '70000')"),
            ("recovery.weather.max_retries", "500", "must be a whole number from 0 to 20 (got '500')"),
            ("llm.context_tokens", "100", "must be a whole number from 256 to 100000000 (got '100')"),
            ("assistant.max_tool_rounds", "0", "must be a whole number from 1 to 50 (got '0')"),
        ]
        for (key, value, message) in cases {
            var configuration = PokedexConfiguration()
            #expect(throws: SettingError(key: key, message: message)) { try configuration.set(key, to: value) }
        }
    }

    /// Without a public URL the bot listens on the websocket; anything only webhooks use means
    /// webhooks; a webhook bot without its secret, or a heartbeat as slow as the watchdog, is refused.
    @Test func theWebexModeFollowsWhatIsConfigured() throws {
        func mode(_ environment: [String: String]) throws -> WebexConfiguration.Mode {
            try load("pokedex.toml", "", environment: environment).webex.effectiveMode
        }
        let token = ["POKEDEX_WEBEX_TOKEN": "bot-token"]
        #expect(try mode(token) == .websocket)
        #expect(try mode(token.merging(["POKEDEX_WEBEX_WEBHOOK_SECRET": "s"]) { $1 }) == .webhook)
        #expect(
            try mode(token.merging(["POKEDEX_WEBEX_PUBLIC_URL": "https://bot.example.com", "POKEDEX_WEBEX_WEBHOOK_SECRET": "s"]) { $1 })
                == .webhook)
        #expect(try mode(token.merging(["POKEDEX_WEBEX_MODE": "websocket", "POKEDEX_WEBEX_WEBHOOK_SECRET": "s"]) { $1 }) == .websocket)
        #expect(throws: SettingError.self) { try mode(token.merging(["POKEDEX_WEBEX_MODE": "webhook"]) { $1 }) }
        #expect(throws: SettingError.self) { try mode(token.merging(["POKEDEX_WEBEX_PUBLIC_URL": "https://bot.example.com"]) { $1 }) }
        #expect {
            try mode(token.merging(["POKEDEX_WEBEX_HEARTBEAT": "60s", "POKEDEX_WEBEX_IDLE_TIMEOUT": "30s"]) { $1 })
        } throws: { error in
            "\(error)".hasPrefix("webex.idle_timeout must be longer than webex.heartbeat")
        }
    }

    @Test func effectiveValuesMaskSecretsAndPasswords() throws {
        var configuration = PokedexConfiguration()
        try configuration.set("falcon.client_secret", to: "hunter2")
        try configuration.set("llm.api_key", to: "sk-live")
        try configuration.set("database", to: "postgres://pokedex:pa55@db.internal/pokedex")
        let shown = configuration.effectiveValues.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
        #expect(!shown.contains("hunter2") && !shown.contains("sk-live") && !shown.contains("pa55"))
        #expect(shown.contains("falcon.client_secret=********"))
        #expect(shown.contains("database=postgres://pokedex:***@db.internal/pokedex"))
        #expect(shown.contains("falcon.client_id="))
    }
}

/// Principals and JWTs as an operator writes them, and secrets that never print.
@Suite("Access configuration")
struct AccessConfigurationTests {
    @Test func principalsComeFromTheFileWithoutClearTokensAndNeverPrint() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        try Data("file-token-0123456789abcdef\n".utf8).write(to: directory.url.appendingPathComponent("ops.token"))
        let digest = String(repeating: "ab", count: 32)
        let file = directory.path("pokedex.toml")
        try Data(
            """
            [server.principals.alice]
            role = "user"
            identity = "alice@example.com"
            token_sha256 = "\(digest)"

            [server.principals.ops]
            role = "admin"
            token_file = "\(directory.path("ops.token"))"

            [server.jwt]
            issuer = "https://idp.example.com"
            audience = "pokedex"
            jwks_file = "/etc/pokedex/jwks.json"
            """.utf8
        ).write(to: URL(fileURLWithPath: file))
        let configuration = try PokedexConfiguration.load(
            file: file,
            environment: [
                "POKEDEX_API_TOKENS": "web:frontend:clear-token-0123456789abcdef,legacy-token-0123456789abcdef",
                "POKEDEX_FALCON_CLIENT_SECRET": "falcon-secret-XYZ", "POKEDEX_FALCON_CLIENT_ID": "id",
                "POKEDEX_WEBEX_TOKEN": "webex-token-XYZ", "POKEDEX_WEBEX_WEBHOOK_SECRET": "hook-secret-XYZ",
            ])
        let access = configuration.server.access
        #expect(access.principals.map(\.name) == ["alice", "ops", "web", "token-1"])
        #expect(access.principals[0].credential == .sha256(digest) && access.principals[0].identity == "alice@example.com")
        #expect(access.principals[1].credential == .token(Secret("file-token-0123456789abcdef")))
        #expect(access.principals[3].role == .frontend)
        #expect(access.jwt.enabled && access.requiresCredentials)
        // Every printed form of the configuration masks every secret.
        let shown = [
            configuration.effectiveValues.map { "\($0.key)=\($0.value)" }.joined(separator: "\n"),
            String(describing: configuration), String(reflecting: configuration),
        ]
        for text in shown {
            for secret in ["file-token", "clear-token", "legacy-token", "falcon-secret", "webex-token", "hook-secret"] {
                #expect(!text.contains(secret), "\(secret) shown")
            }
        }
        #expect(shown[0].contains("server.principals.alice=role user, identity alice@example.com, sha256 digest"))
    }

    @Test func badPrincipalsAndJWTSetUpsAreClearErrors() {
        let cases: [([String: String], String)] = [
            (["POKEDEX_API_TOKENS": "alice:user:tiny-tok"], "server.principals.alice"),
            (["POKEDEX_API_TOKENS": "ops:admin:sha256:1234"], "server.api_tokens"),
            (["POKEDEX_JWT_JWKS_FILE": "/k.json", "POKEDEX_JWT_AUDIENCE": "p"], "server.jwt.issuer"),
            (["POKEDEX_SERVER_HOST": "0.0.0.0"], "server.host"),
            (["POKEDEX_API_TOKENS": "a:user:tiny-tok-0123456789ab,b:admin:tiny-tok-0123456789ab"], "server.principals"),
        ]
        for (environment, key) in cases {
            do {
                _ = try PokedexConfiguration.load(file: nil, environment: environment)
                Issue.record("\(environment) was accepted")
            } catch {
                #expect(error.key == key, "\(error)")
                #expect(!"\(error)".contains("tiny-tok"))  // a token is never echoed
            }
        }
    }
}
