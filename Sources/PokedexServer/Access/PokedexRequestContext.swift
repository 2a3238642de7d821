import Hummingbird
import NIOCore
import Synchronization

/// The request context of every route: the peer's address, and the principal once the
/// authentication middleware of a protected group has found one.
public struct PokedexRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The authenticated principal; set only inside a protected group.
    public var principal: Principal?
    /// The peer's IP address (without the port).
    public let clientAddress: String?
    /// Who the request turned out to be, for the access log around it (the context is copied into
    /// the protected group; this reference is shared by the copies).
    let trace = RequestTrace()

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

/// What the inner middlewares learn about a request that the outer ones log.
final class RequestTrace: Sendable {
    private let name = Mutex<String?>(nil)

    var principal: String? {
        get { name.withLock { $0 } }
        set { name.withLock { $0 = newValue } }
    }
}
