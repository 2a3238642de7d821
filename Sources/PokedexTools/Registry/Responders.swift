/// The users allowed to take actions, and the check every action desk makes before an action is
/// held or carried out: the identity came from a credential (``Caller/verified``: a name a front end
/// or a request body states is not enough) and is on the list. Names compare as channels spell them,
/// whatever their case and surrounding spaces.
struct Responders: Sendable {
    enum Refusal {
        case unverified
        case notResponder
    }

    private let names: Set<String>

    init(_ names: [String]) {
        self.names = Set(names.map(Self.normalised).filter { !$0.isEmpty })
    }

    var isEmpty: Bool { names.isEmpty }

    /// Why this caller may not act, or nil when it may.
    func refusal(_ context: ToolContext) -> Refusal? {
        guard context.caller.verified else { return .unverified }
        guard names.contains(Self.normalised(context.user)) else { return .notResponder }
        return nil
    }

    /// A user as the list and the confirmation ledger know them.
    static func normalised(_ user: String) -> String { user.trimmingWhitespace().lowercased() }
}
