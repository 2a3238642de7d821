import Foundation
import PokedexRecovery
import PokedexTools

/// What the model wrote, checked against what this turn's tools found before it is shown or
/// stored (SPEC 3.1), in code: markup entities are decoded; tool-call syntax, and a statement a
/// tool's claim rule finds unbacked by that tool's results this turn (a host's state Falcon did not
/// say, a temperature no report gave), refuse the prose — the turn then shows the tools' own text
/// instead; a sentence with an unsupported specific (a hostname, address, file, version, time,
/// amount or product that neither the tools, the question nor the conversation mentions) is
/// removed, and the turn says what was removed.
struct ClaimCheck: Sendable {
    /// What the question names or refers back to.
    let subjects: [Entity]
    /// Each tool's claim rule, with that tool's results this turn (fallbacks left out).
    private var rules: [(tool: ToolName, rule: any ClaimRule, results: [String])]
    /// What may back a specific.
    private var support: Support
    private var supported: Set<String> = []

    /// - Parameter background: the question, the conversation and Pokedex's own words to the
    ///   model: what backs a specific besides the tools' results.
    init(subjects: [Entity], tools: [any Tool], background: [String]) {
        self.subjects = subjects
        rules = tools.compactMap { tool in tool.claims.map { (tool.name, $0, []) } }
        support = Support(background)
    }

    /// Records what the tools returned so far this turn.
    mutating func update(found: [(tool: ToolName, text: String)]) {
        for index in rules.indices {
            rules[index].results = found.filter { $0.tool == rules[index].tool }.map(\.text)
        }
        for (_, text) in found where supported.insert(text).inserted { support.add(text) }
    }

    enum Verdict: Equatable {
        /// What may be shown, and the specifics whose sentences were removed for it.
        case shown(String, removed: [String])
        /// Tool-call syntax a server passed on as prose.
        case toolCallSyntax
        /// A statement no result of this turn backs; what to say instead.
        case unfounded(String)
    }

    /// What may be shown of the model's text.
    func verdict(_ text: String) -> Verdict {
        let decoded = Self.decodingEntities(text)
        if Self.hasToolCallSyntax(decoded) { return .toolCallSyntax }
        var kept = ""
        var removed: [String] = []
        for sentence in Self.sentences(decoded) {
            for (_, rule, results) in rules where rule.contradicts(String(sentence), subjects: subjects, results: results) {
                return .unfounded(rule.unfoundedText)
            }
            let unsupported = Specific.find(in: String(sentence)).filter { !support.backs($0) }
            if unsupported.isEmpty {
                kept += sentence
            } else {
                removed += unsupported.map(\.text)
            }
        }
        return .shown(removed.isEmpty ? decoded : kept, removed: removed)
    }

    nonisolated(unsafe) private static let toolCallSyntax =
        /(?im)functions\.[a-z_]+\s*[:(]|<\/?tool_[a-z_]+>|\[TOOL_CALLS\]|<\|[a-z_]+\|>|"(name|function)"\s*:\s*"[a-z_]+"\s*,\s*"(arguments|parameters)"|^\s*\{\s*"[A-Za-z_]+"\s*:|\*\*from [^*\n]+:\*\*|\*\*from [^*\n]*\.(md|txt|pdf|html?|docx)\b|\*\*sources?:\*\*|📄|please confirm: |reply exactly `confirm/
    nonisolated(unsafe) private static let entity = /&(#x?[0-9a-fA-F]+|quot|amp|apos|lt|gt|nbsp);/
    nonisolated(unsafe) private static let sentenceEnd = /[.!?](?=\s|$)|\n/
    nonisolated(unsafe) private static let listMarker = /\s*(\d{1,2}|[a-z])[.)]\s*/

    /// Text a model server should have parsed as a tool call (or a chat template's markup) but
    /// passed on as prose: `functions.x:`, `<tool_call>`/`<tool_response>`, special tokens, a line
    /// that is a JSON object — or prose dressed as a tool's answer (`**From x.md:**`, `**Sources:**`,
    /// a confirmation request), which would pass the model's words off as the runbooks' or an
    /// action's.
    static func hasToolCallSyntax(_ text: String) -> Bool {
        guard text.contains("functions.") || text.contains("<") || text.contains("[TOOL") || text.contains("\"")
            || text.contains("**") || text.contains("📄") || text.localizedCaseInsensitiveContains("confirm")
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

    /// The text in sentences, each with the punctuation and space after it, so that the ones kept
    /// read as they were written. A sentence ends at `.`, `!` or `?` before a space or the end, or
    /// at a line break (a dot inside `srv01.corp` does not end one, nor does a list's `1.`).
    static func sentences(_ text: String) -> [Substring] {
        var pieces: [Substring] = []
        var start = text.startIndex
        for match in text.matches(of: sentenceEnd) {
            var end = match.range.upperBound
            while end < text.endIndex, text[end] == " " || text[end] == "\t" { end = text.index(after: end) }
            if text[start..<match.range.upperBound].wholeMatch(of: listMarker) != nil { continue }
            pieces.append(text[start..<end])
            start = end
        }
        if start < text.endIndex { pieces.append(text[start...]) }
        return pieces
    }
}
