import ArgumentParser
import Foundation
import PokedexSessions

#if canImport(Glibc)
    import Glibc
#endif

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
            let target = URL(fileURLWithPath: output).resolvingSymlinksInPath()
            var info = stat()
            if stat(target.path, &info) == 0, info.st_mode & S_IFMT != S_IFREG {
                guard info.st_mode & S_IFMT != S_IFDIR else { throw CommandError("cannot write \(output): it is a folder") }
                // A device or a pipe (/dev/stdout, a FIFO into gzip) is written in place: renaming
                // over it would put a regular file where it was.
                let file = try OutputFile(path: target.path, flags: O_WRONLY, shownAs: output)
                defer { file.close() }
                let count = try await sessions.export(only: key, layout: format) { try file.write($0) }
                if let key, count == 0 { throw CommandError("no session for \(key)") }
                return FileHandle.standardError.write(Data("Exported \(count) session\(count == 1 ? "" : "s") to \(output)\n".utf8))
            }
            // A file (or a link's file) is written beside itself, synced, then renamed over it
            // (rename(2) replaces a file atomically): an existing backup is replaced only by a
            // complete new one.
            let folder = target.deletingLastPathComponent()
            let partial = folder.appendingPathComponent(".\(target.lastPathComponent).partial")
            unlink(partial.path)
            let file = try OutputFile(path: partial.path, flags: O_WRONLY | O_CREAT | O_EXCL, shownAs: output)
            do {
                defer { file.close() }
                let count = try await sessions.export(only: key, layout: format) { try file.write($0) }
                try file.synchronize()
                if let key, count == 0 { throw CommandError("no session for \(key)") }
                guard rename(partial.path, target.path) == 0 else {
                    throw CommandError("cannot write \(output): \(String(cString: strerror(errno)))")
                }
                // The rename itself reaches the disk with its folder.
                let directory = open(folder.path, O_RDONLY)
                if directory >= 0 {
                    _ = fsync(directory)
                    _ = Glibc.close(directory)
                }
                FileHandle.standardError.write(
                    Data("Exported \(count) session\(count == 1 ? "" : "s") to \(output)\n".utf8))
            } catch {
                unlink(partial.path)
                throw error
            }
        }
    }

    /// A file written with POSIX calls, so a failure says what the system said ("No space left on
    /// device"), never Foundation's `Error Domain=NSCocoaErrorDomain Code=…`.
    struct OutputFile {
        let descriptor: Int32
        let shownAs: String

        init(path: String, flags: Int32, shownAs: String) throws {
            descriptor = open(path, flags | O_CLOEXEC, 0o600)
            self.shownAs = shownAs
            guard descriptor >= 0 else { throw failure() }
        }

        func write(_ data: Data) throws {
            try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
                var offset = 0
                while offset < buffer.count {
                    let written = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw failure()
                    }
                    offset += written
                }
            }
        }

        func synchronize() throws {
            guard fsync(descriptor) == 0 else { throw failure() }
        }

        func close() { _ = Glibc.close(descriptor) }

        private func failure() -> CommandError {
            CommandError("cannot write \(shownAs): \(String(cString: strerror(errno)))")
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
