import Crypto
import Foundation
import Hummingbird
import Logging

/// Around every request: a request id (in the logs and the `X-Request-Id` header), bearer-token
/// authentication for `/api` and `/v1`, errors turned into JSON with the right status (never a
/// stack trace or an internal message), and the request's metrics.
struct ServerMiddleware<Context: RequestContext>: RouterMiddleware {
    let tokens: [[UInt8]]
    let metrics: ServerMetrics

    init(tokens: [String], metrics: ServerMetrics) {
        self.tokens = tokens.map { Array($0.utf8) }
        self.metrics = metrics
    }

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws
        -> Response
    {
        let started = ContinuousClock.now
        let path = request.uri.path
        var response: Response
        if !tokens.isEmpty, path.hasPrefix("/api/") || path.hasPrefix("/v1/"), !authorized(request) {
            context.logger.notice(
                "refused a request without a valid API token", metadata: ["path": "\(HTTPSupport.route(path))"])
            response = HTTPSupport.error(.unauthorized, "a valid API token is required: Authorization: Bearer <token>")
            response.headers[.wwwAuthenticate] = "Bearer"
        } else {
            do {
                response = try await next(request, context)
            } catch let error as APIError {
                response = HTTPSupport.error(error.status, error.message)
                if error.status == .serviceUnavailable { response.headers[.retryAfter] = "2" }
            } catch let error as HTTPError {
                response = HTTPSupport.error(error.status, error.body ?? error.status.reasonPhrase)
            } catch {
                context.logger.error("request failed", metadata: ["error": "\(type(of: error))"])
                response = HTTPSupport.error(.internalServerError, "the request could not be completed")
            }
        }
        response.headers[.init("X-Request-Id")!] = context.id
        let elapsed = ContinuousClock.now - started
        metrics.request(
            route: HTTPSupport.route(path), method: request.method.rawValue, status: Int(response.status.code),
            seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        return response
    }

    /// `Authorization: Bearer <token>` against every configured token, in constant time.
    private func authorized(_ request: Request) -> Bool {
        guard let header = request.headers[.authorization], header.hasPrefix("Bearer ") else { return false }
        let offered = Array(header.dropFirst("Bearer ".count).utf8)
        var match = false
        for token in tokens where Self.constantTimeEqual(offered, token) { match = true }
        return match
    }

    /// Compares without stopping at the first difference, so timing tells nothing about a token.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        let da = Data(SHA256.hash(data: a))
        let db = Data(SHA256.hash(data: b))
        var difference: UInt8 = 0
        for (x, y) in zip(da, db) { difference |= x ^ y }
        return difference == 0
    }
}
