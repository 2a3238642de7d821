import PokedexRecovery
import Synchronization

/// Passes the model's text on to a streaming channel as it arrives, but a sentence at a time and
/// only what the claim check lets through: a sentence with an unsupported specific is left out;
/// after the first sentence it refuses, nothing more is passed on (the final reply, which the
/// channel also gets, carries what the turn shows — the tools' facts first).
final class CheckedStream: Sendable {
    private let forward: @Sendable (String) -> Void
    private let state: Mutex<(check: ClaimCheck, pending: String, stopped: Bool)>

    init(_ check: ClaimCheck, forward: @escaping @Sendable (String) -> Void) {
        self.forward = forward
        state = Mutex((check, "", false))
    }

    /// What the tools found so far, for the check of what follows.
    func update(found: [(tool: ToolName, text: String)]) { state.withLock { $0.check.update(found: found) } }

    /// A piece from the model.
    func receive(_ piece: String) {
        let ready: String? = state.withLock { state in
            guard !state.stopped else { return nil }
            state.pending += piece
            guard let end = state.pending.lastIndex(where: { ".!?\n".contains($0) }) else { return nil }
            let complete = String(state.pending[...end])
            state.pending = String(state.pending[state.pending.index(after: end)...])
            return pass(complete, &state)
        }
        if let ready { forward(ready) }
    }

    /// The model has finished: the rest, if it passes.
    func finish() {
        let rest: String? = state.withLock { state in
            guard !state.stopped, !state.pending.isEmpty else { return nil }
            defer { state.pending = "" }
            return pass(state.pending, &state)
        }
        if let rest { forward(rest) }
    }

    private func pass(_ text: String, _ state: inout (check: ClaimCheck, pending: String, stopped: Bool)) -> String? {
        guard case .shown(let shown, _) = state.check.verdict(text) else {
            state.stopped = true
            return nil
        }
        return shown.isEmpty ? nil : shown
    }
}
