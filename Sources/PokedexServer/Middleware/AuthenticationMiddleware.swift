import Hummingbird

/// The gate of every protected route group: a request without a valid credential ends here with
/// a 401; one with a credential goes on with its ``Principal`` in the context. Because it is the
/// group's middleware, every path spelling the router maps to a protected handler passes it.
struct AuthenticationMiddleware: RouterMiddleware {
    typealias Context = PokedexRequestContext
    let authenticator: Authenticator

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard let principal = await authenticator.principal(for: request.head) else {
            context.logger.notice(
                "refused a request without a valid credential",
                metadata: ["route": "\(context.endpointPath ?? "?")", "client": "\(context.clientAddress ?? "?")"])
            throw APIError(.unauthorized, "a valid credential is required: Authorization: Bearer <token>")
        }
        var context = context
        context.principal = principal
        context.trace.principal = principal.name
        context.logger[metadataKey: "principal"] = "\(principal.name)"
        return try await next(request, context)
    }
}
