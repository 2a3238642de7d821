import ArgumentParser
import Foundation
import PokedexSessions

extension SessionArchive.Layout: ExpressibleByArgument {}

extension SessionsCommand {
    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export all sessions, or one, as versioned JSON or JSON Lines.")
        @OptionGroup var store: GlobalOptions
        @Option(help: "Export only this user's session (with --room).") var user: String?
        @Option(help: "Export only this room's session (with --user).") var room: String?
        @Option(help: "json or jsonl.") var format = SessionArchive.Layout.json
        @Option(name: .shortAndLong, help: "Write to this file instead of standard output.") var output: String?

        func validate() throws {
            guard (user == nil) == (room == nil) else {
                throw ValidationError("--user and --room go together")
            }
        }

        func run() async throws {
            let sessions = try await store.openStore()
            let key = user.flatMap { user in room.map { SessionKey(user: user, room: $0) } }
            guard let output else {
                let count = try await sessions.export(only: key, layout: format) { FileHandle.standardOutput.write($0) }
                if let key, count == 0 { throw CommandError("no session for \(key)") }
                return
            }
            // Write beside the target and rename, so a failed export never leaves half a file.
            let target = URL(fileURLWithPath: output)
            let partial = target.deletingLastPathComponent().appendingPathComponent(
                ".\(target.lastPathComponent).partial")
            guard FileManager.default.createFile(atPath: partial.path, contents: nil),
                let handle = FileHandle(forWritingAtPath: partial.path)
            else {
                throw CommandError("cannot write \(output)")
            }
            do {
                let count = try await sessions.export(only: key, layout: format) { try handle.write(contentsOf: $0) }
                try handle.synchronize()
                try handle.close()
                if let key, count == 0 { throw CommandError("no session for \(key)") }
                if FileManager.default.fileExists(atPath: target.path) {
                    _ = try FileManager.default.replaceItemAt(target, withItemAt: partial)
                } else {
                    try FileManager.default.moveItem(at: partial, to: target)
                }
                FileHandle.standardError.write(
                    Data("Exported \(count) session\(count == 1 ? "" : "s") to \(output)\n".utf8))
            } catch {
                try? FileManager.default.removeItem(at: partial)
                throw error
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import an export file (JSON or JSON Lines): all or nothing, never duplicating.")
        @OptionGroup var store: GlobalOptions
        @Argument(help: "The file to import, or - for standard input.") var file: String
        @Flag(help: "Print JSON.") var json = false

        func run() async throws {
            let data: Data
            if file == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let contents = FileManager.default.contents(atPath: file) else {
                    throw CommandError("cannot read \(file)")
                }
                data = contents
            }
            let sessions = try await store.openStore()
            let archive: [ArchivedSession]
            do {
                archive = try SessionArchiveReader.read(data, maxMessageBytes: sessions.configuration.maxMessageBytes)
            } catch {
                throw CommandError("\(file): \(error)")
            }
            try store.audit("sessions.import", detail: "\(archive.count) session(s) from \(file)")
            let summary = try await sessions.importSessions(archive)
            if json { return emit(try jsonText(summary)) }
            emit(
                "Imported \(summary.imported) message\(summary.imported == 1 ? "" : "s") in \(summary.sessions) session\(summary.sessions == 1 ? "" : "s")"
                    + " (\(summary.duplicates) already present, \(summary.expired) expired and skipped).")
        }
    }
}
