import PokedexAudit
import PokedexSessions

/// The admin actions' shared rules: only admins take them, and the audit record goes first.
extension ServerDependencies {
    /// Refuses (and records the refusal) unless the principal administers.
    func requireAdministrator(_ context: PokedexRequestContext, action: String, audited: Bool = true) throws {
        guard try context.requirePrincipal().administers else {
            if audited { try? audit(action, "refused_forbidden", context) }
            throw APIError(.forbidden, "only an admin credential may use this route")
        }
    }

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
