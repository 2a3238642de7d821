import Hummingbird

/// The gate of the admin route group, inside the authenticated one: a principal that does not
/// administer ends here with a 403, and a refused change (anything but a read) is written to the
/// audit log with who tried — so no admin handler carries a check of its own to forget.
struct AdministratorMiddleware: RouterMiddleware {
    typealias Context = PokedexRequestContext
    let deps: ServerDependencies

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard try context.requirePrincipal().administers else {
            if request.method != .get && request.method != .head {
                try? deps.audit(Self.action(context.endpointPath ?? request.uri.path), "refused_forbidden", context)
            }
            throw APIError(.forbidden, "only an admin credential may use this route")
        }
        return try await next(request, context)
    }

    /// The audit log's name for an admin route: its path after the API version, parameters left
    /// out (`/api/v1/tools/{tool}/force` → `tools.force`).
    static func action(_ route: String) -> String {
        route.split(separator: "/").dropFirst(2)
            .filter { !$0.hasPrefix("{") && !$0.hasPrefix(":") }.joined(separator: ".")
    }
}
