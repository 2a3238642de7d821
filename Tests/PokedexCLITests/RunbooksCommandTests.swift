import Foundation
import PokedexTesting
import Testing

/// `pokedex runbooks index` and `search`, as real processes over the shipped sample runbooks.
@Suite("pokedex runbooks (CLI)")
struct RunbooksCommandTests {
    /// The repository's `runbooks/` folder: the samples a fresh install searches.
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("runbooks")

    @Test func indexesTheSamplesThenOnlyWhatChanged() async throws {
        let directory = try TemporaryDirectory(prefix: "pokedex-runbooks-cli")
        defer { directory.remove() }
        let folder = directory.url.appendingPathComponent("runbooks")
        try FileManager.default.copyItem(at: Self.samples, to: folder)
        let index = directory.path("runbooks.db")

        let first = try await ChildProcess.run(["runbooks", "index", folder.path, "--index", index])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.hasPrefix("Indexed 4 files"))
        #expect(first.stderr.contains("[4/4] ransomware-response.md"))

        try Data("binary\0junk".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        let second = try await ChildProcess.run(["runbooks", "index", folder.path, "--index", index])
        #expect(second.stdout.contains("Indexed 0 files (0 chunks), 4 unchanged, 0 removed, 1 skipped"))
        #expect(second.stdout.contains("skipped notes.txt: binary content in a text file"))
    }

    @Test func searchAnswersFromTheSamplesWithSources() async throws {
        let directory = try TemporaryDirectory(prefix: "pokedex-runbooks-cli")
        defer { directory.remove() }
        let outcome = try await ChildProcess.run(
            [
                "runbooks", "search", "--folder", Self.samples.path, "--index", directory.path("runbooks.db"),
                "who do I page for a P1 incident?",
            ])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.hasPrefix("📄 **From escalation-contacts.md:**"))
        #expect(outcome.stdout.contains("**Source"))

        let nothing = try await ChildProcess.run(
            ["runbooks", "search", "--folder", Self.samples.path, "--index", directory.path("runbooks.db"), "zyzzyva"])
        #expect(nothing.stdout == "No relevant documents found for query: 'zyzzyva'\n")
    }

    @Test func aMissingFolderIsOneClearLine() async throws {
        let directory = try TemporaryDirectory(prefix: "pokedex-runbooks-cli")
        defer { directory.remove() }
        let outcome = try await ChildProcess.run(
            ["runbooks", "index", directory.path("nope"), "--index", directory.path("runbooks.db")])
        #expect(outcome.status != 0)
        #expect(outcome.stderr == "pokedex: no runbooks folder at \(directory.path("nope"))\n")
    }

    /// Hybrid search from the command line: `runbooks index` embeds every section with the
    /// configured model (a real MiniLM), and `ask` without a language model then answers a
    /// question in words no runbook uses; with the embedding server gone it answers by keywords
    /// alone, said once on standard error.
    @Test(.enabled(if: MiniLMServer.python != nil, Comment(rawValue: MiniLMServer.missing)))
    func hybridSearchAnswersWhatKeywordsCannotAndFallsBackToThem() async throws {
        let directory = try TemporaryDirectory(prefix: "pokedex-runbooks-cli")
        defer { directory.remove() }
        let folder = directory.url.appendingPathComponent("runbooks")
        try FileManager.default.copyItem(at: Self.samples, to: folder)
        let server = try await MiniLMServer.start()
        defer { server.process.kill() }
        let environment = [
            "POKEDEX_DATABASE": directory.path("pokedex.db"), "POKEDEX_RUNBOOKS_DIR": folder.path,
            "POKEDEX_RUNBOOKS_INDEX": directory.path("runbooks.db"), "POKEDEX_LLM_PROVIDER": "none",
            "POKEDEX_WEATHER_ENABLED": "false", "POKEDEX_RUNBOOKS_EMBEDDINGS_URL": server.url + "/v1",
            "POKEDEX_RUNBOOKS_EMBEDDINGS_MODEL": "all-minilm", "POKEDEX_RUNBOOKS_EMBEDDINGS_MIN_SIMILARITY": "0.3",
        ]
        let index = try await ChildProcess.run(["runbooks", "index"], environment: environment)
        #expect(index.status == 0, "\(index.stderr)")
        #expect(index.stdout.contains("Runbook search: hybrid search (all-minilm: 18 of 18 sections embedded)."), "\(index.stdout)")

        // No word of it that the runbooks know well enough; near the ransomware runbook in meaning.
        let question = "all the files on the shared drive got scrambled overnight"
        let hybrid = try await ChildProcess.run(["ask", question], environment: environment)
        #expect(hybrid.status == 0, "\(hybrid.stderr)")
        #expect(hybrid.stdout.contains("ransomware-response.md"), "\(hybrid.stdout)")
        let embeddedBefore = try await MiniLMServer.textsEmbedded(server.url)
        #expect(embeddedBefore == 19, "18 sections once, then the question; nothing embedded twice")
        let search = try await ChildProcess.run(["runbooks", "search", question], environment: environment)
        #expect(search.stdout.hasPrefix("📄 **From ransomware-response.md:**"), "\(search.stdout)")
        let status = try await ChildProcess.run(["ask", "status"], environment: environment)
        #expect(
            status.stdout.contains("document_search: ✅ available — hybrid search (all-minilm: 18 of 18 sections embedded)"),
            "\(status.stdout)")
        let (serve, port) = try await ServeProcess.start(environment: environment)
        let page = LoopbackSocket.get(port: port, path: "/", from: "127.0.0.1") ?? ""
        serve.kill(SIGTERM)
        _ = await serve.outcome()
        #expect(page.contains("Runbook search") && page.contains("hybrid search (all-minilm: 18 of 18 sections embedded)"))

        server.process.kill()
        _ = await server.process.outcome()
        let keyword = try await ChildProcess.run(["ask", question], environment: environment)
        #expect(keyword.status == 0, "\(keyword.stderr)")
        #expect(keyword.stdout.contains("No relevant documents found"), "\(keyword.stdout)")
        let said = keyword.stderr.components(separatedBy: "\n").filter { $0.contains("keyword-only") }
        #expect(said.count == 1, "\(keyword.stderr)")
        #expect(!keyword.stderr.contains(server.url), "the log names the model, not where it is")
        // A new process's status asks the embedding model rather than trusting it is there.
        let down = try await ChildProcess.run(["ask", "status"], environment: environment)
        #expect(
            down.stdout.contains("document_search: ✅ available — keyword search only: cannot reach the embedding model"),
            "\(down.stdout)")
    }
}
