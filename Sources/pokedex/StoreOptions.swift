import ArgumentParser
import Foundation
import PokedexSessions

/// Options every command that touches the session store takes.
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "SQLite database path (default ./.pokedex/pokedex.db, or POKEDEX_DATABASE).")
    var database: String?

    /// The `sessions.*` settings: defaults, then `POKEDEX_*` variables, then `--database`.
    func configuration() throws -> SessionsConfiguration {
        var configuration = SessionsConfiguration()
        try configuration.apply(environment: ProcessInfo.processInfo.environment)
        if let database {
            configuration.database = database
        }
        try configuration.validate()
        return configuration
    }

    func openStore() throws -> SQLiteSessionStore {
        try SQLiteSessionStore(configuration: configuration())
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
