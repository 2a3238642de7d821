import Foundation
import MCP
import PokedexAudit
import PokedexRecovery
import PokedexSettings

/// Where another MCP server's tools that act (any tool its server does not annotate read-only)
/// are checked, held for confirmation and carried out, by the rules of containment (SPEC 4.1):
/// the model can only ask; only verified identities on `mcp.responders` may ask and confirm; the
/// action runs only when the same user's own next message in the same room is the exact phrase
/// `confirm <tool>`, which reaches the desk before any model; it is sent once (never retried);
/// every step is written to the audit log first, and nothing happens when it cannot be.
public final class MCPActionDesk: Sendable {
    private let recovery: Recovery
    private let auditLog: AuditLog?
    private let responders: Responders
    private let confirmationWindow: Duration
    private let ledger: any ConfirmationLedger
    private let now: @Sendable () -> Date

    static let kind = "mcp-action"

    /// A requested call, waiting for its confirmation.
    struct Pending: Codable {
        var tool: String
        var arguments: [String: Value]
        var expires: Date
    }

    public init(
        recovery: Recovery, auditLog: AuditLog?, responders: [String], confirmationWindow: Duration = .seconds(300),
        ledger: any ConfirmationLedger, now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.recovery = recovery
        self.auditLog = auditLog
        self.responders = Responders(responders)
        self.confirmationWindow = confirmationWindow
        self.ledger = ledger
        self.now = now
    }

    /// Whether anyone may use tools that act (without responders they are not offered at all).
    public var hasResponders: Bool { !responders.isEmpty }

    /// The message that confirms a call of `tool`.
    public static func confirmationPhrase(_ tool: ToolName) -> String { "confirm \(tool)" }

    /// Checks the caller and holds the call for confirmation; nothing reaches the server.
    func request(_ tool: ToolName, arguments: [String: Value], context: ToolContext) async -> ToolResult {
        let record = record(tool, arguments, context)
        if let refusal = refusal(context) { return ToolResult(text: audited(record, refusal.outcome, refusal.text)) }
        let pending = Pending(
            tool: tool.rawValue, arguments: arguments,
            expires: now().addingTimeInterval(Double(confirmationWindow.components.seconds)))
        guard append(record, "awaiting_confirmation", nil) else { return ToolResult(text: Self.auditUnavailable) }
        do {
            try await ledger.hold(
                try JSONEncoder().encode(pending), kind: Self.kind, user: Responders.normalised(context.user), room: context.room,
                until: pending.expires)
        } catch {
            return ToolResult(text: audited(record, "failed", Self.ledgerUnavailable))
        }
        let phrase = Self.confirmationPhrase(tool)
        return ToolResult(
            text: """
                ⚠️ Please confirm: \(tool) (\(Self.describe(arguments))) acts through another service and is not \
                read-only. To go ahead, reply exactly `\(phrase)` within \(confirmationWindow.components.seconds / 60) minutes.
                """, confirmation: phrase)
    }

    /// Carries out the call this message confirms, through `send` (once, never retried).
    /// - Returns: nil when `message` is not the phrase for `tool`; otherwise the outcome.
    func confirm(
        _ message: String, tool: ToolName, service: ToolName, context: ToolContext,
        send: @escaping @Sendable ([String: Value], Duration) async throws -> String
    ) async -> String? {
        var text = message.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasSuffix(".") { text.removeLast() }
        guard text.lowercased() == Self.confirmationPhrase(tool).lowercased() else { return nil }
        var record = record(tool, [:], context)
        if let refusal = refusal(context) { return audited(record, refusal.outcome, refusal.text) }
        let data: Data?
        do {
            data = try await ledger.take(Self.kind, user: Responders.normalised(context.user), room: context.room, at: now())
        } catch {
            return audited(record, "failed", Self.ledgerUnavailable)
        }
        guard let data, let pending = try? JSONDecoder().decode(Pending.self, from: data), pending.tool == tool.rawValue
        else {
            return audited(
                record, "refused_unconfirmed",
                "⚠️ There is no pending \(tool) call for you to confirm (requests expire after "
                    + "\(confirmationWindow.components.seconds / 60) minutes). Nothing was done; ask again to start over.")
        }
        record.detail = Self.describe(pending.arguments)
        guard append(record, "sending", record.detail) else { return Self.auditUnavailable }
        let outcome = await recovery.call(service, idempotent: false) { attempt in
            try await send(pending.arguments, attempt.timeLimit)
        }
        switch outcome {
        case .success(let answer, _):
            return audited(record, "accepted", "✅ \(tool) was carried out. The service answered: \(answer)")
        case .failure(let reason):
            let text = "⚠️ \(tool) did not go through (\(reason)). It was not retried; check the service before trying again."
            _ = append(record, "failed", "\(reason)")  // sent already: the user must hear the outcome regardless
            return text
        }
    }

    private func refusal(_ context: ToolContext) -> (outcome: String, text: String)? {
        switch responders.refusal(context) {
        case .unverified:
            ("refused_unverified", "⛔ Tools that act need an identity proven by your credentials; this request did not come with one. Nothing was done.")
        case .notResponder:
            ("refused_not_responder", "⛔ Tools that act are restricted to responders (mcp.responders), and you are not on the list. Nothing was done.")
        case nil: nil
        }
    }

    private func record(_ tool: ToolName, _ arguments: [String: Value], _ context: ToolContext) -> AuditRecord {
        AuditRecord(
            action: "mcp.\(tool)", outcome: "awaiting_confirmation", caller: context.caller, user: context.user,
            room: context.room, detail: arguments.isEmpty ? nil : Self.describe(arguments))
    }

    private func audited(_ record: AuditRecord, _ outcome: String, _ text: String) -> String {
        append(record, outcome, text) ? text : Self.auditUnavailable
    }

    private func append(_ record: AuditRecord, _ outcome: String, _ detail: String?) -> Bool {
        guard let auditLog else { return false }
        var record = record
        record.outcome = outcome
        if let detail { record.detail = detail }
        do {
            try auditLog.append(record)
            return true
        } catch {
            return false
        }
    }

    /// The arguments as `key=value`, sorted.
    static func describe(_ arguments: [String: Value]) -> String {
        arguments.sorted { $0.key < $1.key }.map { key, value in
            if case .string(let text) = value { return "\(key)=\(text)" }
            return "\(key)=\(value)"
        }.joined(separator: ", ")
    }


    private static let ledgerUnavailable =
        "⚠️ The session store is not answering, so the request could not be held or checked. Nothing was done; ask again in a moment."
    private static let auditUnavailable =
        "⚠️ Tools that act are unavailable because the audit log cannot be written. Nothing was done."
}
