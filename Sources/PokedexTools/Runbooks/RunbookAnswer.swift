/// Runbook search results as the user sees them (SPEC 4.3): the best section in full (up to
/// ``fullLimit`` characters) under the file and heading path it came from, the next ones in brief
/// — the lines and sentences of theirs that the question's words match, so the answer shows why
/// they came up — then a closing line naming the sources.
public enum RunbookAnswer {
    /// How a search that found nothing begins: a tool's words, never an answer of the model's.
    public static let nothingFound = "No relevant documents found"

    /// The most of the best section shown.
    public static let fullLimit = 2000
    /// The most of each further section shown.
    public static let briefLimit = 240

    /// The reply for a question and its hits.
    public static func format(_ hits: [RunbookIndex.Hit], query: String) -> String {
        guard !hits.isEmpty else { return "\(nothingFound) for query: '\(query)'" }
        let words = RunbookQuery(query).allWords
        var parts = hits.enumerated().map { position, hit in
            let place = hit.section.map { " (\($0))" } ?? ""
            let shown = position == 0 ? cut(hit.text, to: fullLimit) : brief(hit.text, matching: words)
            return "📄 **From \(hit.file):**\(place)\n\(shown)"
        }
        var sources: [String] = []
        for hit in hits where !sources.contains(hit.file) { sources.append(hit.file) }
        parts.append(
            sources.count == 1 ? "**Source:** \(sources[0])" : "**Sources:** " + sources.joined(separator: ", "))
        return parts.joined(separator: "\n\n")
    }

    /// The lines (list items, table rows) and sentences of a section that contain one of the
    /// question's words (or a word of the same stem: "encrypted", "encryption"), up to twice the
    /// brief limit; the section's opening when none does.
    static func brief(_ text: String, matching words: [String]) -> String {
        let stems = Set(words.map { String($0.prefix(5)) })
        func matches(_ piece: Substring) -> Bool {
            piece.lowercased().split { !$0.isLetter && !$0.isNumber }.contains { stems.contains(String($0.prefix(5))) }
        }
        var chosen: [String] = []
        var length = 0
        for line in text.split(separator: "\n") {
            let pieces = line.trimmingCharacters(in: .whitespaces).hasPrefix("|") ? [line] : sentences(line)
            for piece in pieces where matches(piece) {
                let trimmed = piece.trimmingCharacters(in: .whitespaces)
                guard length + trimmed.count <= briefLimit * 2 else { break }
                chosen.append(trimmed)
                length += trimmed.count
            }
        }
        return chosen.isEmpty ? cut(text, to: briefLimit) : chosen.joined(separator: " … ")
    }

    /// A line's sentences (a full stop, question or exclamation mark before a space ends one).
    private static func sentences(_ line: Substring) -> [Substring] {
        var pieces: [Substring] = []
        var start = line.startIndex
        var index = line.startIndex
        while index < line.endIndex {
            let next = line.index(after: index)
            if ".!?".contains(line[index]), next == line.endIndex || line[next] == " " {
                pieces.append(line[start..<next])
                start = next
            }
            index = next
        }
        if start < line.endIndex { pieces.append(line[start...]) }
        return pieces
    }

    /// At most `limit` characters, cut at a word, with `…` when cut.
    static func cut(_ text: String, to limit: Int) -> String {
        guard text.count > limit else { return text }
        let window = text.prefix(limit)
        let end = window.lastIndex(where: \.isWhitespace) ?? window.endIndex
        return String(window[..<end]).trimmingWhitespace() + " …"
    }
}
