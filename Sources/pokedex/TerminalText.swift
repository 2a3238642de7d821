/// An answer's basic Markdown — bold, lists, code — as a terminal shows it (ANSI bold and colour,
/// bullets, indented code), or as plain text without the markers when the output is not a terminal.
enum TerminalText {
    static func render(_ text: String, ansi: Bool) -> String {
        var inCode = false
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.trimmingPrefix(while: \.isWhitespace).hasPrefix("```") {
                inCode.toggle()
                continue
            }
            if inCode {
                lines.append("    " + (ansi ? "\u{1B}[36m" + line + "\u{1B}[39m" : String(line)))
                continue
            }
            var rendered = inline(String(line), ansi: ansi)
            let indent = rendered.prefix { $0 == " " }
            let rest = rendered.dropFirst(indent.count)
            if rest.hasPrefix("- ") || rest.hasPrefix("* ") { rendered = indent + "• " + rest.dropFirst(2) }
            lines.append(rendered)
        }
        return lines.joined(separator: "\n")
    }

    /// `**bold**` and `` `code` `` within a line.
    private static func inline(_ line: String, ansi: Bool) -> String {
        var result = ""
        var rest = Substring(line)
        while let marker = rest.firstIndex(where: { $0 == "*" || $0 == "`" }) {
            result += rest[..<marker]
            let bold = rest[marker...].hasPrefix("**")
            let open = bold ? "**" : "`"
            let body = rest[marker...].dropFirst(open.count)
            guard let close = body.firstRange(of: open), !body[..<close.lowerBound].isEmpty else {
                result += rest[marker...].prefix(open.count)
                rest = body
                continue
            }
            let content = body[..<close.lowerBound]
            result += ansi ? (bold ? "\u{1B}[1m\(content)\u{1B}[22m" : "\u{1B}[36m\(content)\u{1B}[39m") : String(content)
            rest = body[close.upperBound...]
        }
        return result + rest
    }
}
