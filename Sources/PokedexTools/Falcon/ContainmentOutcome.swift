/// How a containment step ended, as the audit log records it.
public enum ContainmentOutcome: String, Sendable, Codable {
    /// The caller's identity was stated, not proven by a credential.
    case refusedUnverified = "refused_unverified"
    /// The user is not on the responders list.
    case refusedNotResponder = "refused_not_responder"
    /// No single exact host match (none, several, or it changed since the request).
    case refusedHostMismatch = "refused_host_mismatch"
    /// A confirmation with no matching pending request (never asked, expired, another user).
    case refusedUnconfirmed = "refused_unconfirmed"
    /// The host is already in the wanted state; nothing was sent.
    case noChange = "no_change"
    /// Asked for; waiting for the user's confirmation turn.
    case awaitingConfirmation = "awaiting_confirmation"
    /// Confirmed; the request is about to go to Falcon.
    case sending
    /// Falcon accepted the action (202).
    case accepted
    /// Falcon refused it, or it failed or timed out (outcome then uncertain); not retried.
    case failed
}
