import ArgumentParser
import Foundation
import PokedexAssistant
import PokedexAudit
import PokedexSessions
import PokedexSessionsPostgres
import PokedexSettings

/// `--config` and `--database`, which every command takes (SPEC 7).
struct GlobalOptions: ParsableArguments {
    @Option(
        name: .long,
        help:
            "Configuration file, TOML or YAML (default ./pokedex.toml or ./pokedex.yaml when present, or POKEDEX_CONFIG)."
    )
    var config: String?

    @Option(
        name: .long,
        help: "SQLite database path or postgres:// URL (default ./.pokedex/pokedex.db, or POKEDEX_DATABASE).")
    var database: String?

    /// Defaults, then the file, then `POKEDEX_*` variables, then `--database`. A `POKEDEX_*`
    /// variable that is no setting (a misspelling) is a warning in the log (standard error).
    func loadConfiguration() throws -> PokedexConfiguration {
        let environment = ProcessInfo.processInfo.environment
        CommandLogging.reportUnknownVariables(in: environment)
        do throws(SettingError) {
            var configuration = try PokedexConfiguration.load(file: config, environment: environment)
            if let database {
                try configuration.set("database", to: database)
            }
            return configuration
        } catch {
            throw CommandError("invalid configuration: \(error)")
        }
    }

    /// The `sessions.*` settings.
    func configuration() throws -> SessionsConfiguration {
        try loadConfiguration().sessions
    }

    /// The session store `database` names: a SQLite file, or PostgreSQL for a `postgres://` URL.
    func openStore() async throws -> any SessionStore {
        try await SessionStores.open(configuration())
    }

    /// Records an admin action of the operator at the terminal in the audit log, before it is
    /// taken: one whose record cannot be written is not taken.
    func audit(_ action: String, key: SessionKey? = nil, detail: String? = nil) throws {
        let login = loginName ?? "unknown"
        do {
            try AuditLog(path: try loadConfiguration().auditLog).append(
                AuditRecord(
                    action: action, outcome: "done",
                    caller: Caller(principal: "cli:\(login)", channel: "cli", verified: loginName != nil),
                    user: key?.user, room: key?.room, detail: detail))
        } catch let error as AuditLogError {
            throw CommandError("\(error); nothing was done")
        }
    }
}

/// `--user` and `--room`, naming one session.
struct SessionOptions: ParsableArguments {
    @Option(help: "The session's user.")
    var user: String

    @Option(help: "The session's room.")
    var room: String

    var key: SessionKey { SessionKey(user: user, room: room) }
}

/// An error the CLI reports as one line.
struct CommandError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Writes to stdout immediately (no buffering), so a reader sees each line as it happens.
func emit(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

/// JSON for `--json` output: sorted keys, ISO 8601 times.
func jsonText(_ value: some Encodable) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .custom { date, encoder in
        var container = encoder.singleValueContainer()
        try container.encode(Timestamp.iso8601(date))
    }
    return String(decoding: try encoder.encode(value), as: UTF8.self)
}
