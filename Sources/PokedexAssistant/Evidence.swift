import Foundation

/// What one tool returned during a turn (SPEC 3.1): the grounds of the answer, returned with it
/// and kept for `why`.
public struct Evidence: Sendable, Equatable, Codable {
    public var tool: String
    /// The arguments as JSON text.
    public var arguments: String
    public var result: String
    public var time: Date
    /// The tool failed and `result` is its fallback.
    public var fellBack: Bool

    public init(tool: String, arguments: String, result: String, time: Date, fellBack: Bool) {
        self.tool = tool
        self.arguments = arguments
        self.result = result
        self.time = time
        self.fellBack = fellBack
    }

    enum CodingKeys: String, CodingKey {
        case tool, arguments, result, time
        case fellBack = "fallback"
    }

    /// The evidence as it is stored with its turn: a `tool` message between the question and the
    /// answer, in the same transaction. It has no tool call before it, so the context window never
    /// shows it to the model.
    /// Results are shortened until it fits `limit` bytes (a tool that returned megabytes).
    static func storedText(_ evidence: [Evidence], limit: Int = .max) -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .sortedKeys
        var kept = evidence
        while true {
            let text = String(decoding: (try? encoder.encode(kept)) ?? Data("[]".utf8), as: UTF8.self)
            let longest = kept.indices.max { kept[$0].result.utf8.count < kept[$1].result.utf8.count }
            guard text.utf8.count > limit, let longest, kept[longest].result.count > 1 else { return text }
            kept[longest].result = String(kept[longest].result.prefix(kept[longest].result.count / 2)) + "…"
        }
    }

    /// Stored evidence read back; nil when the text is not evidence (an imported tool result).
    static func stored(_ text: String) -> [Evidence]? {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try? decoder.decode([Evidence].self, from: Data(text.utf8))
    }

    /// The block chat channels show under an answer, or nil when no tool ran.
    public static func block(_ evidence: [Evidence]) -> String? {
        guard !evidence.isEmpty else { return nil }
        let lines = evidence.map { item in
            var result = item.result.replacingOccurrences(of: "\n", with: " · ")
            if result.count > 300 { result = String(result.prefix(300)) + "…" }
            let time = item.time.formatted(.iso8601.time(includingFractionalSeconds: false))
            return "• \(item.tool) \(item.arguments)\(item.fellBack ? " (failed)" : "") → \(result) (\(time) UTC)"
        }
        return (["📎 Evidence"] + lines).joined(separator: "\n")
    }
}
