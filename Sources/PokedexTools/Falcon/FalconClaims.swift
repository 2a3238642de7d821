/// A host's containment or online state, as the model states it, against this turn's Falcon
/// results (SPEC 3.1): a sentence about a host (or any sentence, when the question names one) that
/// states a state no result says is refused.
public struct FalconClaims: ClaimRule {
    public init() {}

    public let unfoundedText =
        "⚠️ I could not check that in Falcon, so I cannot tell you the host's state. Ask me again, or check the Falcon console."

    public func contradicts(_ sentence: String, question: String, results: [String]) -> Bool {
        let lower = sentence.lowercased()
        let containment = Self.containment(in: lower)
        let online = Self.online(in: lower)
        guard containment != nil || online != nil,
            FalconHostname.word(in: question) != nil || FalconHostname.word(in: sentence) != nil
        else { return false }
        if let claimed = containment {
            let known = results.compactMap {
                $0.hasPrefix("Containment status for") ? Self.containment(in: $0.lowercased()) : nil
            }
            if !known.contains(claimed) { return true }
        }
        if let claimed = online {
            let known = results.compactMap { $0.hasPrefix("Online status for") ? Self.online(in: $0.lowercased()) : nil }
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
