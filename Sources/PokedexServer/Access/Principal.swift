import PokedexAssistant
import PokedexAudit

/// Who a request's credential belongs to (SPEC 5.1), as the authentication middleware found it.
public struct Principal: Sendable, Equatable {
    /// The configured name (`token-1` for an older bare token), `jwt`, or `local`.
    public var name: String
    public var role: AccessConfiguration.Role
    /// The user this principal *is* (a user or admin credential, a JWT subject); nil for a front
    /// end, which states its users, and for the local caller of a server without credentials.
    public var identity: String?
    /// May use the session administration routes.
    public var administers: Bool

    public init(name: String, role: AccessConfiguration.Role, identity: String?, administers: Bool) {
        self.name = name
        self.role = role
        self.identity = identity
        self.administers = administers
    }

    /// The caller of a server without any credential configured: it binds loopback only, so this
    /// is a process on the same machine. It may state users and administer, but it is never a
    /// verified identity, so it cannot take containment actions.
    static let local = Principal(name: "local", role: .frontend, identity: nil, administers: true)

    /// The user a request acts as: the bound identity (a different stated user is refused), or
    /// for a front end the user it states (or, when it states none, its own name). A stated user
    /// comes back as stated, so an empty or malformed one is still refused as such.
    /// - Throws: ``APIError`` 403 when a bound principal names someone else.
    func user(stated: String?) throws -> String {
        guard let identity else { return stated ?? name }
        guard let stated, stated.lowercased() != identity.lowercased() else { return identity }
        if stated.isEmpty { return stated }
        throw APIError(.forbidden, "this credential acts as '\(identity)' and cannot act as another user", field: "user")
    }

    /// Whether this principal may read or change the sessions of `user`.
    func mayManageSessions(of user: String) -> Bool {
        guard let identity else { return true }  // a front end manages its users' sessions
        return administers || identity.lowercased() == user.lowercased()
    }

    /// The caller for a turn or an audit record.
    func caller(channel: String, context: PokedexRequestContext) -> Caller {
        Caller(
            principal: name, channel: channel, verified: identity != nil, clientAddress: context.clientAddress,
            requestID: context.id)
    }
}
