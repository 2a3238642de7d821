import PokedexAudit
import PokedexSessions

/// The audited actions' shared rule: the audit record goes first.
extension ServerDependencies {
    /// Appends the audit record first: an admin action that cannot be recorded is not taken.
    func audit(
        _ action: String, _ outcome: String, _ context: PokedexRequestContext, key: SessionKey? = nil,
        detail: String? = nil
    ) throws {
        let caller = try context.requirePrincipal().caller(channel: "http", context: context)
        do {
            try auditLog.append(
                AuditRecord(
                    action: action, outcome: outcome, caller: caller, user: key?.user, room: key?.room, detail: detail))
        } catch {
            throw APIError(.serviceUnavailable, "the audit log cannot be written, so nothing was done")
        }
    }
}
