import Foundation
import PokedexRecovery
import PokedexTools

extension Assistant {
    /// Degraded mode (SPEC 2.6): no usable model, so the question goes straight to the tool that
    /// answers it (a tool's direct route, else one that takes any question: the runbooks), and the
    /// answer says it was given without the model.
    func degradedAnswer(_ question: Question) async -> Reply {
        let note = AssistantTexts.degradedNote(modelConfigured: model != nil)
        guard let (tool, values) = tools.registry.degradedRoute(question.text),
            let arguments = try? ToolArguments(values, for: tool.name, tool.parameters)
        else {
            return Reply(text: note + "\n\n" + AssistantTexts.noRoute(tools.registry.tools), degraded: true)
        }
        let run = await self.run(tool, arguments, text: Self.jsonText(values), question)
        var reply = Reply(
            text: note + "\n\n" + run.result.text, degraded: true, toolsUsed: [tool.name.rawValue],
            isFallback: run.result.fellBack)
        reply.evidence = [run.evidence]
        return reply
    }
}
