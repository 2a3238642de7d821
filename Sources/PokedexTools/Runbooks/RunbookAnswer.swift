/// Runbook search results as the user sees them (SPEC 4.3): the best section in full (up to
/// ``fullLimit`` characters) under the file and heading path it came from, the next ones in brief,
/// then a closing line naming the sources.
public enum RunbookAnswer {
    /// The most of the best section shown.
    public static let fullLimit = 2000
    /// The most of each further section shown.
    public static let briefLimit = 240

    /// The reply for a question and its hits.
    public static func format(_ hits: [RunbookIndex.Hit], query: String) -> String {
        guard !hits.isEmpty else { return "No relevant documents found for query: '\(query)'" }
        var parts = hits.enumerated().map { position, hit in
            let place = hit.section.map { " (\($0))" } ?? ""
            return "📄 **From \(hit.file):**\(place)\n\(cut(hit.text, to: position == 0 ? fullLimit : briefLimit))"
        }
        var sources: [String] = []
        for hit in hits where !sources.contains(hit.file) { sources.append(hit.file) }
        parts.append(
            sources.count == 1 ? "**Source:** \(sources[0])" : "**Sources:** " + sources.joined(separator: ", "))
        return parts.joined(separator: "\n\n")
    }

    /// At most `limit` characters, cut at a word, with `…` when cut.
    static func cut(_ text: String, to limit: Int) -> String {
        guard text.count > limit else { return text }
        let window = text.prefix(limit)
        let end = window.lastIndex(where: \.isWhitespace) ?? window.endIndex
        return String(window[..<end]).trimmingWhitespace() + " …"
    }
}
