import Foundation
import Hummingbird
import Logging
import PokedexAssistant
import PokedexAudit
import PokedexRecovery
import PokedexSessions
import PokedexWebex

/// What the routes work with.
public struct ServerDependencies: Sendable {
    public var configuration: ServerConfiguration
    public var store: any SessionStore
    public var recovery: Recovery
    public var slot: AssistantSlot
    public var metrics: ServerMetrics
    /// Where admin actions (and refusals of them) are recorded.
    public var auditLog: AuditLog
    /// Handles `POST /webhooks/webex` when the Webex bot is on: raw body and signature in, status out.
    public var webexWebhook: (@Sendable (Data, String?) async -> HTTPResponse.Status)?
    /// The Webex websocket's state, when the bot listens on one.
    public var webexWebsocket: (@Sendable () -> WebexConnectionStatus)?
    /// How `/mcp` serves MCP clients; nil leaves it out.
    public var mcp: MCPConfiguration?

    public init(
        configuration: ServerConfiguration, store: any SessionStore, recovery: Recovery, slot: AssistantSlot,
        metrics: ServerMetrics, auditLog: AuditLog,
        webexWebhook: (@Sendable (Data, String?) async -> HTTPResponse.Status)? = nil,
        webexWebsocket: (@Sendable () -> WebexConnectionStatus)? = nil, mcp: MCPConfiguration? = nil
    ) {
        self.webexWebsocket = webexWebsocket
        self.mcp = mcp
        self.configuration = configuration
        self.store = store
        self.recovery = recovery
        self.slot = slot
        self.metrics = metrics
        self.auditLog = auditLog
        self.webexWebhook = webexWebhook
    }

    /// A request body, within the size and time limits.
    func body(_ request: Request) async throws -> Data {
        try await HTTPSupport.body(
            request, limit: configuration.maxBodyBytes, timeLimit: configuration.bodyTimeout)
    }

    /// The assistant, or a 503 while it starts.
    func assistant() throws -> Assistant {
        guard let ready = slot.ready else { throw APIError(.serviceUnavailable, AssistantSlot.startingUp) }
        return ready.assistant
    }
}

/// The routes of SPEC 7, by structure: the public ones (an explicit short list) on the router
/// itself, every other one inside a group whose middleware authenticates — so no spelling of a
/// path can reach a protected handler without a credential, and the admin routes inside a group
/// of their own whose middleware lets only administrators through. One middleware per concern around
/// everything: metrics by matched route, the request id, errors rendered as JSON.
public enum PokedexRouter {
    /// The router with the configured tokens (JWTs need ``PokedexServerApp``, which loads the keys).
    public static func make(_ dependencies: ServerDependencies) -> Router<PokedexRequestContext> {
        make(dependencies, authenticator: Authenticator(dependencies.configuration.access, jwt: nil))
    }

    static func make(_ dependencies: ServerDependencies, authenticator: Authenticator) -> Router<PokedexRequestContext>
    {
        let router = Router(context: PokedexRequestContext.self)
        if dependencies.configuration.accessLog {
            router.add(middleware: AccessLogMiddleware(logger: Logger(label: "pokedex.access")))
        }
        router.add(middleware: MetricsMiddleware(metrics: dependencies.metrics))
        router.add(middleware: RequestIDMiddleware())
        router.add(middleware: ErrorMiddleware())

        PublicRoutes(deps: dependencies).add(to: router.group())

        let protected = router.group().add(middleware: AuthenticationMiddleware(authenticator: authenticator))
        ChatRoutes(deps: dependencies).add(to: protected.group("api/v1"))
        if let mcp = dependencies.mcp { MCPRoutes(deps: dependencies, configuration: mcp).add(to: protected) }
        // Admin-only routes: a group of their own behind the administrator's gate.
        let admin = protected.group("api/v1").add(middleware: AdministratorMiddleware(deps: dependencies))
        SessionRoutes(deps: dependencies).add(to: protected.group("api/v1/sessions"), admin: admin.group("sessions"))
        OperationsRoutes(deps: dependencies).add(to: protected.group("api/v1"), admin: admin)
        OpenAIRoutes(deps: dependencies).add(to: protected.group("v1"))
        return router
    }
}
