import ArgumentParser
import Foundation
import Logging
import PokedexAssistant
import PokedexLLM
import PokedexRecovery
import PokedexTools

/// `pokedex-bench retrieval`: how well runbook search finds the section that answers a question
/// (recall@1, recall@3, MRR) and says so when none does (no-answer precision and recall), over the
/// labelled questions of `evaluation/runbook-questions.json` (tuned on) and
/// `evaluation/runbook-questions-heldout.json` (never tuned on: the headline) — on the runbooks alone, and again
/// among generated runbooks that answer none of them. Also shows what each no-answer threshold
/// would give, which is how the shipped one was chosen. With an embedding server
/// (`--embeddings-url`) it measures hybrid search (keywords and meaning, fused) beside keyword
/// search alone. A team can point it at its own runbooks, questions and embedding model.
struct RetrievalBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrieval", abstract: "Measure how well runbook search answers a labelled set of questions.")

    @Option(help: "The runbooks folder.") var runbooks = "runbooks"
    @Option(help: "The labelled questions the ranking may be tuned on.") var questions = "evaluation/runbook-questions.json"
    @Option(help: "Labelled questions never tuned on (\"\" for none); only their figures are printed, not their misses.")
    var heldOut = "evaluation/runbook-questions-heldout.json"
    @Option(help: "Generated runbooks asked among in the second run (0: none).") var distractors = 200
    @Option(help: "Where to write the JSON results.") var output = "bench-results/retrieval.json"
    @Option(help: "An embedding server, to measure hybrid search too (e.g. http://127.0.0.1:11434, or …/v1).")
    var embeddingsURL: String?
    @Option(help: "Its wire format: ollama or openai (default: a URL ending in /v1 is openai).")
    var embeddingsProvider: String?
    @Option(help: "The embedding model (default: nomic-embed-text on Ollama, text-embedding-3-small on OpenAI).")
    var embeddingsModel: String?

    mutating func run() async throws {
        let evaluation = try RunbookEvaluation(
            contentsOf: URL(fileURLWithPath: questions), heldOut: heldOut.isEmpty ? nil : URL(fileURLWithPath: heldOut))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pokedex-bench-\(UUID().uuidString)")
        let folder = directory.appendingPathComponent("runbooks")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.copyItem(at: URL(fileURLWithPath: runbooks), to: folder)
        let indexPath = directory.appendingPathComponent("runbooks.db").path

        let embedder = try embeddingModel()
        // Each question is embedded once, whichever corpus it is asked in.
        var questionVectors: [String: RunbookIndex.QueryVector] = [:]
        var results: [String: Any] = [:]
        func measure(_ corpus: String) async throws {
            let index = try RunbookIndex(path: indexPath)
            let summary = try index.update(from: folder)
            print("\n\(corpus): \(summary.indexed.count) files, \(try index.counts().chunks) sections")
            var entry: [String: Any] = [:]
            if let embedder {
                let recovery = Recovery(configuration: ToolSet.recoveryConfiguration())
                let embeddings = RunbookEmbeddings(
                    model: embedder, index: index, recovery: recovery, logger: Logger(label: "pokedex-bench"))
                let start = ContinuousClock.now
                guard await embeddings.catchUp() else { throw BenchmarkError("the embedding server did not embed the runbooks: \(embeddings.summary())") }
                print("  embedded in \(ContinuousClock.now - start): \(embeddings.summary())")
                for question in evaluation.questions where questionVectors[question.q] == nil {
                    guard let vector = await embeddings.vector(for: question.q) else {
                        throw BenchmarkError("the embedding server did not embed a question: \(embeddings.summary())")
                    }
                    questionVectors[question.q] = vector
                }
                let hybrid = try report("hybrid (BM25 + embeddings)", key: "hybrid", evaluation) {
                    try index.search($0, limit: 10, vector: questionVectors[$0])
                }
                let chosen = RunbookIndex.Ranking()
                let similarity = try sweep(
                    "similarity threshold (answered when words are covered or a section is this near)",
                    stride(from: 0.25, through: 0.71, by: 0.05).map { $0 }, key: "value", digits: 2,
                    current: chosen.minimumSimilarity, evaluation, indexPath: indexPath, vectors: questionVectors
                ) { $0.minimumSimilarity = $1 }
                let weight = try sweep(
                    "meaning weight (against 1 for keywords, in reciprocal rank fusion)", [0.25, 0.5, 0.75, 1, 1.5, 2],
                    key: "value", digits: 2, current: chosen.meaningWeight, evaluation, indexPath: indexPath,
                    vectors: questionVectors
                ) { $0.meaningWeight = $1 }
                entry = hybrid.figures.merging([
                    "hybrid_misses_tuned_on": hybrid.misses, "similarity_sweep": similarity, "meaning_weight_sweep": weight,
                ]) { $1 }
            }
            let keyword = try report("keyword (BM25)", key: "keyword", evaluation) { try index.search($0, limit: 10) }
            let coverage = try sweep(
                "no-answer threshold", stride(from: 0.0, through: 0.8, by: 0.1).map { $0 }, key: "threshold", digits: 1,
                current: RunbookIndex.Ranking().minimumCoverage, evaluation, indexPath: indexPath, vectors: nil
            ) { $0.minimumCoverage = $1 }
            results[corpus] = entry.merging(keyword.figures) { $1 }
                .merging(["misses_tuned_on": keyword.misses, "threshold_sweep": coverage]) { $1 }
        }
        print("\(evaluation.questions.count) questions, \(evaluation.questions.filter(\.a.isEmpty).count) that no runbook answers")
        try await measure("runbooks")
        if distractors > 0 {
            _ = try GeneratedRunbooks(seed: 2026).write(megabytes: max(1, distractors / 40), files: distractors, into: folder)
            try await measure("runbooks among \(distractors) generated")
        }
        let document: [String: Any] = [
            "benchmark": "retrieval", "date": ISO8601DateFormatter().string(from: Date()), "machine": machineDescription(),
            "questions": evaluation.questions.count, "no_answer_threshold": RunbookIndex.Ranking().minimumCoverage,
            "similarity_threshold": RunbookIndex.Ranking().minimumSimilarity,
            "meaning_weight": RunbookIndex.Ranking().meaningWeight,
            "embedding_model": embedder.map { "\($0.provider) \($0.model)" } ?? "none", "results": results,
        ]
        let url = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys]).write(to: url)
        print("\nWrote \(output)")
    }

    /// Every question searched once by `search`: the figures for all questions, the tuned-on and
    /// the held-out ones (under `key`, `key_tuned_on`, `key_held_out`), printed with the misses.
    func report(
        _ mode: String, key: String, _ evaluation: RunbookEvaluation, search: (String) throws -> [RunbookIndex.Hit]
    ) throws -> (figures: [String: Any], misses: [String]) {
        var answers: [String: [RunbookIndex.Hit]] = [:]
        func answer(_ question: String) throws -> [RunbookIndex.Hit] {
            if let known = answers[question] { return known }
            let hits = try search(question)
            answers[question] = hits
            return hits
        }
        let figures = try evaluation.figures(answer)
        let tuned = try evaluation.heldOut(false).figures(answer)
        let heldOut = try evaluation.heldOut(true).figures(answer)
        print(Self.line("\(mode), held out (\(evaluation.heldOut(true).questions.count), the headline)", heldOut))
        print(Self.line("  tuned on (\(evaluation.heldOut(false).questions.count))", tuned))
        print(Self.line("  all", figures))
        // Only the tuned-on misses are printed: reading the held-out ones would be tuning on them.
        for miss in tuned.misses { print("    miss: \(miss)") }
        let numbers: [String: Any] = [
            key: Self.numbers(figures), "\(key)_tuned_on": Self.numbers(tuned), "\(key)_held_out": Self.numbers(heldOut),
        ]
        return (numbers, tuned.misses)
    }

    /// What each value of one ranking figure would give (the shipped value marked `*`): keyword
    /// search without `vectors`, hybrid with them.
    func sweep(
        _ title: String, _ values: [Double], key: String, digits: Int, current: Double, _ evaluation: RunbookEvaluation,
        indexPath: String, vectors: [String: RunbookIndex.QueryVector]?, _ set: (inout RunbookIndex.Ranking, Double) -> Void
    ) throws -> [[String: Double]] {
        print("  \(title):")
        var rows: [[String: Double]] = []
        for value in values {
            var ranking = RunbookIndex.Ranking()
            set(&ranking, value)
            let candidate = try RunbookIndex(path: indexPath, ranking: ranking)
            // Thresholds are chosen on the questions tuned on; the held-out ones only report.
            let swept = try evaluation.heldOut(false).figures { try candidate.search($0, limit: 10, vector: vectors?[$0]) }
            print(String(format: "    %.\(digits)f%@ ", value, abs(value - current) < 0.001 ? "*" : " ") + Self.line("", swept))
            rows.append([key: value].merging(Self.numbers(swept)) { $1 })
        }
        return rows
    }

    /// The embedding model the options name, read as `runbooks.embeddings.*` would be.
    func embeddingModel() throws -> (any EmbeddingModel)? {
        guard let url = embeddingsURL else { return nil }
        var configuration = PokedexConfiguration()
        try configuration.set("runbooks.embeddings.url", to: url)
        if let embeddingsProvider { try configuration.set("runbooks.embeddings.provider", to: embeddingsProvider) }
        if let embeddingsModel { try configuration.set("runbooks.embeddings.model", to: embeddingsModel) }
        return EmbeddingModels.make(configuration, chat: nil)
    }

    static func numbers(_ figures: RunbookEvaluation.Figures) -> [String: Double] {
        [
            "recall_at_1": figures.recallAt1, "recall_at_3": figures.recallAt3, "mrr": figures.meanReciprocalRank,
            "no_answer_precision": figures.noAnswerPrecision, "no_answer_recall": figures.noAnswerRecall,
        ]
    }

    static func line(_ mode: String, _ figures: RunbookEvaluation.Figures) -> String {
        String(
            format: "%@recall@1 %.2f  recall@3 %.2f  MRR %.2f  no-answer precision %.2f, recall %.2f",
            mode.isEmpty ? "" : "  \(mode): ", figures.recallAt1, figures.recallAt3, figures.meanReciprocalRank,
            figures.noAnswerPrecision, figures.noAnswerRecall)
    }
}
