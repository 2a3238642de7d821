import Foundation

extension Array {
    /// nil when empty.
    var nilIfEmpty: Self? { isEmpty ? nil : self }
}

/// What a question names and asks (SPEC 3.2): its entities — hosts, indicators, places in a
/// weather question — or, for a follow-up ("and is it online?", "what about Lisbon?", "same for
/// the other one"), those of the conversation's earlier turns; and whether it asks to act
/// ("contain WS-1234") or asks about something (a question never starts an action).
public struct QuestionReading: Sendable {
    /// The question as the user wrote it.
    public var text: String
    /// What it names, in order (hosts and indicators, then places).
    public var entities: [Entity]
    /// True when ``entities`` come from earlier turns (the question referred back to them).
    public var followsUp: Bool
    /// True when it reads as a question (it ends with "?" or opens like one), not a request.
    public var isQuestion: Bool

    /// - Parameters:
    ///   - earlier: the entities of the conversation's earlier turns, newest turn first (from the
    ///     evidence stored with them).
    public init(_ text: String, earlier: [[Entity]] = []) {
        self.text = text
        let words = Self.lowerWords(text)
        let opening = Self.opening(words)
        isQuestion = text.trimmingWhitespace().hasSuffix("?") || words.first.map(Self.questionWords.contains) == true
        var entities = EntityReader.entities(in: text)
        entities += PlaceReader.places(in: text).map { Entity(.place, $0) }
            .filter { place in !entities.contains { $0.value.lowercased() == place.value.lowercased() } }
        followsUp = false
        if entities.isEmpty, let referred = Self.referredTo(words, opening: opening, text: text, earlier: earlier) {
            entities = referred
            followsUp = true
        }
        self.entities = entities
    }

    /// The entities of one kind.
    public func entities(_ kind: EntityKind) -> [Entity] { entities.filter { $0.kind == kind } }

    /// The request to act among `actions` this message makes, with what it acts on: a message
    /// that does not open as a question ("can you…" and "could we…" ask for something) in which
    /// one of an action's verbs or patterns asks for it, not negated ("don't isolate"), and which
    /// names (or refers back to) something of the action's kind. When several match, the one asked
    /// for first. "Is WS-1234 contained?" is no request; "should we contain WS-1234?" asks for advice.
    public func request(among actions: [ToolAction]) -> (action: ToolAction, targets: [Entity])? {
        let lower = text.lowercased().replacingOccurrences(of: "’", with: "'")
        let words = Self.lowerWords(lower)
        guard !Self.opensAsQuestion(words) else { return nil }
        var best: (action: ToolAction, start: String.Index, length: Int)?
        for action in actions {
            for match in Self.matches(of: action, in: lower) where !Self.negated(lower[..<match.lowerBound]) {
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
        let verbs = action.verbs.map { verb in
            "(?:^|[^a-z0-9-])(" + NSRegularExpression.escapedPattern(for: verb) + ")(?=$|[^a-z0-9-])"
        }
        return (verbs + action.patterns).flatMap { pattern -> [Range<String.Index>] in
            guard let regex = try? Regex(pattern) else { return [] }
            return lower.matches(of: regex).map { match in
                // A verb's own range (not the character before it).
                match.output.count > 1 && action.verbs.count > 0 && pattern.hasPrefix("(?:^|")
                    ? (match.output[1].range ?? match.range) : match.range
            }
        }
    }

    /// Whether the words just before a match deny it ("don't isolate", "no need to contain").
    private static func negated(_ before: Substring) -> Bool {
        let last = lowerWords(String(before)).suffix(3)
        return last.contains { ["not", "don't", "dont", "never", "no", "without", "shouldn't", "won't", "can't", "cannot", "didn't", "doesn't", "isn't", "wasn't"].contains($0) }
    }

    /// Whether a message opens as a question ("is…", "should we…", "can I…"), not as a request
    /// ("can you…", "could we…", "please…").
    static func opensAsQuestion(_ words: [String]) -> Bool {
        var rest = words[...]
        while let first = rest.first, ["hey", "hi", "ok", "okay", "so", "and", "also", "btw", "yo", "quick", "q"].contains(first) {
            rest = rest.dropFirst()
        }
        guard let first = rest.first, questionWords.contains(first) else { return false }
        if ["can", "could", "would", "will"].contains(first), let second = rest.dropFirst().first,
            ["you", "u", "we", "ya", "someone", "pokedex"].contains(second)
        {
            return false
        }
        return true
    }

    // MARK: - Follow-ups

    /// The earlier entities a follow-up refers to: with a word that points back ("it", "that
    /// host", "there", "both") or an opening that continues ("and …?", "what about …"), the
    /// newest earlier turn's entities of the kind the question asks about (a host when it asks
    /// about a host's state, a place when about the weather, else whatever was last discussed).
    private static func referredTo(_ words: [String], opening: Int, text: String, earlier: [[Entity]]) -> [Entity]? {
        guard let latest = earlier.first else { return nil }
        let rest = words.dropFirst(opening)
        let points = words.contains(where: pointers.contains) || pointerPhrases.contains { text.lowercased().contains($0) }
        // "what about Lisbon?", or just "lisbon?", after a weather answer: the words are the place.
        if !points, latest.contains(where: { $0.kind == .place }), opening > 0 || words.count <= 2,
            let place = PlaceReader.place(inFollowUp: rest.joined(separator: " "))
        {
            return [Entity(.place, place)]
        }
        // "the sql one", "and the DC?": a word that starts the name of a host talked about.
        if let named = earlier.prefix(3).lazy.compactMap({ turn in
            turn.filter { $0.kind == .host && words.contains(Self.namePart($0.value)) }.nilIfEmpty
        }).first {
            return named
        }
        let wanted: EntityKind? =
            PlaceReader.hasWeatherCue(text) || words.contains("there")
            ? .place : words.contains(where: hostCues.contains) ? .host : nil
        // Without a cue of what is asked, only a short question ("and now?", "is it?") reaches back.
        guard (points || opening > 0), wanted != nil || words.count - opening <= 3 else { return nil }
        guard let wanted else { return latest.isEmpty ? nil : latest }
        // A few turns back at most: "is it online?" after a runbook question still means the host before it.
        return earlier.prefix(3).lazy.map { $0.filter { $0.kind == wanted } }.first { !$0.isEmpty }
    }

    /// The first letters of a hostname, lower-cased, as people call it for short (`sql` for
    /// `SQL-RPT-03`, `dc` for `DC02.ad.local`); empty when too short or an everyday word.
    private static func namePart(_ hostname: String) -> String {
        let part = String(hostname.lowercased().prefix { $0.isLetter })
        return part.count >= 2 && !questionWords.contains(part) && !["the", "it", "on", "is", "in", "at", "an"].contains(part)
            ? part : "\u{0}"
    }

    /// How many words open the question as a continuation ("and", "what about", "same for"), 0 if
    /// none do.
    private static func opening(_ words: [String]) -> Int {
        for opening in continuations {
            let parts = opening.split(separator: " ").map(String.init)
            if words.count >= parts.count, Array(words.prefix(parts.count)) == parts { return parts.count }
        }
        return 0
    }

    static func lowerWords(_ text: String) -> [String] {
        text.lowercased().replacingOccurrences(of: "’", with: "'")
            .split { !$0.isLetter && !$0.isNumber && $0 != "'" && $0 != "-" }.map(String.init)
    }

    /// Openings that continue the conversation, longest first.
    private static let continuations = [
        "and what about", "and how about", "ok what about", "ok and", "okay and", "what about", "how about",
        "same for", "same with", "same thing for", "and also", "and", "also",
    ]

    /// Words that point back to something already discussed.
    private static let pointers: Set<String> = [
        "it", "its", "it's", "them", "they", "their", "they're", "both", "those", "these", "there",
    ]
    private static let pointerPhrases = [
        "that host", "this host", "the host", "that box", "this box", "the box", "that machine", "this machine",
        "the machine", "that device", "the device", "that server", "the server", "that laptop", "the laptop",
        "that workstation", "that endpoint", "the endpoint", "same host", "same box", "same machine", "that city",
        "that place", "same place", "same city", "the same", "that one", "this one", "the other",
    ]

    /// What a question about a host asks (its state, reachability, system, last contact): which
    /// earlier entity "it" means when the conversation had both hosts and places.
    static let hostCues: Set<String> = [
        "online", "offline", "up", "down", "reachable", "unreachable", "connected", "disconnected", "contained",
        "containment", "isolated", "isolation", "quarantined", "quarantine", "status", "state", "os", "system",
        "windows", "linux", "mac", "macos", "version", "patch", "patched", "seen", "check-in", "checked", "details",
        "detail", "info", "tags", "tag", "id", "product", "chassis", "model", "running", "run", "runs", "alive",
        "healthy", "network", "cut", "sensor", "agent", "falcon", "crowdstrike", "host", "hostname", "box",
        "machine", "device", "server", "laptop", "responding", "pingable", "ping", "live", "check", "hear", "heard",
    ]

    /// Words a question opens with.
    static let questionWords: Set<String> = [
        "is", "are", "was", "were", "has", "have", "had", "does", "do", "did", "can", "could", "should", "would",
        "will", "what", "what's", "whats", "when", "where", "which", "who", "who's", "whos", "why", "how", "how's",
        "any", "anything", "isn't", "aren't", "hasn't", "didn't", "doesn't",
    ]

}
