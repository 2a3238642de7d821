import Foundation
import PokedexSessions
import PokedexTools

extension Assistant {
    /// The evidence of one tool call, stamped now.
    func evidence(_ tool: String, arguments: String, _ result: ToolResult) -> Evidence {
        Evidence(
            tool: tool, arguments: arguments, result: result.text, time: recovery.currentDate(),
            fellBack: result.fallback != nil)
    }

    /// Keeps a turn's evidence where `why` (on any replica) finds it, with the answer it belongs to.
    /// A failure is logged: the answer itself is stored already.
    func keepEvidence(_ evidence: [Evidence], of answer: StoredMessage, for key: SessionKey) async {
        do {
            let data = try JSONEncoder().encode(HeldEvidence(answer: answer.sequence, evidence: evidence))
            try await store.hold(data, as: HeldEvidence.kind, for: key, until: evidenceExpiry())
        } catch {
            logger.error("could not keep the evidence of an answer", metadata: ["error": "\(error)"])
        }
    }

    /// `why`: the evidence of the session's last answer.
    func whyReport(_ key: SessionKey) async -> String {
        let history = (try? await store.history(of: key)) ?? []
        guard let last = history.last(where: { $0.role == .assistant || $0.role == .fallback }) else {
            return AssistantTexts.nothingToExplain
        }
        guard let data = try? await store.takeHeld(HeldEvidence.kind, for: key, at: recovery.currentDate()) else {
            return AssistantTexts.noToolsUsed
        }
        try? await store.hold(data, as: HeldEvidence.kind, for: key, until: evidenceExpiry())  // `why` may come again
        guard let held = try? JSONDecoder().decode(HeldEvidence.self, from: data), held.answer == last.sequence,
            let block = Evidence.block(held.evidence)
        else { return AssistantTexts.noToolsUsed }
        return "My last answer rests on what these tools returned:\n\n" + block
    }

    /// As long as the answer itself stays in the session.
    private func evidenceExpiry() -> Date {
        recovery.currentDate().addingTimeInterval(Double(store.configuration.timeout.components.seconds))
    }
}
