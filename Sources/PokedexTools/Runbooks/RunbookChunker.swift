/// A paragraph of a runbook with the place it belongs to: its section heading, or its page.
public struct RunbookParagraph: Sendable, Equatable {
    public var text: String
    /// The headings above it (``pathSeparator`` between them), or `page N` for PDFs; nil when the
    /// document has neither.
    public var section: String?

    /// Between the headings of a section's path.
    public static let pathSeparator = " › "

    public init(_ text: String, section: String? = nil) {
        self.text = text
        self.section = section
    }
}

/// A piece of a runbook small enough to rank and to quote.
public struct RunbookChunk: Sendable, Equatable {
    public var text: String
    public var section: String?
}

/// Cuts runbook text into chunks of about `size` characters that repeat the last `overlap`
/// characters of the chunk before (so an answer spanning a cut is still found whole), cutting at
/// paragraph boundaries first, then sentences, then words. A new section starts a new chunk, so
/// every chunk can name the section it quotes.
public struct RunbookChunker: Sendable {
    public var size: Int
    public var overlap: Int

    public init(size: Int = 1500, overlap: Int = 300) {
        self.size = max(100, size)
        self.overlap = min(max(0, overlap), self.size / 2)
    }

    public func chunks(_ paragraphs: [RunbookParagraph]) -> [RunbookChunk] {
        var chunks: [RunbookChunk] = []
        var text = ""
        var section: String?
        var hasNewText = false
        for piece in paragraphs.flatMap(pieces) {
            let separator = text.isEmpty ? "" : "\n\n"
            if hasNewText && piece.section != section {
                chunks.append(RunbookChunk(text: text, section: section))
                text = ""
                hasNewText = false
            } else if hasNewText && text.count + separator.count + piece.text.count > size {
                chunks.append(RunbookChunk(text: text, section: section))
                text = tail(of: text)
                hasNewText = false
            }
            if !hasNewText { section = piece.section }
            text += (text.isEmpty ? "" : "\n\n") + piece.text
            hasNewText = true
        }
        if hasNewText { chunks.append(RunbookChunk(text: text, section: section)) }
        return chunks
    }

    /// A paragraph as pieces no longer than what fits beside the overlap.
    private func pieces(_ paragraph: RunbookParagraph) -> [RunbookParagraph] {
        let room = size - overlap - 2
        let trimmed = paragraph.text.trimmingWhitespace()
        guard !trimmed.isEmpty else { return [] }
        guard trimmed.count > room else { return [RunbookParagraph(trimmed, section: paragraph.section)] }
        var pieces: [String] = []
        var current = ""
        for sentence in trimmed.sentences().flatMap({ $0.count > room ? $0.wrapped(at: room) : [$0] }) {
            if current.count + sentence.count > room, !current.isEmpty {
                pieces.append(current.trimmingWhitespace())
                current = ""
            }
            current += sentence
        }
        if !current.trimmingWhitespace().isEmpty { pieces.append(current.trimmingWhitespace()) }
        return pieces.map { RunbookParagraph($0, section: paragraph.section) }
    }

    /// The end of a chunk to repeat at the start of the next: at most `overlap` characters,
    /// starting at a sentence (or, failing that, a word) so it reads naturally.
    private func tail(of text: String) -> String {
        guard overlap > 0 else { return "" }
        let candidate = String(text.suffix(overlap))
        if let boundary = candidate.firstSentenceStart() {
            return String(candidate[boundary...]).trimmingWhitespace()
        }
        if let space = candidate.firstIndex(where: \.isWhitespace) {
            return String(candidate[space...]).trimmingWhitespace()
        }
        return candidate
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var text = Substring(self)
        while text.first?.isWhitespace == true { text.removeFirst() }
        while text.last?.isWhitespace == true { text.removeLast() }
        return String(text)
    }

    /// Sentences, each keeping its closing punctuation and following space.
    fileprivate func sentences() -> [String] {
        var sentences: [String] = []
        var current = ""
        var previous: Character?
        for character in self {
            if let previous, ".!?".contains(previous), character.isWhitespace {
                current.append(character)
                sentences.append(current)
                current = ""
            } else {
                current.append(character)
            }
            previous = character
        }
        if !current.isEmpty { sentences.append(current) }
        return sentences
    }

    /// Lines of at most `width` characters, broken at spaces where possible.
    fileprivate func wrapped(at width: Int) -> [String] {
        var lines: [String] = []
        var rest = Substring(self)
        while rest.count > width {
            let window = rest.prefix(width)
            let cut = window.lastIndex(where: \.isWhitespace).map { rest.index(after: $0) } ?? window.endIndex
            lines.append(String(rest[..<cut]))
            rest = rest[cut...]
        }
        if !rest.isEmpty { lines.append(String(rest)) }
        return lines
    }

    /// Where the first sentence after the start begins (after ". ", "! ", "? " or a blank line).
    fileprivate func firstSentenceStart() -> Index? {
        var index = startIndex
        while index < endIndex {
            let next = self.index(after: index)
            if next < endIndex, ".!?\n".contains(self[index]), self[next].isWhitespace {
                return next
            }
            index = next
        }
        return nil
    }
}
