/// Splits a reply into Webex messages of at most 7,439 bytes: at paragraph boundaries when it can,
/// then lines, then characters — never inside a character, so an emoji is never cut in half.
public enum WebexMessageSplitter {
    public static let maxBytes = 7439

    public static func split(_ text: String, maxBytes: Int = maxBytes) -> [String] {
        guard text.utf8.count > maxBytes else { return [text] }
        var parts: [String] = []
        var current = ""
        func flush() {
            if !current.isEmpty { parts.append(current) }
            current = ""
        }
        func add(_ piece: String, separator: String) {
            let joined = current.isEmpty ? piece : current + separator + piece
            if joined.utf8.count <= maxBytes {
                current = joined
            } else {
                flush()
                current = piece
            }
        }
        for paragraph in text.components(separatedBy: "\n\n") {
            if paragraph.utf8.count <= maxBytes {
                add(paragraph, separator: "\n\n")
                continue
            }
            flush()
            for line in paragraph.components(separatedBy: "\n") {
                if line.utf8.count <= maxBytes {
                    add(line, separator: "\n")
                    continue
                }
                flush()
                for character in line {
                    if current.utf8.count + String(character).utf8.count > maxBytes { flush() }
                    current.append(character)
                }
            }
            flush()
        }
        flush()
        return parts
    }
}
