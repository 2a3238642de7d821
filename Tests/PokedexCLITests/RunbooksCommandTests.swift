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
}
