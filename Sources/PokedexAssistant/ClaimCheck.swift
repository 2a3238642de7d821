import Foundation
import PokedexRecovery
import PokedexTools

/// What the model wrote, checked against what this turn's tools found before it is shown or
/// stored (SPEC 3.1): markup entities are decoded; tool-call syntax, and a statement a tool's
/// claim rule finds unbacked by that tool's results this turn (a host's containment or online
/// state Falcon did not say), are refused — the turn then shows the tools' own text instead.
struct ClaimCheck: Sendable {
    /// The user's question.
    let question: String
    /// Each tool's claim rule, with that tool's results this turn (fallbacks left out).
    private var rules: [(tool: ToolName, rule: any ClaimRule, results: [String])]

    init(question: String, tools: [any Tool]) {
        self.question = question
        rules = tools.compactMap { tool in tool.claims.map { (tool.name, $0, []) } }
    }

    /// Records what the tools found so far this turn.
    mutating func update(found: [(tool: ToolName, text: String)]) {
        for index in rules.indices {
            rules[index].results = found.filter { $0.tool == rules[index].tool }.map(\.text)
        }
    }

    enum Verdict: Equatable {
        case shown(String)
        /// Tool-call syntax a server passed on as prose.
        case toolCallSyntax
        /// A statement no result of this turn backs; what to say instead.
        case unfounded(String)
    }

    /// What may be shown of the model's text.
    func verdict(_ text: String) -> Verdict {
        let decoded = Self.decodingEntities(text)
        if Self.hasToolCallSyntax(decoded) { return .toolCallSyntax }
        guard !rules.isEmpty else { return .shown(decoded) }
        for sentence in Self.sentences(decoded) {
            for (_, rule, results) in rules where rule.contradicts(sentence, question: question, results: results) {
                return .unfounded(rule.unfoundedText)
            }
        }
        return .shown(decoded)
    }

    nonisolated(unsafe) private static let toolCallSyntax =
        /(?im)functions\.[a-z_]+\s*[:(]|<\/?tool_[a-z_]+>|\[TOOL_CALLS\]|<\|[a-z_]+\|>|"(name|function)"\s*:\s*"[a-z_]+"\s*,\s*"(arguments|parameters)"|^\s*\{\s*"[A-Za-z_]+"\s*:/
    nonisolated(unsafe) private static let entity = /&(#x?[0-9a-fA-F]+|quot|amp|apos|lt|gt|nbsp);/
    nonisolated(unsafe) private static let sentenceEnd = /[.!?](?=\s|$)|\n/

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
