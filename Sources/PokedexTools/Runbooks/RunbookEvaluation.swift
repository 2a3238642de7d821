import Foundation

/// How well runbook search finds the sections that answer questions: a set of questions, each
/// labelled with the sections (`file#heading`) that answer it — none when no runbook does — and
/// the figures a search earns on it. `pokedex-bench retrieval` and the test suite run the set that
/// ships in `evaluation/runbook-questions.json`; a team can write its own for its runbooks.
public struct RunbookEvaluation: Sendable {
    public struct Question: Sendable, Decodable {
        /// The question, as an analyst asks it.
        public var q: String
        /// The sections that answer it, as `file#heading` (the last heading of the section's path).
        public var a: [String]
        /// Never used to tune the ranking: their figures show what tuning did not fit.
        public var held_out: Bool?
        /// What kind of question it is (paraphrase, role, synonym, typo…), where the file says.
        public var kind: String?
    }

    private struct File: Decodable {
        var questions: [Question]
    }

    public var questions: [Question]

    public init(questions: [Question]) { self.questions = questions }

    /// Only the questions written after tuning (or only the others).
    public func heldOut(_ wanted: Bool) -> RunbookEvaluation {
        RunbookEvaluation(questions: questions.filter { ($0.held_out ?? false) == wanted })
    }

    /// Reads a question file (`{"questions": [{"q": "…", "a": ["file#heading"]}]}`), and a
    /// held-out one whose questions count as held out.
    public init(contentsOf url: URL, heldOut: URL? = nil) throws {
        questions = try JSONDecoder().decode(File.self, from: Data(contentsOf: url)).questions
        if let heldOut {
            questions += try JSONDecoder().decode(File.self, from: Data(contentsOf: heldOut)).questions.map { question in
                var question = question
                question.held_out = true
                return question
            }
        }
    }

    /// What a search earned.
    public struct Figures: Sendable, Equatable {
        /// Answerable questions with an answering section first, and within the first three.
        public var recallAt1: Double
        public var recallAt3: Double
        /// Mean reciprocal rank of the first answering section (within the first ten).
        public var meanReciprocalRank: Double
        /// Of the questions given no answer, those that have none; and of the questions that have
        /// none, those given none.
        public var noAnswerPrecision: Double
        public var noAnswerRecall: Double
        /// The questions whose answer was not within the first three (or that were answered when
        /// nothing answers them), for reading.
        public var misses: [String]
    }

    /// Runs every question through `search` (best first) and scores the results.
    public func figures(_ search: (String) throws -> [RunbookIndex.Hit]) rethrows -> Figures {
        var (first, three, reciprocal, answerable) = (0, 0, 0.0, 0)
        var (emptyCorrect, empty, unanswerable) = (0, 0, 0)
        var misses: [String] = []
        for question in questions {
            let hits = try search(question.q)
            if hits.isEmpty { empty += 1 }
            guard !question.a.isEmpty else {
                unanswerable += 1
                if hits.isEmpty { emptyCorrect += 1 } else { misses.append("\(question.q) → \(Self.label(hits[0]))") }
                continue
            }
            answerable += 1
            let rank = hits.prefix(10).firstIndex { question.a.contains(Self.label($0)) }.map { $0 + 1 }
            if rank == 1 { first += 1 }
            if let rank, rank <= 3 { three += 1 } else { misses.append("\(question.q) → \(hits.first.map(Self.label) ?? "nothing")") }
            if let rank { reciprocal += 1 / Double(rank) }
        }
        func ratio(_ part: Int, _ whole: Int) -> Double { whole == 0 ? 1 : Double(part) / Double(whole) }
        return Figures(
            recallAt1: ratio(first, answerable), recallAt3: ratio(three, answerable),
            meanReciprocalRank: answerable == 0 ? 1 : reciprocal / Double(answerable),
            noAnswerPrecision: ratio(emptyCorrect, empty), noAnswerRecall: ratio(emptyCorrect, unanswerable),
            misses: misses)
    }

    /// A hit as a label: its file and the last heading of its section's path.
    public static func label(_ hit: RunbookIndex.Hit) -> String {
        let heading = hit.section?.components(separatedBy: RunbookParagraph.pathSeparator).last ?? ""
        return "\(hit.file)#\(heading)"
    }
}
