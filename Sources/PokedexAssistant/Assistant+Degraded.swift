import Foundation
import PokedexRecovery
import PokedexTools

/// Why a turn is answered without the language model: the answer says which (SPEC 3.2) — an
/// analyst told the model is down when it is only slow would look in the wrong place.
enum ModelAbsence: Sendable, Equatable {
    /// No model is configured.
    case notConfigured
    /// The model is out of service, or refused or failed the request.
    case unavailable
    /// The model did not answer within the time the turn had for it.
    case tooSlow

    /// Why the model's call ended without an answer.
    init(_ reason: FailureReason?) {
        switch reason {
        case .deadlineExceeded: self = .tooSlow
        case .failed(let failure, _) where failure.kind == .timeout: self = .tooSlow
        default: self = .unavailable
        }
    }
}

extension Assistant {
    /// Degraded mode (SPEC 2.6): no usable model, so the question goes straight to the tools that
    /// answer it (the entities it names, a tool's direct route, else a search of the runbooks),
    /// and the answer says it was given without the model and why. A search that finds nothing
    /// is never the whole answer: the user is told what failed and what still works.
    func degradedAnswer(_ question: Question, because absence: ModelAbsence) async -> Reply {
        let runs = await lookUp(question, anyQuestion: true)
        let found = runs.filter { !$0.result.foundNothing }
        var reply: Reply
        if found.isEmpty {
            reply = Reply(
                text: AssistantTexts.nothingFound(absence, searched: !runs.isEmpty, tools: tools.registry.tools),
                degraded: true, toolsUsed: runs.toolsUsed)
        } else {
            let text = ([AssistantTexts.degradedNote(absence)] + found.map(\.result.text)).joined(separator: "\n\n")
            reply = Reply(
                text: text, degraded: true, toolsUsed: runs.toolsUsed,
                isFallback: found.allSatisfy(\.result.fellBack))
        }
        reply.evidence = runs.map(\.evidence)
        return reply
    }
}
