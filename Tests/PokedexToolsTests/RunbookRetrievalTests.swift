import Foundation
import PokedexTesting
import PokedexSettings
import Testing

@testable import PokedexTools

/// The shipped evaluation set over the sample runbooks (`evaluation/runbook-questions.json`, the
/// set `pokedex-bench retrieval` reports on): questions as analysts ask them, labelled with the
/// sections that answer them.
@Suite("Runbook retrieval")
struct RunbookRetrievalTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The sample runbooks, indexed afresh.
    static func index() throws -> (RunbookIndex, TemporaryDirectory) {
        let directory = try TemporaryDirectory(prefix: "pokedex-retrieval")
        let index = try RunbookIndex(path: directory.path("runbooks.db"))
        _ = try index.update(from: root.appendingPathComponent("runbooks"))
        return (index, directory)
    }

    @Test func theEvaluationSetIsAnsweredWellInKeywordMode() throws {
        let (index, directory) = try Self.index()
        defer { directory.remove() }
        let evaluation = try RunbookEvaluation(
            contentsOf: Self.root.appendingPathComponent("evaluation/runbook-questions.json"),
            heldOut: Self.root.appendingPathComponent("evaluation/runbook-questions-heldout.json"))
        #expect(evaluation.heldOut(false).questions.count >= 120 && evaluation.heldOut(true).questions.count >= 40)
        let tuned = try evaluation.heldOut(false).figures { try index.search($0, limit: 10) }
        #expect(tuned.recallAt3 >= 0.9, "\(tuned)")
        #expect(tuned.noAnswerPrecision >= 0.9, "\(tuned)")
        // 0.57 measured with the fifth analyst's questions, two of them close to a runbook but not
        // answered by it ("how long are the audit logs kept?").
        #expect(tuned.noAnswerRecall >= 0.55, "\(tuned)")
        // The questions never tuned on (docs/benchmarks.md has the figures): a floor, not a target.
        let heldOut = try evaluation.heldOut(true).figures { try index.search($0, limit: 10) }
        #expect(heldOut.recallAt3 >= 0.85, "\(heldOut.recallAt3)")
    }

    /// The questions a new user asked, which keyword ranking used to answer with title blocks:
    /// the section that answers each is now first, or (phishing: "Intake" says what to take first)
    /// among the first three.
    @Test(arguments: [
        ("what is our ransomware runbook?", "ransomware-response.md#First 15 minutes", 1),
        ("who do I call for a P1 at night?", "escalation-contacts.md#How to reach people", 1),
        ("first steps for phishing triage", "phishing-triage.md#Analyse the message", 3),
        ("whos backup for the incident commander", "escalation-contacts.md#On-call roles", 1),
        ("ok who is our IC tonight", "escalation-contacts.md#On-call roles", 2),
    ])
    func aNewUsersQuestionsOpenAtTheRightSection(question: String, section: String, within: Int) throws {
        let (index, directory) = try Self.index()
        defer { directory.remove() }
        let hits = try index.search(question).map(RunbookEvaluation.label)
        #expect(hits.prefix(within).contains(section), "\(hits)")
        #expect(!hits.contains { $0.hasSuffix("#Ransomware Response Runbook") || $0.hasSuffix("#Phishing Triage Procedure") })
    }

    @Test func noSectionIsATitleBlockAloneAndSectionsNameTheirHeadingPath() throws {
        let (index, directory) = try Self.index()
        defer { directory.remove() }
        let hits = try index.search("ransomware runbook owner review cycle", limit: 10)
        let first = try #require(hits.first)
        #expect(first.section == "Ransomware Response Runbook › Recognise it", "\(hits.map(\.section))")
        #expect(first.text.hasPrefix("Owner: SOC Incident Response") && first.text.contains("mass file renames"))
        #expect(hits.allSatisfy { $0.section?.contains(RunbookParagraph.pathSeparator) == true })
    }

    @Test func aQuestionNoRunbookAnswersGetsNoAnswer() throws {
        let (index, directory) = try Self.index()
        defer { directory.remove() }
        #expect(try index.search("how do I book a meeting room for friday").isEmpty)
        #expect(try index.search("kubernetes pod in crashloopbackoff").isEmpty)
        // Small talk that shares one everyday word with a runbook ("day"), or whose everyday words
        // look like misspelt runbook terms.
        #expect(try index.search("hows ur day going bot").isEmpty)
        #expect(try index.search("lol the coffee machine on 3rd floor died again").isEmpty)
        #expect(RunbookAnswer.format([], query: "lunch menu") == "No relevant documents found for query: 'lunch menu'")
    }

    @Test func misspeltWordsAreReadAsTheNearestTermOfTheRunbooks() throws {
        let (index, directory) = try Self.index()
        defer { directory.remove() }
        let hits = try index.search("contian a host in falcon").map(RunbookEvaluation.label)
        #expect(hits.contains("host-containment.md#Contain a host"), "\(hits)")
        #expect(RunbookQuery.correction(of: "ransomeware", in: [("ransomwar", 6), ("random", 1)]) == "ransomwar")
        #expect(RunbookQuery.correction(of: "kubernetes", in: [("kernel", 1)]) == nil)
        #expect(editDistance(Array("contian"), Array("contain")) == 1)
    }

    @Test func theBestSectionIsShownInFullTheOthersInBrief() {
        let long = String(repeating: "Contain the host now. ", count: 30)
        let answer = RunbookAnswer.format(
            [
                RunbookIndex.Hit(file: "a.md", section: "A › First", text: long),
                RunbookIndex.Hit(file: "b.md", section: "B › Second", text: "Nothing here matches. " + long),
                RunbookIndex.Hit(file: "c.md", section: "C › Third", text: String(repeating: "Unrelated words. ", count: 30)),
            ], query: "containment")
        let parts = answer.components(separatedBy: "\n\n")
        #expect(parts[0] == "📄 **From a.md:** (A › First)\n" + long)
        // The matching sentences (by stem: "contain" for "containment"), not the opening.
        #expect(parts[1].hasPrefix("📄 **From b.md:** (B › Second)\nContain the host now. … Contain the host now."))
        #expect(parts[1].count < 600)
        // No sentence matches: the opening, cut.
        #expect(parts[2].hasPrefix("📄 **From c.md:** (C › Third)\nUnrelated words.") && parts[2].hasSuffix(" …"))
        #expect(parts[3] == "**Sources:** a.md, b.md, c.md")
    }

    @Test func aTableRowIsFoundByWhatItIsAbout() throws {
        let table = """
            | role | primary | phone |
            |---|---|---|
            | Incident commander | Priya Raman | +1 555 0101 |
            """
        #expect(RunbookIndex.cues(table) == "roster Incident commander")
        let answer = RunbookAnswer.brief("Roles below.\n" + table, matching: ["commander"])
        #expect(answer == "| Incident commander | Priya Raman | +1 555 0101 |")
    }
}
