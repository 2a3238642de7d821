import Hummingbird
import Logging
import PokedexSettings

/// Turns every error into a JSON answer with the right status (never a stack trace or an
/// internal message): Hummingbird's own (404, 405, 413) with their status, errors that render
/// themselves (``APIError``) as they do, anything else as a 500 whose details stay in the log.
struct ErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError {
            return HTTPSupport.error(error.status, error.body ?? error.status.reasonPhrase)
        } catch let error as HTTPResponseError {
            return try error.response(from: request, context: context)
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(type(of: error))"])
            return HTTPSupport.error(.internalServerError, "the request could not be completed")
        }
    }
}

/// Gives every answer the request's id (`X-Request-Id`), the one the logs and audit records carry.
struct RequestIDMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.init("X-Request-Id")!] = context.id
        return response
    }
}

/// Counts each request by the route it matched (the pattern, never the raw path, which may hold
/// user names), its method and status, and times it.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - started
        metrics.request(
            route: context.endpointPath ?? "NotFound", method: request.method.rawValue,
            status: Int(response.status.code),
            seconds: elapsed.seconds)
        return response
    }
}

/// `server.access_log`: one line per request — method, the route it matched (its pattern, never the
/// raw path, which may hold user names), status, duration, principal and request id.
struct AccessLogMiddleware: RouterMiddleware {
    let logger: Logger

    func handle(
        _ request: Request, context: PokedexRequestContext,
        next: (Request, PokedexRequestContext) async throws -> Response
    ) async throws -> Response {
        let started = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - started
        let milliseconds = elapsed.milliseconds
        logger.info(
            "\(request.method.rawValue) \(context.endpointPath ?? "(no route)") \(response.status.code) \(milliseconds) ms",
            metadata: [
                "principal": "\(context.trace.principal ?? "-")", "request_id": "\(context.id)",
                "client": "\(context.clientAddress ?? "-")",
            ])
        return response
    }
}
