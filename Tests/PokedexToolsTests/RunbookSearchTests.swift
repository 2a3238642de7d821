import Foundation
import PokedexTesting
import Testing

@testable import PokedexTools

@Suite("Runbook chunking")
struct RunbookChunkerTests {
    @Test func eachSectionStartsAChunk() {
        let chunks = RunbookChunker().chunks(
            RunbookExtractor.markdown("# Title\n\nOne.\n\n## Steps\n\nTwo.\n\n## Close\n\nThree."))
        #expect(
            chunks == [
                // A short title block is read with the first section: never a chunk of its own.
                RunbookChunk(text: "One.\n\nTwo.", section: "Title › Steps"),
                RunbookChunk(text: "Three.", section: "Title › Close"),
            ])
    }

    @Test func aLongIntroductionKeepsItsOwnSection() {
        let intro = String(repeating: "This runbook covers the whole procedure in detail. ", count: 10)
        let chunks = RunbookChunker().chunks(RunbookExtractor.markdown("# Title\n\n\(intro)\n\n## Steps\n\nTwo."))
        #expect(chunks.map(\.section) == ["Title", "Title › Steps"])
    }

    @Test func longDocumentsAreCutWithOverlapAtSentenceBoundaries() {
        let sentences = (1...200).map { "Sentence number \($0) explains one step of the procedure." }
        let chunks = RunbookChunker(size: 1500, overlap: 300).chunks([
            RunbookParagraph(sentences.joined(separator: " "), section: "Steps")
        ])
        #expect(chunks.count > 5)
        #expect(chunks.allSatisfy { $0.text.count <= 1500 })
        #expect(chunks.allSatisfy { $0.section == "Steps" })
        for (previous, next) in zip(chunks, chunks.dropFirst()) {
            // The next chunk starts with (at most 300 characters of) the end of the previous one, at a sentence.
            let firstSentence = String(next.text.prefix { $0 != "." }) + "."
            #expect(previous.text.contains(firstSentence))
            #expect(next.text.hasPrefix("Sentence number"))
        }
        // Nothing is lost: every sentence is in some chunk.
        #expect(sentences.allSatisfy { sentence in chunks.contains { $0.text.contains(sentence) } })
    }

    @Test func aWordlessBlobIsStillCut() {
        let chunks = RunbookChunker(size: 200, overlap: 50).chunks([
            RunbookParagraph(String(repeating: "x", count: 1000))
        ])
        #expect(chunks.allSatisfy { $0.text.count <= 200 })
        #expect(chunks.map(\.text).joined().filter { $0 == "x" }.count >= 1000)
    }
}

@Suite("Runbook extraction")
struct RunbookExtractorTests {
    @Test func markdownHeadingsNameSections() {
        let paragraphs = RunbookExtractor.markdown(
            "Intro\n\n# Contain\n\nStep 1\nStep 2\n\n#hashtag is text\n\n## Lift\n\nDone")
        #expect(
            paragraphs == [
                RunbookParagraph("Intro"), RunbookParagraph("Step 1\nStep 2", section: "Contain"),
                RunbookParagraph("#hashtag is text", section: "Contain"), RunbookParagraph("Done", section: "Contain › Lift"),
            ])
    }

    @Test func htmlBecomesSectionedText() {
        let html = """
            <html><head><title>x</title><style>p{}</style></head><body><script>alert(1)</script>
            <h1>Phishing &amp; Spam</h1><p>Check the <b>headers</b>&nbsp;first.</p><ul><li>SPF</li><li>DKIM</li></ul>
            <h2>Close</h2><p>Thank the reporter &#8212; always.</p></body></html>
            """
        let paragraphs = RunbookExtractor.markdown(RunbookExtractor.htmlAsMarkdown(html))
        #expect(paragraphs.map(\.section) == ["Phishing & Spam", "Phishing & Spam", "Phishing & Spam", "Close"])
        #expect(
            paragraphs.map(\.text) == ["Check the headers first.", "- SPF", "- DKIM", "Thank the reporter — always."])
    }

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    private static func installed(_ tool: String) -> Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":")
            .contains { FileManager.default.isExecutableFile(atPath: "\($0)/\(tool)") }
    }

    @Test func pdfTextComesWithItsPageOrIsSkippedForWantOfPdftotext() throws {
        let file = Self.fixtures.appendingPathComponent("vpn-outage.pdf")
        guard Self.installed("pdftotext") else {
            #expect(throws: RunbookSkipReason.needsTool("pdftotext")) { try RunbookExtractor().paragraphs(of: file) }
            return
        }
        let paragraphs = try RunbookExtractor().paragraphs(of: file)
        #expect(
            paragraphs == [
                RunbookParagraph("VPN outage: check the concentrator status page first.", section: "page 1"),
                RunbookParagraph("Escalate to the network on-call after 15 minutes of outage.", section: "page 2"),
            ])
    }

    @Test func docxParagraphsComeWithTheirHeadings() throws {
        let file = Self.fixtures.appendingPathComponent("lost-laptop.docx")
        guard Self.installed("unzip") else {
            #expect(throws: RunbookSkipReason.needsTool("unzip")) { try RunbookExtractor().paragraphs(of: file) }
            return
        }
        #expect(
            try RunbookExtractor().paragraphs(of: file) == [
                RunbookParagraph("Wipe the device remotely & revoke its certificates.", section: "Lost Laptop"),
                RunbookParagraph("File a loss report with security within one hour.", section: "Report"),
            ])
    }

    @Test func unsupportedAndBinaryFilesAreSkippedWithAReason() throws {
        let directory = try TemporaryDirectory(prefix: "pokedex-runbooks")
        defer { directory.remove() }
        try Data([0x89, 0x50, 0x4E, 0x47, 0, 0, 1]).write(to: URL(fileURLWithPath: directory.path("logo.png")))
        try Data([0x41, 0, 0x42]).write(to: URL(fileURLWithPath: directory.path("trap.md")))
        try Data([0x41, 0xFF, 0x42]).write(to: URL(fileURLWithPath: directory.path("latin1.txt")))
        try Data("\n\n  \n".utf8).write(to: URL(fileURLWithPath: directory.path("blank.md")))
        let extractor = RunbookExtractor()
        #expect(throws: RunbookSkipReason.unsupportedType("png")) {
            try extractor.paragraphs(of: directory.url.appendingPathComponent("logo.png"))
        }
        #expect(throws: RunbookSkipReason.binary) {
            try extractor.paragraphs(of: directory.url.appendingPathComponent("trap.md"))
        }
        #expect(throws: RunbookSkipReason.notUTF8) {
            try extractor.paragraphs(of: directory.url.appendingPathComponent("latin1.txt"))
        }
        #expect(throws: RunbookSkipReason.empty) {
            try extractor.paragraphs(of: directory.url.appendingPathComponent("blank.md"))
        }
    }
}

@Suite("Runbook index and search")
struct RunbookIndexTests {
    let directory: TemporaryDirectory
    let folder: URL

    init() throws {
        directory = try TemporaryDirectory(prefix: "pokedex-runbooks")
        folder = directory.url.appendingPathComponent("runbooks")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    private func write(_ name: String, _ text: String) throws {
        let url = folder.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }

    @Test func findsTheRightRunbookAndCitesIt() throws {
        defer { directory.remove() }
        try write(
            "ransomware.md", "# Ransomware\n\n## First steps\n\nContain affected hosts with Falcon network containment."
        )
        try write("phishing.md", "# Phishing\n\nCheck the SPF, DKIM and DMARC results of the headers.")
        let index = try RunbookIndex(path: directory.path("runbooks.db"))
        let summary = try index.update(from: folder)
        #expect(summary.indexed == ["phishing.md", "ransomware.md"])

        let hits = try index.search("how do I contain a host?")
        #expect(hits.first?.file == "ransomware.md")
        #expect(hits.first?.section == "Ransomware › First steps")
        let answer = RunbookAnswer.format(Array(hits.prefix(1)), query: "contain a host")
        #expect(answer.hasPrefix("📄 **From ransomware.md:** (Ransomware › First steps)\nContain affected hosts"))
        #expect(answer.hasSuffix("**Source:** ransomware.md"))
    }

    @Test func namingTheRunbookFindsItsOtherSections() throws {
        defer { directory.remove() }
        try write(
            "ransomware.md",
            "# Ransomware Response\n\nOwner: incident response.\n\n## Backups\n\nRestore from the last clean backup.")
        try write(
            "backup-policy.md",
            "# Backup Policy\n\n## Backups\n\nBackups run nightly. Backups are kept for 30 days. Backup failures page infrastructure."
        )
        let index = try RunbookIndex(path: directory.path("runbooks.db"))
        _ = try index.update(from: folder)
        let best = try #require(try index.search("ransomware backups").first)
        #expect(best.file == "ransomware.md")
        #expect(best.section == "Ransomware Response › Backups")
    }

    @Test func answersWithSeveralSourcesNameThemAll() {
        let hits = [
            RunbookIndex.Hit(file: "a.md", section: nil, text: "one"),
            RunbookIndex.Hit(file: "b.md", section: "S", text: "two"),
            RunbookIndex.Hit(file: "a.md", section: nil, text: "three"),
        ]
        let answer = RunbookAnswer.format(hits, query: "q")
        #expect(answer.hasPrefix("📄 **From a.md:**\none\n\n📄 **From b.md:** (S)\ntwo"))
        #expect(answer.hasSuffix("**Sources:** a.md, b.md"))
    }

    @Test func aQueryThatMatchesNothingSaysSo() throws {
        defer { directory.remove() }
        try write("phishing.md", "Check the headers.")
        let index = try RunbookIndex(path: directory.path("runbooks.db"))
        _ = try index.update(from: folder)
        #expect(try index.search("quantum teleportation").isEmpty)
        #expect(try index.search("\" OR * NEAR(").isEmpty)
        #expect(try index.search("the of and").isEmpty)
        #expect(
            RunbookAnswer.format([], query: "quantum teleportation")
                == "No relevant documents found for query: 'quantum teleportation'")
    }

    @Test func updatesAreIncremental() throws {
        defer { directory.remove() }
        try write("a.md", "Alpha procedure for firewalls.")
        try write("b.md", "Bravo procedure for printers.")
        try write("sub/c.txt", "Charlie procedure for routers.")
        let index = try RunbookIndex(path: directory.path("runbooks.db"))
        #expect(try index.update(from: folder).indexed == ["a.md", "b.md", "sub/c.txt"])

        try write("b.md", "Bravo procedure for scanners.")
        try FileManager.default.removeItem(at: folder.appendingPathComponent("a.md"))
        try write("d.md", "Delta procedure for badges.")
        let summary = try index.update(from: folder)
        #expect(summary.indexed == ["b.md", "d.md"])
        #expect(summary.unchanged == ["sub/c.txt"])
        #expect(summary.removed == ["a.md"])
        #expect(try index.search("firewalls").isEmpty)
        #expect(try index.search("printers").isEmpty)
        #expect(try index.search("scanners").first?.file == "b.md")
        #expect(try index.search("badges").first?.file == "d.md")
        #expect(try index.counts().documents == 3)
    }

    @Test func wordsFoundAlmostEverywhereDoNotDecideTheRanking() throws {
        defer { directory.remove() }
        for number in 0..<60 {
            try write("p\(number).md", "Standard procedure number \(number) for printers.")
        }
        try write("scanners.md", "Scanners get the standard procedure too.")
        let index = try RunbookIndex(path: directory.path("runbooks.db"))
        _ = try index.update(from: folder)
        // "procedure" is in every chunk: only "scanners" decides, so only its runbook comes back.
        #expect(try index.search("procedure for scanners", limit: 3).map(\.file) == ["scanners.md"])
        // A question made only of common words still gets answers.
        #expect(try index.search("standard procedure", limit: 3).count == 3)
    }

    @Test func commonWordsAreLookedForInHeadingsFirst() throws {
        defer { directory.remove() }
        // 600 chunks: "procedure" in all of them, "escalation" in a third, and one section about it.
        for number in 0..<600 {
            let topic = number % 3 == 0 ? "escalation" : "printers"
            try write("p\(number).md", "# Note \(number)\n\nStandard procedure for \(topic), case \(number).")
        }
        try write("zz-contacts.md", "# Contacts\n\n## Escalation procedure\n\nCall the duty manager.")
        let index = try RunbookIndex(path: directory.path("runbooks.db"))
        _ = try index.update(from: folder)
        let hits = try index.search("escalation procedure", limit: 3)
        #expect(hits.first?.file == "zz-contacts.md")
        #expect(hits.count == 3)
        // Words in most chunks alone still get answers, containing all of them.
        #expect(try index.search("standard procedure", limit: 2).allSatisfy { $0.text.contains("Standard procedure") })
    }

    @Test func aBinaryFileDroppedIntoTheFolderIsSkippedAndReported() throws {
        defer { directory.remove() }
        try write("good.md", "Escalate P1 incidents to the incident commander.")
        try Data((0..<4096).map { UInt8($0 % 256) }).write(to: folder.appendingPathComponent("core.dump"))
        try Data([0x7F, 0x45, 0x4C, 0x46, 0, 0]).write(to: folder.appendingPathComponent("tool.md"))
        let index = try RunbookIndex(path: directory.path("runbooks.db"))
        let summary = try index.update(from: folder)
        #expect(summary.indexed == ["good.md"])
        #expect(summary.skipped.map(\.file) == ["core.dump", "tool.md"])
        #expect(summary.skipped.map(\.reason) == [.unsupportedType("dump"), .binary])
    }

    @Test func aLargeRunbookIsIndexedWhole() throws {
        defer { directory.remove() }
        let filler = (0..<75_000).map { "Paragraph \($0) of the archive retention policy covers log storage." }
        var text = filler.joined(separator: "\n\n")
        text += "\n\n# Needle\n\nThe break-glass account is kept in the red envelope."
        try write("big.md", text)
        #expect(text.utf8.count > 5_000_000)
        let index = try RunbookIndex(path: directory.path("runbooks.db"))
        let summary = try index.update(from: folder)
        #expect(summary.chunks > 2000)
        #expect(try index.search("break-glass envelope").first?.section == "Needle")
    }
}
