import Foundation

extension QuestionReading {
    /// The request to act among `actions` this message makes, with what it acts on: one of an
    /// action's verbs or patterns asks for it — not negated ("don't isolate"), and not in a sentence
    /// that is a question ("is it cut off?", "should we contain it?"; "can you…", "could we…" and
    /// an opening verb, "contain X?", ask for something) — and the message names (or refers back
    /// to) something of the action's kind. When several match, the one asked for first.
    public func request(among actions: [ToolAction]) -> (action: ToolAction, targets: [Entity])? {
        let lower = text.lowercased().replacingOccurrences(of: "’", with: "'")
        // Someone else's wish ("the DBA is asking to isolate it") told with a question of one's
        // own ("am I allowed to?") asks for advice, not for the action.
        let asks = lower.contains("?")
            || Self.clauses(of: lower).contains { Self.opensAsQuestion(Self.lowerWords(String(lower[$0]))) }
        var best: (action: ToolAction, start: String.Index, length: Int)?
        for action in actions {
            for match in Self.matches(of: action, in: lower)
            where !Self.negated(lower[..<match.lowerBound], reported: asks) && !Self.inQuestion(match, of: lower) {
                let length = lower.distance(from: match.lowerBound, to: match.upperBound)
                if best.map({ match.lowerBound < $0.start || (match.lowerBound == $0.start && length > $0.length) }) ?? true {
                    best = (action, match.lowerBound, length)
                }
            }
        }
        guard let best else { return nil }
        let targets = entities(best.action.target)
        return targets.isEmpty ? nil : (best.action, targets)
    }

    /// Where an action's verbs (whole words: "contain" is not "containment") and patterns match.
    private static func matches(of action: ToolAction, in lower: String) -> [Range<String.Index>] {
        let verbs = action.verbs.map { "(?:^|[^a-z0-9-])(" + NSRegularExpression.escapedPattern(for: $0) + ")(?=$|[^a-z0-9-])" }
        let verbMatches = verbs.flatMap { pattern -> [Range<String.Index>] in
            guard let regex = try? Regex(pattern) else { return [] }
            return lower.matches(of: regex).compactMap { $0.output[1].range }  // the verb, not the character before it
        }
        let patternMatches = action.patterns.flatMap { pattern -> [Range<String.Index>] in
            guard let regex = try? Regex(pattern) else { return [] }
            return lower.matches(of: regex).map(\.range)
        }
        return verbMatches + patternMatches
    }

    /// Whether the words just before a match deny it ("don't isolate", "no need to contain") or,
    /// when `reported` counts, report someone else's wish ("the DBA is asking to isolate it").
    private static func negated(_ before: Substring, reported: Bool) -> Bool {
        let last = lowerWords(String(before)).suffix(3)
        return last.contains(where: negations.contains) || (reported && last.contains(where: reporting.contains))
    }

    /// Verbs that report another's wish before "to".
    private static let reporting: Set<String> = [
        "asking", "asked", "asks", "wants", "told", "says", "said", "suggested", "suggests", "recommends",
        "recommended", "wanted",
    ]

    /// Whether a match is in a sentence that asks a question rather than for something: one that
    /// opens like a question ("is", "should we", "can I"), or ends with "?" unless it opens with
    /// the request ("contain X?") or a request's form ("can you", "could we", "please").
    private static func inQuestion(_ match: Range<String.Index>, of lower: String) -> Bool {
        guard let clause = clauses(of: lower).first(where: { $0.contains(match.lowerBound) }) else { return false }
        let words = lowerWords(String(lower[clause.lowerBound..<match.lowerBound]))
        if opensAsQuestion(words + lowerWords(String(lower[match.lowerBound..<clause.upperBound]))) { return true }
        // A condition ("if we ever had to isolate the prod db, …") supposes the action, it does not
        // ask for it; the request after one does ("once it's rebuilt, lift it").
        let part = lower[clause.lowerBound..<match.lowerBound].split(separator: ",", omittingEmptySubsequences: false).last ?? ""
        if let first = lowerWords(String(part)).drop(while: openers.contains).first, conditions.contains(first) { return true }
        // A question after a comma, without its mark ("it's a crane HMI tho, is it fine to contain OT kit").
        if part.count < lower.distance(from: clause.lowerBound, to: match.lowerBound),
            opensAsQuestion(lowerWords(String(part)) + lowerWords(String(lower[match.lowerBound..<clause.upperBound])))
        {
            return true
        }
        guard clause.upperBound < lower.endIndex, lower[clause.upperBound] == "?" else { return false }
        let opening = words.drop(while: openers.contains)
        return !(opening.isEmpty || requestForms.contains { opening.starts(with: $0) })
    }

    /// The clauses of a message: split where a sentence ends (".", "!", "?", a new line — a dot
    /// inside a word, as in `fs01.corp.example.net`, ends nothing) and at a dash or colon between
    /// words ("jump-02.dmz.example.net — did the uncontain go through", "handover: status of …").
    static func clauses(of lower: String) -> [Range<String.Index>] {
        var ranges: [Range<String.Index>] = []
        var start = lower.startIndex
        var index = lower.startIndex
        while index < lower.endIndex {
            let next = lower.index(after: index)
            let followedBySpace = next == lower.endIndex || lower[next].isWhitespace
            let precededBySpace = index > lower.startIndex && lower[lower.index(before: index)].isWhitespace
            let ends: Bool =
                switch lower[index] {
                case "!", "?", "\n", "—", "–": true
                case ".", ":": followedBySpace
                case "-": precededBySpace && followedBySpace
                default: false
                }
            if ends {
                if start < index { ranges.append(start..<index) }
                start = next
            }
            index = next
        }
        if start < lower.endIndex { ranges.append(start..<lower.endIndex) }
        return ranges
    }

    /// Whether a sentence opens as a question ("is…", "should we…", "can I…"), not as a request
    /// ("can you…", "could we…").
    static func opensAsQuestion(_ words: [String]) -> Bool {
        let rest = words.drop(while: openers.contains)
        guard let first = rest.first, questionWords.contains(first) else { return false }
        return !requestForms.contains { rest.starts(with: $0) }
    }

    /// Words that may open a sentence before what it says.
    private static let openers: Set<String> = [
        "hey", "hi", "ok", "okay", "k", "so", "and", "also", "btw", "yo", "quick", "q", "wait", "alright", "right",
        "pls", "please", "now", "then",
    ]

    /// Words that open a condition.
    private static let conditions: Set<String> = [
        "if", "suppose", "supposing", "hypothetically", "whether", "unless", "once", "when", "whenever",
    ]

    /// How a request may open ("can you…").
    private static let requestForms: [[String]] = [
        ["can", "you"], ["can", "u"], ["could", "you"], ["could", "u"], ["would", "you"], ["will", "you"],
        ["can", "we"], ["could", "we"], ["can", "someone"], ["could", "someone"], ["can", "ya"], ["pls"], ["please"],
    ]

    private static let negations: Set<String> = [
        "not", "don't", "dont", "never", "no", "without", "shouldn't", "won't", "can't", "cannot", "didn't",
        "doesn't", "isn't", "wasn't", "neither", "nor", "nobody", "none", "shouldnt", "wont", "cant", "didnt",
        "doesnt", "isnt", "wasnt", "aren't", "arent", "mustn't", "mustnt",
    ]
}
