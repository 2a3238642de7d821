/// Runbook search results as the user sees them (SPEC 4.3): each excerpt under the file (and
/// section or page) it came from, then a closing line naming the sources.
public enum RunbookAnswer {
    /// The reply for a question and its hits.
    public static func format(_ hits: [RunbookIndex.Hit], query: String) -> String {
        guard !hits.isEmpty else { return "No relevant documents found for query: '\(query)'" }
        var parts = hits.map { hit in
            let place = hit.section.map { " (\($0))" } ?? ""
            return "📄 **From \(hit.file):**\(place)\n\(hit.text)"
        }
        var sources: [String] = []
        for hit in hits where !sources.contains(hit.file) { sources.append(hit.file) }
        parts.append(
            sources.count == 1 ? "**Source:** \(sources[0])" : "**Sources:** " + sources.joined(separator: ", "))
        return parts.joined(separator: "\n\n")
    }
}
