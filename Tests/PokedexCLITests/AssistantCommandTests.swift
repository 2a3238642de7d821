import Foundation
import PokedexTesting
import Testing

/// `pokedex ask`, `chat` and `config check` as real processes, with the scripted LLM and the
/// simulators on loopback.
@Suite("pokedex ask, chat and config (CLI)")
struct AssistantCommandTests {
    /// A working folder with the sample runbooks, and the environment that keeps state in it.
    private func workspace() throws -> (TemporaryDirectory, [String: String]) {
        let directory = try TemporaryDirectory(prefix: "pokedex-cli-assistant")
        try FileManager.default.copyItem(
            at: RunbooksCommandTests.samples, to: directory.url.appendingPathComponent("runbooks"))
        return (
            directory,
            [
                "POKEDEX_DATABASE": directory.path("pokedex.db"), "POKEDEX_RUNBOOKS_DIR": directory.path("runbooks"),
                "POKEDEX_RUNBOOKS_INDEX": directory.path("runbooks.db"), "POKEDEX_LLM_PROVIDER": "none",
                "POKEDEX_WEATHER_URL": "http://127.0.0.1:9", "POKEDEX_GEOCODING_URL": "http://127.0.0.1:9",
            ]
        )
    }

    @Test func aFreshInstallAnswersFromTheRunbooksWithoutAModel() async throws {
        let (directory, environment) = try workspace()
        defer { directory.remove() }
        let outcome = try await ChildProcess.run(
            ["ask", "--user", "alice", "what is our ransomware runbook?"], environment: environment)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.hasPrefix("ℹ️ No language model is configured"))
        #expect(outcome.stdout.contains("📄 **From ransomware-response.md:**"))
        #expect(outcome.stderr.isEmpty)
    }

    @Test func theConversationSurvivesAProcessRestart() async throws {
        let (directory, base) = try workspace()
        defer { directory.remove() }
        let llm = try await ScriptedLLMServer.start([.text("Hello Alice!"), .text("You said: Hello, I'm Alice.")])
        defer { Task { try await llm.stop() } }
        var environment = base
        environment["POKEDEX_LLM_PROVIDER"] = "openai"
        environment["POKEDEX_LLM_URL"] = llm.openAIURL
        environment["POKEDEX_LLM_MODEL"] = "scripted"
        let first = try await ChildProcess.run(
            ["ask", "--user", "alice", "Hello, I'm Alice."], environment: environment)
        #expect(first.stdout == "Hello Alice!\n", "\(first.stderr)")
        // A new process: all it knows comes from the database.
        let second = try await ChildProcess.run(
            ["ask", "--user", "alice", "--json", "What did I just say?"], environment: environment)
        #expect(second.status == 0, "\(second.stderr)")
        let reply = try JSONSerialization.jsonObject(with: Data(second.stdout.utf8)) as? [String: Any]
        #expect(reply?["reply"] as? String == "You said: Hello, I'm Alice.")
        #expect(reply?["degraded"] as? Bool == false)
        #expect(reply?["tools_used"] as? [String] == [])
        #expect(reply?["elapsed_ms"] is Int)
        let request = try #require(llm.received.last)
        #expect(
            request.messages.dropFirst().map(\.content) == [
                "Hello, I'm Alice.", "Hello Alice!", "What did I just say?",
            ])
    }

    @Test func chatReadsTurnsUntilEndOfInput() async throws {
        let (directory, environment) = try workspace()
        defer { directory.remove() }
        let outcome = try await ChildProcess.run(
            ["chat", "--user", "bob"], environment: environment,
            stdin: Data("hello\nwho do I page for a P1?\nstatus\n".utf8))
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("Language model: none — answering straight from the tools (degraded mode)"))
        #expect(outcome.stdout.contains("Hello! I'm your SOC Q&A Assistant"))
        #expect(outcome.stdout.contains("escalation-contacts.md"))
        #expect(outcome.stdout.contains("(without the language model · tools: document_search"))
        // Not a terminal: the answer's Markdown markers are left out, no escape codes are written.
        #expect(outcome.stdout.contains("📄 From escalation-contacts.md:"))
        #expect(!outcome.stdout.contains("**") && !outcome.stdout.contains("\u{1B}["))
        let stats = try await ChildProcess.run(
            ["sessions", "show", "--user", "bob", "--room", "cli"], environment: environment)
        #expect(stats.stdout.contains("6"), "\(stats.stdout)")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/script"), "util-linux's script gives a pseudo-terminal"))
    func onATerminalTheSpinnerIsClearedAndMarkdownRendered() async throws {
        let (directory, environment) = try workspace()
        defer { directory.remove() }
        // `script` runs the chat on a pseudo-terminal, as a person's terminal would.
        let outcome = try await ChildProcess.run(
            executable: URL(fileURLWithPath: "/usr/bin/script"),
            ["-q", "-e", "-c", ChildProcess.pokedexExecutable.path + " chat --user pty", "/dev/null"],
            environment: environment, stdin: Data("help\n".utf8))
        #expect(outcome.status == 0, "\(outcome.stderr)")
        let screen = outcome.stdout
        // The spinner's line is cleared before the answer is written on it.
        let answer = try #require(screen.range(of: "pokedex › "), "\(screen)")
        let spinner = try #require(screen[..<answer.lowerBound].range(of: "thinking…", options: .backwards))
        #expect(screen[spinner.upperBound..<answer.lowerBound].contains("\r\u{1B}[K"), "\(screen.debugDescription)")
        // Bold, code and lists as a terminal shows them, not as markers.
        #expect(screen.contains("pokedex › \u{1B}[1mCommands\u{1B}[22m"), "\(screen.debugDescription)")
        #expect(screen.contains("• \u{1B}[36mstatus\u{1B}[39m"))
        #expect(!screen.contains("**"))
    }

    @Test func ctrlCCancelsTheTurnNotTheProgram() async throws {
        let (directory, base) = try workspace()
        defer { directory.remove() }
        let llm = try await ScriptedLLMServer.start([.hang], otherwise: .text("Still here."))
        defer { Task { try await llm.stop() } }
        var environment = base
        environment["POKEDEX_LLM_PROVIDER"] = "openai"
        environment["POKEDEX_LLM_URL"] = llm.openAIURL
        let chat = try ChildProcess(ChildProcess.pokedexExecutable, arguments: ["chat"], environment: environment)
        chat.write(Data("this will hang\n".utf8))
        while llm.received.isEmpty { try await Task.sleep(for: .milliseconds(20)) }
        chat.kill(SIGINT)
        chat.write(Data("are you there?\n".utf8))
        chat.closeInput()
        let outcome = await chat.outcome()
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("⏹ Cancelled."))
        #expect(outcome.stdout.contains("pokedex › Still here."))
        // The cancelled turn left nothing behind; the next one was stored.
        let shown = try await ChildProcess.run(
            [
                "sessions", "show", "--user",
                ProcessInfo.processInfo.environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? "cli-user", "--room",
                "cli", "--json",
            ],
            environment: environment)
        let stats = try JSONSerialization.jsonObject(with: Data(shown.stdout.utf8)) as? [String: Any]
        #expect(stats?["message_count"] as? Int == 2, "\(shown.stdout)")
    }

    @Test func configCheckPrintsEffectiveValuesWithSecretsMasked() async throws {
        let (directory, base) = try workspace()
        defer { directory.remove() }
        let file = directory.path("pokedex.toml")
        try Data(
            """
            # Pokedex settings
            [sessions]
            max_messages = 40

            [falcon]
            client_id = "abc"
            client_secret = "super-secret-value"

            [assistant]
            bot_names = ["pokedex", "dex"]
            """.utf8
        ).write(to: URL(fileURLWithPath: file))
        var environment = base
        environment["POKEDEX_SESSIONS_CONTEXT_MESSAGES"] = "25"
        let outcome = try await ChildProcess.run(["config", "check", "--config", file], environment: environment)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("Configuration OK (file: \(file))"))
        #expect(outcome.stdout.contains("sessions.max_messages") && outcome.stdout.contains("= 40"))
        #expect(outcome.stdout.contains("= 25"))
        #expect(outcome.stdout.contains("falcon.client_secret") && outcome.stdout.contains("= ********"))
        #expect(!outcome.stdout.contains("super-secret-value"))
        #expect(outcome.stdout.contains("= pokedex,dex"))
        #expect(outcome.stdout.contains("Tool crowdstrike: on"))
        #expect(outcome.stdout.contains("Language model: none"))
    }

    @Test(arguments: [
        (
            "pokedex.toml", "[sessions]\nmax_messages = lots\n",
            "pokedex.toml:2: sessions.max_messages must be a whole number from 1 to 10000000 (got 'lots')"
        ),
        (
            "pokedex.yaml", "llm:\n  provider: gpt\n",
            "pokedex.yaml:2: llm.provider must be one of auto, ollama, openai, none"
        ),
        ("pokedex.toml", "[sessions\n", "pokedex.toml:1 expected a table header"),
        ("pokedex.toml", "colour = \"blue\"\n", "pokedex.toml:1: colour is not a setting"),
        // Swift's Double reads hexadecimal and exponents: a setting takes decimal digits only.
        (
            "pokedex.toml", "[assistant]\ndeadline = \"0x10\"\n",
            "pokedex.toml:2: assistant.deadline must be a positive duration such as 600, 90s, 10m or 24h (got '0x10')"
        ),
        (
            "pokedex.toml", "[recovery.weather]\njitter = \"1e-1\"\n",
            "pokedex.toml:2: recovery.weather.jitter must be a number from 0.0 to 1.0 (got '1e-1')"
        ),
        (
            "pokedex.toml", "[recovery.weather]\nthreshold = 0\n",
            "pokedex.toml:2: recovery.weather.threshold must be a whole number from 1 to 100000 (got '0')"
        ),
    ])
    func aBadConfigurationIsOneClearLine(_ name: String, _ text: String, _ message: String) async throws {
        let (directory, environment) = try workspace()
        defer { directory.remove() }
        try Data(text.utf8).write(to: directory.url.appendingPathComponent(name))
        let outcome = try await ChildProcess.run(
            ["config", "check"], environment: environment, directory: directory.url)
        #expect(outcome.status != 0)
        #expect(outcome.stderr.hasPrefix("pokedex: invalid configuration: "), "\(outcome.stderr)")
        #expect(outcome.stderr.contains(message), "\(outcome.stderr)")
        #expect(outcome.stderr.split(separator: "\n").count == 1)
    }

    /// `POKEDEX_LLM_MODLE=…` used to be ignored without a word: now it is a warning in the log
    /// and a line of `config check`, naming the variable it most resembles; the check still passes.
    @Test func aMisspelledVariableIsReportedNotIgnored() async throws {
        let (directory, environment) = try workspace()
        defer { directory.remove() }
        var misspelled = environment
        misspelled["POKEDEX_LLM_MODLE"] = "qwen"
        let outcome = try await ChildProcess.run(["config", "check"], environment: misspelled)
        let warning = "POKEDEX_LLM_MODLE is not a Pokedex setting and is ignored (did you mean POKEDEX_LLM_MODEL?)"
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("Warning: " + warning), "\(outcome.stdout)")
        #expect(outcome.stderr.contains("warning") && outcome.stderr.contains(warning), "\(outcome.stderr)")
        #expect(outcome.stderr.components(separatedBy: warning).count == 2, "said once: \(outcome.stderr)")
        let clean = try await ChildProcess.run(["config", "check"], environment: environment)
        #expect(clean.stderr.isEmpty && !clean.stdout.contains("Warning:"), "\(clean.stderr)")
    }

    @Test func configCheckWorksWithTheDatabaseDownAndSaysSo() async throws {
        let (directory, environment) = try workspace()
        defer { directory.remove() }
        var down = environment
        down["POKEDEX_DATABASE"] = "postgres://pokedex:not-for-the-log@127.0.0.1:9/pokedex"
        let outcome = try await ChildProcess.run(["config", "check"], environment: down)
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("Configuration OK"))
        #expect(outcome.stdout.contains("Database: cannot be opened now"), "\(outcome.stdout)")
        #expect(outcome.stdout.contains("Tool document_search: on"))
        #expect(!(outcome.stdout + outcome.stderr).contains("not-for-the-log"))
    }
}
