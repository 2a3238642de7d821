/// A host's containment or online state, as the model states it, against this turn's Falcon
/// results (SPEC 3.1): a sentence about a host (the one it names, else the one the question names)
/// that states a state no result *for that host* says is refused — a state of another host than
/// the one looked up has nothing behind it.
public struct FalconClaims: ClaimRule {
    public init() {}

    public let unfoundedText =
        "⚠️ I could not check that in Falcon, so I cannot tell you the host's state. Ask me again, or check the Falcon console."

    public func contradicts(_ sentence: String, question: String, results: [String]) -> Bool {
        let lower = sentence.lowercased()
        let containment = Self.containment(in: lower)
        let online = Self.online(in: lower)
        guard containment != nil || online != nil,
            let host = (FalconHostname.word(in: sentence) ?? FalconHostname.word(in: question))?.lowercased()
        else { return false }
        let about = results.filter { Self.host(of: $0) == host }
        if let claimed = containment {
            let known = about.compactMap {
                $0.hasPrefix("Containment status for") ? Self.containment(in: $0.lowercased()) : nil
            }
            if !known.contains(claimed) { return true }
        }
        if let claimed = online {
            let known = about.compactMap { $0.hasPrefix("Online status for") ? Self.online(in: $0.lowercased()) : nil }
            if !known.contains(claimed) { return true }
        }
        return false
    }

    /// The host a status result is about (`… for 'WS-1234': …`), lower-cased.
    static func host(of result: String) -> String? {
        guard let open = result.firstIndex(of: "'") else { return nil }
        let rest = result[result.index(after: open)...]
        guard let close = rest.firstIndex(of: "'") else { return nil }
        return rest[..<close].lowercased()
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
}
