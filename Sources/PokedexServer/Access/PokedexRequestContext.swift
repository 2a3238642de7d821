import Hummingbird
import NIOCore

/// The request context of every route: the peer's address, and the principal once the
/// authentication middleware of a protected group has found one.
public struct PokedexRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The authenticated principal; set only inside a protected group.
    public var principal: Principal?
    /// The peer's IP address (without the port).
    public let clientAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        clientAddress = source.channel.remoteAddress?.ipAddress
    }

    /// The principal of a protected route (the middleware guarantees it).
    func requirePrincipal() throws -> Principal {
        guard let principal else { throw APIError(.unauthorized, "a valid credential is required") }
        return principal
    }
}
