import Foundation

/// What the model wrote, checked against what this turn's tools found before it is shown or
/// stored (SPEC 3.1): markup entities are decoded; tool-call syntax, and a statement of a host's
/// containment or online state that differs from this turn's Falcon result (or has none behind
/// it), are refused — the turn then shows the tools' own text instead.
struct ClaimCheck: Sendable {
    /// The texts this turn's tools returned (fallbacks left out: they found nothing).
    var found: [String]
    /// The question names a host, so a sentence without one may still be about it ("It is contained").
    let questionNamesHost: Bool

    enum Verdict: Equatable {
        case shown(String)
        /// Tool-call syntax a server passed on as prose.
        case toolCallSyntax
        /// A host's state the tools did not say.
        case unfounded
    }

    /// What may be shown of the model's text.
    func verdict(_ text: String) -> Verdict {
        let decoded = Self.decodingEntities(text)
        if Self.hasToolCallSyntax(decoded) { return .toolCallSyntax }
        for sentence in Self.sentences(decoded) where contradicts(sentence) { return .unfounded }
        return .shown(decoded)
    }

    /// True when the sentence states a host's state that this turn's Falcon results do not say.
    func contradicts(_ sentence: String) -> Bool {
        let lower = sentence.lowercased()
        let containment = Self.containment(in: lower)
        let online = Self.online(in: lower)
        guard containment != nil || online != nil,
            questionNamesHost || Assistant.hostname(in: sentence) != nil
        else { return false }
        if let claimed = containment {
            let known = found.compactMap { $0.hasPrefix("Containment status for") ? Self.containment(in: $0.lowercased()) : nil }
            if !known.contains(claimed) { return true }
        }
        if let claimed = online {
            let known = found.compactMap { $0.hasPrefix("Online status for") ? Self.online(in: $0.lowercased()) : nil }
            if !known.contains(claimed) { return true }
        }
        return false
    }

    enum Containment { case contained, notContained, pending }
    enum Online { case online, offline }

    // Swift parses a regex literal each time it is evaluated: these are built once. A `Regex` is
    // not `Sendable`, but matching never changes it.
    nonisolated(unsafe) private static let notContained =
        /(not|n't|no longer|un)[\s-]*(be(en)?\s+)?(contained|isolated)|normal - device/
    nonisolated(unsafe) private static let contained =
        /\b(is|are|was|been|currently|remains?|still)\s+(\w+\s+)?(contained|isolated)\b|contained - device/
    nonisolated(unsafe) private static let offline = /\b(offline|not (currently )?(online|connected)|disconnected)\b/
    nonisolated(unsafe) private static let isOnline = /\b(is|are|currently|now)\s+(\w+\s+)?(online|connected)\b/
    nonisolated(unsafe) private static let toolCallSyntax =
        /(?im)functions\.[a-z_]+\s*[:(]|<\/?tool_[a-z_]+>|\[TOOL_CALLS\]|<\|[a-z_]+\|>|"(name|function)"\s*:\s*"[a-z_]+"\s*,\s*"(arguments|parameters)"|^\s*\{\s*"[A-Za-z_]+"\s*:/
    nonisolated(unsafe) private static let entity = /&(#x?[0-9a-fA-F]+|quot|amp|apos|lt|gt|nbsp);/
    nonisolated(unsafe) private static let sentenceEnd = /[.!?](?=\s|$)|\n/

    /// The containment state a text states, if any ("not contained" before "contained").
    static func containment(in lower: String) -> Containment? {
        guard lower.contains("contain") || lower.contains("isolat") else { return nil }
        if lower.contains("pending") { return .pending }
        if lower.firstMatch(of: notContained) != nil { return .notContained }
        if lower.firstMatch(of: contained) != nil { return .contained }
        return nil
    }

    /// The online state a text states, if any.
    static func online(in lower: String) -> Online? {
        guard lower.contains("online") || lower.contains("connected") else { return nil }
        if lower.firstMatch(of: offline) != nil { return .offline }
        if lower.firstMatch(of: isOnline) != nil { return .online }
        return nil
    }

    /// Text a model server should have parsed as a tool call (or a chat template's markup) but
    /// passed on as prose: `functions.x:`, `<tool_call>`/`<tool_response>`, special tokens, a line
    /// that is a JSON object.
    static func hasToolCallSyntax(_ text: String) -> Bool {
        guard text.contains("functions.") || text.contains("<") || text.contains("[TOOL") || text.contains("\"")
        else { return false }
        return text.firstMatch(of: toolCallSyntax) != nil
    }

    /// `&#39;`, `&quot;`, `&amp;` and their kin as the characters they stand for.
    static func decodingEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var result = text
        // Until nothing changes (a few rounds at most): a model that copies its own escaped output
        // escapes the ampersand again each turn (`&amp;amp;#39;`).
        for _ in 0..<4 {
            let before = result
            result = result.replacing(entity) { match in
                let name = String(match.1)
                switch name {
                case "quot": return "\""
                case "amp": return "&"
                case "apos": return "'"
                case "lt": return "<"
                case "gt": return ">"
                case "nbsp": return " "
                default:
                    let digits = name.dropFirst()
                    let value = digits.first == "x" ? UInt32(digits.dropFirst(), radix: 16) : UInt32(digits)
                    return value.flatMap(Unicode.Scalar.init).map { String(Character($0)) } ?? String(match.0)
                }
            }
            if result == before { break }
        }
        return result
    }

    /// Sentences end at `.`, `!` or `?` before a space or the end, or at a line break (a dot inside
    /// `srv01.corp` does not end one).
    static func sentences(_ text: String) -> [String] {
        text.split(separator: sentenceEnd).map(String.init)
    }
}
