import Foundation
import PokedexLLM
import PokedexSessions
import PokedexTesting
import Testing

@testable import PokedexAssistant

/// The prompt stays within the model's context window less the answer's tokens, measured with the
/// server's own usage figures; the oldest history goes first, never the question.
@Suite("Prompt budget")
struct PromptBudgetTests {
    @Test func theOldestHistoryGoesFirstAndTheQuestionStays() {
        let budget = PromptBudget()
        var messages = [ChatMessage(.system, String(repeating: "s", count: 300))]
        messages += (0..<10).map { ChatMessage($0 % 2 == 0 ? .user : .assistant, "old \($0) " + String(repeating: "x", count: 294)) }
        messages.append(ChatMessage(.user, "the question"))
        var question = messages.count - 1
        // 3 bytes a token until the server says otherwise: 310 tokens fit the system prompt, 2 messages and the question.
        let dropped = budget.fit(&messages, tools: [], limit: 310, protectedFrom: &question)
        #expect(dropped == 8)
        #expect(messages.map { String($0.content.prefix(5)) } == ["sssss", "old 8", "old 9", "the q"])
        #expect(messages[question].content == "the question")
    }

    @Test func theRateIsLearnedFromTheServersUsageFigures() {
        let budget = PromptBudget()
        #expect(budget.tokens(1200) == 400)
        budget.learn(bytes: 4000, tokens: 1000)  // 4 bytes a token, halfway there
        #expect(budget.tokens(1200) == 343)
        budget.learn(bytes: 4000, tokens: 1000)
        #expect(budget.tokens(1200) == 320)
    }

    @Test func aLongSessionIsSentWithinTheModelsContext() async throws {
        let fixture = try await AssistantFixture(script: [.text("First."), .text("Second.")]) {
            $0.contextTokens = 700
            $0.maxTokens = 200
        }
        defer { fixture.finish() }
        let key = SessionKey(user: "alice", room: "soc")
        for number in 0..<20 {
            _ = try await fixture.store.append(
                number % 2 == 0 ? .user : .assistant, "message \(number): " + String(repeating: "word ", count: 60), to: key)
        }
        _ = await fixture.ask("what did I say first?")
        _ = await fixture.ask("and the second?")
        for request in fixture.llm.received {
            // The scripted server counts 4 bytes a token, plus 8.
            let tokens = request.messages.reduce(0) { $0 + $1.content.utf8.count } / 4 + 8
            #expect(tokens <= 500, "\(tokens) prompt tokens")
            #expect(request.messages.last?.role == "user")
        }
        let second = try #require(fixture.llm.received.last).messages
        #expect(second.last?.content == "and the second?")
        #expect(second.contains { $0.content == "First." })  // the newest history stays
        #expect(!second.contains { $0.content.hasPrefix("message 0:") })  // the oldest went
    }
}
