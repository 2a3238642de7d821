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
            // Written beside the target, synced, then renamed over it (rename(2) replaces a file
            // atomically): an existing backup is replaced only by a complete new one.
            let target = URL(fileURLWithPath: output)
            let folder = target.deletingLastPathComponent()
            let partial = folder.appendingPathComponent(".\(target.lastPathComponent).partial")
            guard FileManager.default.createFile(atPath: partial.path, contents: nil),
                let handle = FileHandle(forWritingAtPath: partial.path)
            else {
                throw CommandError("cannot write \(output): cannot create a file in \(folder.path)")
            }
            do {
                let count = try await sessions.export(only: key, layout: format) { try handle.write(contentsOf: $0) }
                try handle.synchronize()
                try handle.close()
                if let key, count == 0 { throw CommandError("no session for \(key)") }
                guard rename(partial.path, target.path) == 0 else {
                    throw CommandError("cannot write \(output): \(String(cString: strerror(errno)))")
                }
                // The rename itself reaches the disk with its folder.
                let directory = open(folder.path, O_RDONLY)
                if directory >= 0 {
                    _ = fsync(directory)
                    close(directory)
                }
                FileHandle.standardError.write(
                    Data("Exported \(count) session\(count == 1 ? "" : "s") to \(output)\n".utf8))
            } catch let error as CommandError {
                try? FileManager.default.removeItem(at: partial)
                throw error
            } catch {
                try? FileManager.default.removeItem(at: partial)
                throw CommandError("cannot write \(output): \(error.localizedDescription)")
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
