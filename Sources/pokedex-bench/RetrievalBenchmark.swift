import ArgumentParser
import Foundation
import PokedexTools

/// `pokedex-bench retrieval`: how well runbook search finds the section that answers a question
/// (recall@1, recall@3, MRR) and says so when none does (no-answer precision and recall), over the
/// labelled questions of `evaluation/runbook-questions.json` — on the runbooks alone, and again
/// among generated runbooks that answer none of them. Also shows what each no-answer threshold
/// would give, which is how the shipped one was chosen. A team can point it at its own runbooks
/// and questions.
struct RetrievalBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retrieval", abstract: "Measure how well runbook search answers a labelled set of questions.")

    @Option(help: "The runbooks folder.") var runbooks = "runbooks"
    @Option(help: "The labelled questions.") var questions = "evaluation/runbook-questions.json"
    @Option(help: "Generated runbooks asked among in the second run (0: none).") var distractors = 200
    @Option(help: "Where to write the JSON results.") var output = "bench-results/retrieval.json"

    mutating func run() async throws {
        let evaluation = try RunbookEvaluation(contentsOf: URL(fileURLWithPath: questions))
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("pokedex-bench-\(UUID().uuidString)")
        let folder = directory.appendingPathComponent("runbooks")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.copyItem(at: URL(fileURLWithPath: runbooks), to: folder)
        let indexPath = directory.appendingPathComponent("runbooks.db").path

        var results: [String: Any] = [:]
        func measure(_ corpus: String) throws {
            let index = try RunbookIndex(path: indexPath)
            let summary = try index.update(from: folder)
            print("\n\(corpus): \(summary.indexed.count) files, \(try index.counts().chunks) sections")
            // Each question is searched once; the three sets of figures read the same answers.
            var answers: [String: [RunbookIndex.Hit]] = [:]
            func answer(_ question: String) throws -> [RunbookIndex.Hit] {
                if let known = answers[question] { return known }
                let hits = try index.search(question, limit: 10)
                answers[question] = hits
                return hits
            }
            let figures = try evaluation.figures(answer)
            print(Self.line("keyword (BM25), all", figures))
            let tuned = try evaluation.heldOut(false).figures(answer)
            let heldOut = try evaluation.heldOut(true).figures(answer)
            print(Self.line("  tuned on (\(evaluation.heldOut(false).questions.count))", tuned))
            print(Self.line("  held out (\(evaluation.heldOut(true).questions.count))", heldOut))
            for miss in figures.misses { print("    miss: \(miss)") }
            var sweep: [[String: Double]] = []
            print("  no-answer threshold:")
            for threshold in stride(from: 0.0, through: 0.8, by: 0.1) {
                let candidate = try RunbookIndex(path: indexPath, minimumCoverage: threshold)
                let swept = try evaluation.figures { try candidate.search($0, limit: 10) }
                print(String(format: "    %.1f%@ ", threshold, threshold == RunbookIndex.defaultMinimumCoverage ? "*" : " ") + Self.line("", swept))
                sweep.append(["threshold": threshold] .merging(Self.numbers(swept)) { $1 })
            }
            results[corpus] = [
                "keyword": Self.numbers(figures), "keyword_tuned_on": Self.numbers(tuned),
                "keyword_held_out": Self.numbers(heldOut), "misses": figures.misses, "threshold_sweep": sweep,
            ]
        }
        print("\(evaluation.questions.count) questions, \(evaluation.questions.filter(\.a.isEmpty).count) that no runbook answers")
        try measure("runbooks")
        if distractors > 0 {
            _ = try GeneratedRunbooks(seed: 2026).write(megabytes: max(1, distractors / 40), files: distractors, into: folder)
            try measure("runbooks among \(distractors) generated")
        }
        let document: [String: Any] = [
            "benchmark": "retrieval", "date": ISO8601DateFormatter().string(from: Date()), "machine": machineDescription(),
            "questions": evaluation.questions.count, "no_answer_threshold": RunbookIndex.defaultMinimumCoverage,
            "results": results,
        ]
        let url = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys]).write(to: url)
        print("\nWrote \(output)")
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
