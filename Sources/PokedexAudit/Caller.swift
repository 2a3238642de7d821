/// Who a turn or an admin action comes from, as the channel established it from credentials.
///
/// `verified` is the fact containment depends on: true only when the user's identity came from a
/// credential (a *user* or *admin* API credential, a signed JWT, a Webex sender, the operator at
/// the terminal) — never from a name in a request body. A trusted front end may say which of its
/// users it speaks for, but that user is not verified.
public struct Caller: Sendable, Equatable {
    /// The credential's principal: its configured name, `jwt`, `webex`, `local`, `cli`.
    public var principal: String
    /// Where the request came in: `http`, `openai`, `webex`, `cli`.
    public var channel: String
    /// The user's identity was proven by the credential itself.
    public var verified: Bool
    /// The peer's address, when there is a network peer.
    public var clientAddress: String?
    /// The request id (`X-Request-Id`), to find the request in the logs.
    public var requestID: String?

    public init(
        principal: String, channel: String, verified: Bool, clientAddress: String? = nil, requestID: String? = nil
    ) {
        self.principal = principal
        self.channel = channel
        self.verified = verified
        self.clientAddress = clientAddress
        self.requestID = requestID
    }

    /// A caller nobody vouched for: what a turn is unless its channel says otherwise.
    public static func unverified(channel: String) -> Caller {
        Caller(principal: "unknown", channel: channel, verified: false)
    }
}
