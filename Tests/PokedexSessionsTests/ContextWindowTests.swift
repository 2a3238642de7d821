import Foundation
import PokedexSessions
import Testing

@Suite("Context window")
struct ContextWindowTests {
    private func history(_ items: [(MessageRole, String)]) -> [StoredMessage] {
        items.enumerated().map { index, item in
            StoredMessage(
                sequence: Int64(index + 1), role: item.0, content: item.1, timestamp: Date(timeIntervalSince1970: 0))
        }
    }

    @Test func takesNewestMessagesThatFitTheCharacterBudget() {
        let window = ContextWindow(maxMessages: 20, maxCharacters: 10)
        let selected = window.select(from: history([(.user, "aaaa"), (.assistant, "bbbb"), (.user, "cccc")]))
        #expect(selected.map(\.content) == ["bbbb", "cccc"])
    }

    @Test func neverSkipsAMessageToFitAnOlderOne() {
        let window = ContextWindow(maxMessages: 20, maxCharacters: 10)
        let selected = window.select(
            from: history([(.user, "a"), (.assistant, String(repeating: "b", count: 9)), (.user, "cc")]))
        #expect(selected.map(\.content) == ["cc"])
    }

    @Test func takesNewestMessagesThatFitTheMessageBudget() {
        let window = ContextWindow(maxMessages: 2, maxCharacters: 1000)
        let selected = window.select(from: history([(.user, "1"), (.assistant, "2"), (.user, "3")]))
        #expect(selected.map(\.content) == ["2", "3"])
    }

    @Test func truncatesAnOversizedNewestMessageToTheBudget() {
        let window = ContextWindow(maxMessages: 20, maxCharacters: 50)
        let selected = window.select(from: history([(.user, "short"), (.user, String(repeating: "🛡️", count: 80))]))
        #expect(selected.count == 1)
        #expect(selected[0].content.count == 50)
        #expect(selected[0].content.hasSuffix(ContextWindow.truncationMarker))
        #expect(selected[0].content.hasPrefix("🛡️🛡️🛡️"))
    }

    @Test func countsGraphemesNotBytes() {
        let window = ContextWindow(maxMessages: 20, maxCharacters: 6)
        let selected = window.select(from: history([(.user, "e\u{301}e\u{301}e\u{301}"), (.assistant, "👩🏽‍💻👩🏽‍💻👩🏽‍💻")]))
        #expect(selected.count == 2)
    }

    @Test func keepsAToolCallWithItsResultsOrDropsBoth() {
        let messages = history([
            (.user, "is WS1 contained?"), (.toolCall, "{\"crowdstrike\":\"WS1\"}"), (.tool, "Contained"),
            (.assistant, "Yes, WS1 is contained."),
        ])
        #expect(ContextWindow(maxMessages: 4, maxCharacters: 1000).select(from: messages).count == 4)
        #expect(
            ContextWindow(maxMessages: 3, maxCharacters: 1000).select(from: messages).map(\.role) == [
                .toolCall, .tool, .assistant,
            ])
        // Room for two: the call and its result would be split, so both stay out.
        #expect(ContextWindow(maxMessages: 2, maxCharacters: 1000).select(from: messages).map(\.role) == [.assistant])
    }

    @Test func dropsToolResultsWhoseCallWasTrimmedAway() {
        let messages = history([(.tool, "orphan result"), (.assistant, "answer"), (.toolCall, "call without result")])
        #expect(ContextWindow(maxMessages: 20, maxCharacters: 1000).select(from: messages).map(\.content) == ["answer"])
    }

    @Test func keepsParallelToolResultsTogether() {
        let messages = history([(.user, "q"), (.toolCall, "two calls"), (.tool, "r1"), (.tool, "r2")])
        let selected = ContextWindow(maxMessages: 3, maxCharacters: 1000).select(from: messages)
        #expect(selected.map(\.content) == ["two calls", "r1", "r2"])
    }

    @Test func leavesFallbacksOut() {
        let messages = history([(.user, "q"), (.fallback, "⚠️ down"), (.user, "again")])
        #expect(
            ContextWindow(maxMessages: 20, maxCharacters: 1000).select(from: messages).map(\.content) == ["q", "again"])
    }

    @Test func emptyHistoryGivesEmptyContext() {
        #expect(ContextWindow(maxMessages: 20, maxCharacters: 4000).select(from: []).isEmpty)
    }
}
