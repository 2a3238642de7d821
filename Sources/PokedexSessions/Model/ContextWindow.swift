/// Chooses which stored messages the language model sees: the newest ones that fit both a message
/// budget and a character budget, in chronological order.
///
/// Rules (SPEC 1.3): fallback replies never appear; a `tool_call` and the `tool` results after it
/// are taken or left together; the window never skips a message to fit an older one (no gaps);
/// and when the newest unit alone is over budget it is truncated, never dropped.
public struct ContextWindow: Sendable, Equatable {
    /// Appended to a message that was cut to fit, so the model knows text is missing.
    public static let truncationMarker = " …[truncated]"

    public var maxMessages: Int
    public var maxCharacters: Int

    public init(maxMessages: Int, maxCharacters: Int) {
        self.maxMessages = maxMessages
        self.maxCharacters = maxCharacters
    }

    public init(_ configuration: SessionsConfiguration) {
        self.init(maxMessages: configuration.contextMessages, maxCharacters: configuration.contextCharacters)
    }

    /// Selects the context from a chronological history.
    /// - Parameter history: messages oldest first, as ``SessionStore/history(of:)`` returns them.
    /// - Returns: the context, oldest first.
    public func select(from history: [StoredMessage]) -> [StoredMessage] {
        guard maxMessages > 0, maxCharacters > 0 else { return [] }
        var chosen: [[StoredMessage]] = []  // units, newest first
        var messageCount = 0
        var characterCount = 0
        for unit in Self.unitsNewestFirst(history) {
            let size = unit.reduce(0) { $0 + Self.characters(in: $1.content, upTo: maxCharacters + 1) }
            if messageCount + unit.count <= maxMessages && characterCount + size <= maxCharacters {
                chosen.append(unit)
                messageCount += unit.count
                characterCount += size
                continue
            }
            if chosen.isEmpty, unit.count <= maxMessages {
                chosen.append(truncate(unit))
            }
            break
        }
        return chosen.reversed().flatMap { $0 }
    }

    /// Groups the history into units that must not be split, newest first, dropping what the
    /// model must not see: fallbacks, tool results whose call is gone, and calls without results.
    static func unitsNewestFirst(_ history: [StoredMessage]) -> [[StoredMessage]] {
        let visible = history.filter { $0.role.isContext }
        var units: [[StoredMessage]] = []
        var index = visible.count - 1
        while index >= 0 {
            let message = visible[index]
            switch message.role {
            case .tool:
                var start = index
                while start > 0 && visible[start - 1].role == .tool { start -= 1 }
                if start > 0 && visible[start - 1].role == .toolCall {
                    units.append(Array(visible[(start - 1)...index]))
                    index = start - 2
                } else {
                    index = start - 1  // results without their call: the model could not use them
                }
            case .toolCall:
                index -= 1  // a call without results: providers reject it
            default:
                units.append([message])
                index -= 1
            }
        }
        return units
    }

    /// Cuts every message of an over-budget unit to an equal share of the character budget.
    private func truncate(_ unit: [StoredMessage]) -> [StoredMessage] {
        let share = max(1, maxCharacters / unit.count)
        return unit.map { message in
            guard Self.characters(in: message.content, upTo: share + 1) > share else { return message }
            var cut = message
            let keep = max(0, share - Self.truncationMarker.count)
            cut.content = String(message.content.prefix(keep)) + Self.truncationMarker
            if cut.content.count > share { cut.content = String(cut.content.prefix(share)) }
            return cut
        }
    }

    /// The character count of `text`, but stops counting at `limit` so a 10 MB message costs no
    /// more than a short one.
    static func characters(in text: String, upTo limit: Int) -> Int {
        if text.utf8.count <= limit { return text.count }
        guard let end = text.index(text.startIndex, offsetBy: limit, limitedBy: text.endIndex) else {
            return text.count
        }
        return end == text.endIndex ? limit : limit + 1
    }
}
