/// A network-containment action on one host (SPEC 4.1). Both change a production machine, so they
/// are offered only when enabled, only to responders, only after a confirmation turn, never
/// retried, and always audited (see ``ContainmentDesk``).
public enum ContainmentAction: String, Sendable, CaseIterable, Codable {
    /// Isolate the host from the network (Falcon keeps its own connection).
    case contain
    /// Give the host its network back.
    case lift

    /// Falcon's `action_name`.
    public var apiName: String {
        switch self {
        case .contain: "contain"
        case .lift: "lift_containment"
        }
    }

    /// For sentences: "containment" / "lifting containment".
    var noun: String {
        switch self {
        case .contain: "containment"
        case .lift: "lifting containment"
        }
    }

    /// The host statuses in which the action has nothing to do.
    var alreadyDone: Set<String> {
        switch self {
        case .contain: ["contained", "containment_pending"]
        case .lift: ["normal", "lift_containment_pending"]
        }
    }
}
