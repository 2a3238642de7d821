import Foundation
import PokedexSessions
import PokedexTools
import Synchronization

extension Assistant {
    /// The evidence of one tool call, stamped now.
    func evidence(_ tool: String, arguments: String, _ result: ToolResult) -> Evidence {
        Evidence(
            tool: tool, arguments: arguments, result: result.text, time: recovery.currentDate(),
            fellBack: result.fallback != nil)
    }

    /// Keeps a turn's evidence for `why`, with the answer it belongs to.
    func keepEvidence(_ evidence: [Evidence], of answer: StoredMessage, for key: SessionKey) {
        lastEvidence.keep(AnswerEvidence(answer: answer.sequence, evidence: evidence), for: key)
    }

    /// `why`: the evidence of the session's last answer.
    func whyReport(_ key: SessionKey) async -> String {
        let history = (try? await store.history(of: key)) ?? []
        guard let last = history.last(where: { $0.role == .assistant || $0.role == .fallback }) else {
            return AssistantTexts.nothingToExplain
        }
        guard let held = lastEvidence.evidence(for: key), held.answer == last.sequence,
            let block = Evidence.block(held.evidence)
        else { return AssistantTexts.noToolsUsed }
        return "My last answer rests on what these tools returned:\n\n" + block
    }
}

/// The evidence of each session's last answer, in this process's memory (the newest sessions, at
/// most `capacity`). Kept out of the store on purpose: a second durable write per turn cost the
/// server a sixth of its turns/s (`pokedex-bench http`). An answer given by another replica, or
/// before a restart, is explained as having no evidence here.
final class LastEvidence: Sendable {
    private let capacity: Int
    private let state = Mutex<(entries: [SessionKey: AnswerEvidence], order: [SessionKey])>(([:], []))

    init(capacity: Int = 10_000) { self.capacity = capacity }

    func keep(_ evidence: AnswerEvidence, for key: SessionKey) {
        state.withLock { state in
            if state.entries.updateValue(evidence, forKey: key) == nil { state.order.append(key) }
            if state.order.count > capacity {
                let excess = state.order.count - capacity / 2
                for key in state.order.prefix(excess) { state.entries[key] = nil }
                state.order.removeFirst(excess)
            }
        }
    }

    func evidence(for key: SessionKey) -> AnswerEvidence? { state.withLock { $0.entries[key] } }
}
