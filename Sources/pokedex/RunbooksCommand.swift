import ArgumentParser
import Foundation
import Logging
import PokedexAssistant
import PokedexRecovery
import PokedexSettings
import PokedexTools

/// `pokedex runbooks …`: build and query the runbook index (SPEC 4.3).
struct RunbooksCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runbooks", abstract: "Index and search the team's runbooks.",
        subcommands: [Index.self, Search.self])

    /// Where the runbooks and their index are: options, else the configuration (`runbooks.dir`,
    /// `runbooks.index`).
    struct Location: ParsableArguments {
        @OptionGroup var global: GlobalOptions
        @Option(help: "The index file (default ./.pokedex/runbooks.db, or runbooks.index).") var index: String?

        func folder(_ argument: String?) throws -> URL {
            URL(fileURLWithPath: try argument ?? global.loadConfiguration().tools.runbooksDirectory)
        }

        func open() throws -> RunbookIndex {
            let tools = try global.loadConfiguration().tools
            return try RunbookIndex(path: index ?? tools.runbooksIndex, ranking: tools.runbookRanking)
        }

        /// The configured embedding model over `index` (as `pokedex serve` would use it); nil
        /// when there is none.
        func embeddings(_ index: RunbookIndex) async throws -> RunbookEmbeddings? {
            let configuration = try global.loadConfiguration()
            let chat = await ChatModels.make(configuration.assistant)
            guard let model = EmbeddingModels.make(configuration, chat: chat) else { return nil }
            return RunbookEmbeddings(
                model: model, index: index,
                recovery: Recovery(configuration: PokedexRuntime.recoveryConfiguration(configuration)),
                logger: Logger(label: "pokedex.runbooks"))
        }
    }

    struct Index: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bring the index up to date: new and changed files are indexed, deleted ones removed.")
        @OptionGroup var location: Location
        @Argument(help: "The runbooks folder (default ./runbooks, or POKEDEX_RUNBOOKS_DIR).") var folder: String?

        func run() async throws {
            let folder = try location.folder(folder)
            guard (try? folder.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true else {
                throw CommandError("no runbooks folder at \(folder.path)")
            }
            let progress = ProgressLine()
            let start = ContinuousClock.now
            let index = try location.open()
            let summary = try index.update(from: folder) { done, total, file in
                progress.show(done: done, of: total, file)
            }
            progress.finish()
            let seconds = (ContinuousClock.now - start).seconds
            emit(
                "Indexed \(summary.indexed.count) file\(summary.indexed.count == 1 ? "" : "s") (\(summary.chunks) chunks), "
                    + "\(summary.unchanged.count) unchanged, \(summary.removed.count) removed, "
                    + "\(summary.skipped.count) skipped, in \(String(format: "%.2f", seconds)) s."
            )
            for (file, reason) in summary.skipped {
                emit("  skipped \(file): \(reason)")
            }
            // Sections are embedded now, so that the server does not have to at its start.
            if let embeddings = try await location.embeddings(index) {
                await embeddings.catchUp()
                emit("Runbook search: \(embeddings.summary()).")
            }
        }
    }

    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Search the runbooks (the index is updated first).")
        @OptionGroup var location: Location
        @Option(help: "The runbooks folder (default ./runbooks, or POKEDEX_RUNBOOKS_DIR).") var folder: String?
        @Option(help: "How many excerpts.") var limit = 3
        @Argument(help: "The question.") var query: String

        func run() async throws {
            let index = try location.open()
            let folder = try location.folder(folder)
            if (try? folder.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true {
                _ = try index.update(from: folder)
            }
            let embeddings = try await location.embeddings(index)
            await embeddings?.catchUp()
            let vector = await embeddings?.vector(for: query)
            emit(RunbookAnswer.format(try index.search(query, limit: max(1, limit), vector: vector), query: query))
        }
    }
}

/// Indexing progress on stderr: a bar redrawn in place on a terminal, plain lines otherwise.
final class ProgressLine {
    private let isTerminal = isatty(STDERR_FILENO) == 1
    private var drawn = false

    func show(done: Int, of total: Int, _ file: String) {
        if isTerminal {
            let width = 30
            let filled = total == 0 ? width : width * done / total
            let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
            FileHandle.standardError.write(Data("\r\(bar) \(done)/\(total) \(file.cell(40))\u{1B}[K".utf8))
            drawn = true
        } else {
            FileHandle.standardError.write(Data("[\(done)/\(total)] \(file)\n".utf8))
        }
    }

    func finish() {
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }
}
