import ArgumentParser
import Foundation
import PokedexSessions

/// `pokedex sessions …`: session administration (SPEC 1.4 and 7).
struct SessionsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sessions",
        abstract: "Inspect and administer stored conversations.",
        subcommands: [
            Stats.self, List.self, Show.self, Context.self, Add.self, Clear.self, Delete.self,
            Export.self, Import.self, Cleanup.self,
        ])

    struct Stats: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Figures for the whole store.")
        @OptionGroup var store: GlobalOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let stats = try await store.openStore().statistics()
            if json { return emit(try jsonText(stats)) }
            var table = TextTable("", "")
            table.add("Sessions", "\(stats.totalSessions)")
            table.add("Active sessions", "\(stats.activeSessions)")
            table.add("Messages", "\(stats.totalMessages)")
            table.add("Oldest message", stats.oldestMessage.map(Timestamp.iso8601) ?? "—")
            table.add("Newest message", stats.newestMessage.map(Timestamp.iso8601) ?? "—")
            table.add("Database", stats.database)
            table.add(
                "Database size", ByteCountFormatter.string(fromByteCount: stats.databaseSizeBytes, countStyle: .file))
            emit(table.rows.map { $0[0].padded(to: 17) + $0[1] }.joined(separator: "\n"))
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List sessions in (user, room) order.")
        @OptionGroup var store: GlobalOptions
        @Option(help: "Most sessions to list.") var limit = 100
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            guard limit > 0 else { throw CommandError("--limit must be positive") }
            let sessions = try await store.openStore().sessions(after: nil, limit: limit)
            if json { return emit(try jsonText(sessions)) }
            var table = TextTable("USER", "ROOM", "MESSAGES", "LAST MESSAGE")
            for session in sessions {
                table.add(
                    session.user.cell(40), session.room.cell(40), "\(session.messageCount)",
                    session.lastMessage.map(Timestamp.iso8601) ?? "—")
            }
            emit(sessions.isEmpty ? "No sessions." : table.rendered)
        }
    }

    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One session: figures and recent messages.")
        @OptionGroup var store: GlobalOptions
        @OptionGroup var session: SessionOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            guard let stats = try await store.openStore().statistics(for: session.key) else {
                throw CommandError("no session for \(session.key)")
            }
            if json { return emit(try jsonText(stats)) }
            emit("Session: \(session.key)")
            emit("Messages: \(stats.messageCount)")
            emit("First: \(stats.firstMessage.map(Timestamp.iso8601) ?? "—")")
            emit("Last: \(stats.lastMessage.map(Timestamp.iso8601) ?? "—")")
            emit(messageTable(stats.recentMessages))
        }
    }

    struct Context: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "The context the language model would receive.")
        @OptionGroup var store: GlobalOptions
        @OptionGroup var session: SessionOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let context = try await store.openStore().context(for: session.key)
            emit(json ? try jsonText(context) : messageTable(context))
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a message to a session.",
            discussion:
                "With --stdin, every input line is added as one message. Each message is acknowledged with 'ok <sequence>' once it is on disk."
        )
        @OptionGroup var store: GlobalOptions
        @OptionGroup var session: SessionOptions
        @Option(help: "user, assistant, system, tool_call, tool or fallback.") var role = "user"
        @Flag(help: "Add each line of standard input as a message.") var stdin = false
        @Argument(help: "The message text.") var message: String?

        func validate() throws {
            guard MessageRole(rawValue: role) != nil else {
                throw ValidationError("unknown role '\(role)' (expected one of \(MessageRole.accepted))")
            }
            guard stdin != (message != nil) else {
                throw ValidationError("give either a message or --stdin")
            }
        }

        func run() async throws {
            let sessions = try await store.openStore()
            let role = MessageRole(rawValue: role)!
            if let message {
                emit("ok \(try await sessions.append(role, message, to: session.key).sequence)")
                return
            }
            var lines = StandardInputLines()
            while let line = try lines.next() {
                emit("ok \(try await sessions.append(role, line, to: session.key).sequence)")
            }
        }
    }

    struct Clear: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a session's messages, keeping the session.")
        @OptionGroup var store: GlobalOptions
        @OptionGroup var session: SessionOptions

        func run() async throws {
            let sessions = try await store.openStore()
            try store.audit("sessions.clear", key: session.key)
            let removed = try await sessions.clear(session.key)
            emit("Cleared \(removed) message\(removed == 1 ? "" : "s") from \(session.key).")
        }
    }

    struct Delete: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a session and its messages.")
        @OptionGroup var store: GlobalOptions
        @OptionGroup var session: SessionOptions

        func run() async throws {
            let sessions = try await store.openStore()
            try store.audit("sessions.delete", key: session.key)
            guard try await sessions.delete(session.key) else {
                throw CommandError("no session for \(session.key)")
            }
            emit("Deleted \(session.key).")
        }
    }

    struct Cleanup: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete expired messages now.")
        @OptionGroup var store: GlobalOptions
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let sessions = try await store.openStore()
            try store.audit("sessions.cleanup")
            let removed = try await sessions.cleanup()
            emit(json ? #"{"removed":\#(removed)}"# : "Removed \(removed) expired message\(removed == 1 ? "" : "s").")
        }
    }
}

/// Messages as a table: sequence, time, role, text.
func messageTable(_ messages: [StoredMessage]) -> String {
    guard !messages.isEmpty else { return "No messages." }
    var table = TextTable("SEQ", "TIME", "ROLE", "CONTENT")
    for message in messages {
        table.add(
            "\(message.sequence)", Timestamp.iso8601(message.timestamp), message.role.rawValue, message.content.cell(70)
        )
    }
    return table.rendered
}
