import Foundation
import Hummingbird
import PokedexRecovery

/// `GET /api/v1/health/tools` (SPEC 2.7) for any authenticated principal, and
/// `POST /api/v1/tools/{tool}/force` `{"state": "available" | "unavailable" | "auto"}` for admins
/// (SPEC 2.3), audited like every admin action.
struct OperationsRoutes {
    let deps: ServerDependencies

    private struct ForceBody: Decodable {
        enum State: String, Decodable { case available, unavailable, auto }
        var state: State
    }

    /// - Parameters:
    ///   - group: `/api/v1` for any authenticated principal.
    ///   - admin: the same path behind the administrator's gate.
    func add(to group: RouterGroup<PokedexRequestContext>, admin: RouterGroup<PokedexRequestContext>) {
        let deps = self.deps
        group.get("health/tools") { _, _ -> Response in
            try HTTPSupport.json(deps.recovery.healthReport())
        }
        admin.post("tools/:tool/force") { request, context -> Response in
            let name = try HTTPSupport.segment(context.parameters.get("tool"), "tool")
            let body: ForceBody
            do {
                body = try JSONDecoder().decode(ForceBody.self, from: try await deps.body(request))
            } catch is DecodingError {
                throw APIError(.badRequest, "the body must be {\"state\": \"available\" | \"unavailable\" | \"auto\"}", field: "state")
            }
            let tool = ToolName(rawValue: name)
            guard Self.known(deps).contains(tool) else {
                throw APIError(.notFound, "there is no tool named '\(name)'", field: "tool")
            }
            try deps.audit("tools.force", "done", context, detail: "\(name) \(body.state.rawValue)")
            deps.recovery.force(
                tool, available: body.state == .auto ? nil : body.state == .available)
            deps.metrics.forced(tool.rawValue, body.state != .auto)
            context.logger.notice(
                "a tool was forced", metadata: ["tool": "\(name)", "state": "\(body.state.rawValue)"])
            return try HTTPSupport.json(["tool": name, "state": body.state.rawValue])
        }
    }

    /// The tools this server has (and the language model), the only names worth forcing.
    private static func known(_ deps: ServerDependencies) -> Set<ToolName> {
        var names: Set<ToolName> = [.llm]
        names.formUnion(deps.slot.ready?.tools.registry.tools.map(\.service) ?? [])
        names.formUnion(deps.recovery.healthReport().tools.keys.map { ToolName(rawValue: $0) })
        return names
    }
}
