import Foundation
import PokedexAudit
import PokedexSessions
import PokedexTesting
import Testing

/// The `pokedex sessions` commands, run as real processes on a real database file.
@Suite("pokedex sessions (CLI)")
struct SessionsCommandTests {
    let directory: TemporaryDirectory
    var database: String { directory.path("cli.db") }

    init() throws {
        directory = try TemporaryDirectory(prefix: "pokedex-cli")
    }

    private func pokedex(_ arguments: String..., stdin: String = "") async throws -> ChildProcess.Outcome {
        try await ChildProcess.run(
            ["sessions"] + arguments + ["--database", database], directory: directory.url, stdin: Data(stdin.utf8))
    }

    private func exportText() async throws -> String {
        try await pokedex("export").stdout
    }

    @Test func statsOnAFreshDatabase() async throws {
        defer { directory.remove() }
        let table = try await pokedex("stats")
        #expect(table.status == 0)
        #expect(table.stdout.contains("Sessions         0"))
        let json = try await pokedex("stats", "--json")
        let figures = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect(figures?["total_sessions"] as? Int == 0)
        #expect(figures?["total_messages"] as? Int == 0)
        #expect((figures?["database_size_bytes"] as? Int ?? 0) > 0)
        #expect(figures?["database"] as? String == database)
    }

    @Test func defaultDatabaseIsUnderTheWorkingDirectory() async throws {
        defer { directory.remove() }
        let outcome = try await ChildProcess.run(["sessions", "stats"], directory: directory.url)
        #expect(outcome.status == 0)
        #expect(FileManager.default.fileExists(atPath: directory.path(".pokedex/pokedex.db")))
    }

    @Test func addShowContextClearAndDelete() async throws {
        defer { directory.remove() }
        #expect(
            try await pokedex("add", "--user", "alice", "--room", "soc", "Is WS-1234 contained?").stdout.hasPrefix(
                "ok "))
        #expect(try await pokedex("add", "--user", "alice", "--room", "soc", "--role", "assistant", "Yes.").status == 0)
        let added = try await pokedex("add", "--user", "bob", "--room", "soc", "--stdin", stdin: "one\ntwo\nthree\n")
        #expect(added.stdout.split(separator: "\n").count == 3)

        let show = try await pokedex("show", "--user", "alice", "--room", "soc", "--json")
        let stats = try JSONSerialization.jsonObject(with: Data(show.stdout.utf8)) as? [String: Any]
        #expect(stats?["message_count"] as? Int == 2)
        #expect((stats?["recent_messages"] as? [[String: Any]])?.last?["content"] as? String == "Yes.")

        let list = try await pokedex("list")
        #expect(list.stdout.contains("alice") && list.stdout.contains("bob"))

        let context = try await pokedex("context", "--user", "bob", "--room", "soc", "--json")
        let messages = try JSONSerialization.jsonObject(with: Data(context.stdout.utf8)) as? [[String: Any]]
        #expect(messages?.compactMap { $0["content"] as? String } == ["one", "two", "three"])

        #expect(try await pokedex("clear", "--user", "bob", "--room", "soc").stdout.contains("Cleared 3 messages"))
        #expect(try await pokedex("delete", "--user", "alice", "--room", "soc").status == 0)
        let again = try await pokedex("delete", "--user", "alice", "--room", "soc")
        #expect(again.status != 0)
        #expect(again.stderr == "pokedex: no session for user 'alice' in room 'soc'\n")
        // The operator's admin actions are in the audit log, with who took them.
        let audit = try AuditLog.records(at: directory.path(".pokedex/audit.jsonl"))
        #expect(audit.map(\.action) == ["sessions.clear", "sessions.delete", "sessions.delete"])
        #expect(audit.allSatisfy { $0.channel == "cli" && $0.principal.hasPrefix("cli:") })
        #expect(audit.first?.user == "bob" && audit.first?.room == "soc")
    }

    @Test func exportToAFileAndImportIntoAnotherDatabase() async throws {
        defer { directory.remove() }
        _ = try await pokedex("add", "--user", "alice", "--room", "soc", "hello 👋 \u{0}nul")
        _ = try await pokedex("add", "--user", "alice", "--room", "soc", "--role", "assistant", "hi")
        let original = try await exportText()
        for format in ["json", "jsonl"] {
            let file = directory.path("export.\(format)")
            #expect(try await pokedex("export", "--format", format, "-o", file).status == 0)
            let other = directory.path("other-\(format).db")
            let imported = try await ChildProcess.run(["sessions", "import", file, "--database", other, "--json"])
            #expect(imported.status == 0)
            #expect(imported.stdout.contains(#""imported" : 2"#))
            let reexported = try await ChildProcess.run(["sessions", "export", "--database", other])
            #expect(reexported.stdout == original)
        }
    }

    @Test func brokenImportFileIsOneClearLineAndChangesNothing() async throws {
        defer { directory.remove() }
        _ = try await pokedex("add", "--user", "alice", "--room", "soc", "keep me")
        let before = try await exportText()
        let file = directory.path("broken.jsonl")
        let lines = [
            #"{"format":"pokedex-sessions","version":1}"#,
            #"{"user":"new","room":"r","messages":[{"role":"user","content":"a","timestamp":"2026-11-25T09:00:00Z"}]}"#,
            #"{"user":"new","room":"r","messages":[{"role":"wizard","content":"b","timestamp":"2026-11-25T09:00:00Z"}]}"#,
        ]
        try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: file))

        let outcome = try await pokedex("import", file)
        #expect(outcome.status != 0)
        #expect(outcome.stderr.split(separator: "\n").count == 1)
        #expect(outcome.stderr.contains("line 3"))
        #expect(outcome.stderr.contains("messages[0].role"))
        #expect(outcome.stdout.isEmpty)
        #expect(try await exportText() == before)

        let missing = try await pokedex("import", directory.path("does-not-exist.json"))
        #expect(missing.status != 0)
        #expect(missing.stderr.hasPrefix("pokedex: cannot read"))
    }

    @Test(arguments: [
        ["export", "--format", "xml"],
        ["export", "--user", "alice"],
        ["add", "--user", "alice", "--room", "soc", "--role", "wizard", "x"],
        ["add", "--user", "", "--room", "soc", "x"],
        ["show", "--user", "nobody", "--room", "nowhere"],
        ["list", "--limit", "0"],
        ["frobnicate"],
    ])
    func badArgumentsAreOneLineAndNonZero(_ arguments: [String]) async throws {
        defer { directory.remove() }
        let outcome = try await ChildProcess.run(["sessions"] + arguments + ["--database", database])
        #expect(outcome.status != 0)
        #expect(outcome.stderr.hasPrefix("pokedex: "))
        #expect(outcome.stderr.split(separator: "\n").count == 1)
        #expect(try await pokedex("stats", "--json").stdout.contains(#""total_messages" : 0"#))
    }

    @Test func invalidUTF8OnStandardInputIsRefusedNotRepaired() async throws {
        defer { directory.remove() }
        var input = Data("first ✓\n".utf8)
        input.append(contentsOf: [0x62, 0x61, 0x64, 0xFF, 0x0A])
        input.append(Data("never reached\n".utf8))
        let outcome = try await ChildProcess.run(
            ["sessions", "add", "--user", "u", "--room", "r", "--stdin", "--database", database], stdin: input)
        #expect(outcome.status != 0)
        #expect(outcome.stdout.split(separator: "\n").count == 1)
        #expect(outcome.stderr == "pokedex: standard input line 2 is not valid UTF-8; it was not stored\n")
        let context = try await pokedex("context", "--user", "u", "--room", "r", "--json")
        let messages = try JSONSerialization.jsonObject(with: Data(context.stdout.utf8)) as? [[String: Any]]
        #expect(messages?.compactMap { $0["content"] as? String } == ["first ✓"])
    }

    @Test func exportingOverTheLastBackupReplacesItWhole() async throws {
        defer { directory.remove() }
        _ = try await pokedex("add", "--user", "alice", "--room", "soc", "first")
        let file = directory.path("backup.json")
        for night in 1...3 {
            _ = try await pokedex("add", "--user", "alice", "--room", "soc", "night \(night)")
            let outcome = try await pokedex("export", "-o", file)
            #expect(outcome.status == 0, "night \(night): \(outcome.stderr)")
            #expect(try String(contentsOfFile: file, encoding: .utf8) == (try await exportText()))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.url.path).filter { $0.contains("partial") }.isEmpty)
    }

    @Test func exportWithAFailingTargetLeavesNoPartialFile() async throws {
        defer { directory.remove() }
        _ = try await pokedex("add", "--user", "alice", "--room", "soc", "x")
        let outcome = try await pokedex("export", "-o", directory.path("no/such/dir/out.json"))
        #expect(outcome.status != 0)
        #expect(outcome.stderr.hasPrefix("pokedex: cannot write"))
    }

    /// A target that is not a regular file keeps what it is: a full device is an error with the
    /// system's words (and the device stays a device), a FIFO receives the export in place, and a
    /// link's file is replaced while the link stays a link.
    @Test func exportKeepsWhatTheTargetIs() async throws {
        defer { directory.remove() }
        _ = try await pokedex("add", "--user", "alice", "--room", "soc", "kept")
        let expected = try await exportText()

        let full = try await pokedex("export", "-o", "/dev/full")
        #expect(full.status != 0)
        #expect(full.stderr == "pokedex: cannot write /dev/full: No space left on device\n", "\(full.stderr)")
        var info = stat()
        #expect(stat("/dev/full", &info) == 0 && info.st_mode & S_IFMT == S_IFCHR)

        let fifo = directory.path("pipe")
        #expect(mkfifo(fifo, 0o600) == 0)
        // Foundation will not read a FIFO as a file: a plain handle reads it to its end.
        async let read = Task.detached { FileHandle(forReadingAtPath: fifo).map { String(decoding: $0.readDataToEndOfFile(), as: UTF8.self) } }.value
        let piped = try await pokedex("export", "-o", fifo)
        #expect(piped.status == 0, "\(piped.stderr)")
        #expect(try await read == expected)
        #expect(lstat(fifo, &info) == 0 && info.st_mode & S_IFMT == S_IFIFO)

        let real = directory.path("real.json")
        let link = directory.path("latest.json")
        try Data("old".utf8).write(to: URL(fileURLWithPath: real))
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: real)
        let linked = try await pokedex("export", "-o", link)
        #expect(linked.status == 0, "\(linked.stderr)")
        #expect(lstat(link, &info) == 0 && info.st_mode & S_IFMT == S_IFLNK)
        #expect(try String(contentsOfFile: real, encoding: .utf8) == expected)

        let folder = try await pokedex("export", "-o", directory.url.path)
        #expect(folder.status != 0 && folder.stderr.contains("it is a folder"), "\(folder.stderr)")
    }
}
