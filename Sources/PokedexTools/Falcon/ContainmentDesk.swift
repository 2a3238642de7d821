import Foundation
import PokedexAudit
import PokedexRecovery
import PokedexSettings

/// Where containment requests are checked, held for confirmation and carried out (SPEC 4.1).
///
/// The model can only *ask* (``request(_:hostname:context:)``, through ``ContainmentTool``); the
/// action runs only when the user's own next message is the exact confirmation phrase, which the
/// assistant hands to ``confirm(_:context:)`` before any model sees it — so a model cannot confirm
/// for the user. Only verified identities (``Caller/verified``) on the responders list may ask or
/// confirm, and a confirmation counts only from the identity that asked; the host must match exactly one device, both
/// when asked and when confirmed; the action is sent once (never retried); every step is written
/// to the audit log first, and nothing happens when it cannot be. Requests wait for their
/// confirmation in a ``ConfirmationLedger``.
public final class ContainmentDesk: Sendable {
    private let client: FalconClient
    private let recovery: Recovery
    private let auditLog: AuditLog
    private let responders: Responders
    private let confirmationWindow: Duration
    private let now: @Sendable () -> Date
    private let ledger: any ConfirmationLedger

    /// - Parameters:
    ///   - responders: the users (as channels name them: Webex email, principal identity, JWT
    ///     subject, CLI user) allowed to act, when verified; compared case-insensitively.
    ///   - confirmationWindow: how long a request waits for its confirmation.
    ///   - ledger: where requests wait for their confirmation (shared by replicas that share a store).
    ///   - now: the time, for expiry.
    public init(
        client: FalconClient, recovery: Recovery, auditLog: AuditLog, responders: [String],
        confirmationWindow: Duration = .seconds(300), ledger: any ConfirmationLedger = InMemoryConfirmationLedger(),
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.client = client
        self.recovery = recovery
        self.auditLog = auditLog
        self.responders = Responders(responders)
        self.confirmationWindow = confirmationWindow
        self.ledger = ledger
        self.now = now
    }

    /// The message that confirms `action` on `host`.
    public static func confirmationPhrase(_ action: ContainmentAction, _ host: FalconHostname) -> String {
        "confirm \(action.rawValue) \(host)"
    }

    /// Checks a request and holds it for confirmation; nothing is sent to Falcon's action endpoint.
    /// - Returns: the text for the model or user: what to type to confirm, or why not.
    public func request(_ action: ContainmentAction, hostname: String, context: ToolContext) async -> ToolResult {
        let host: FalconHostname
        do {
            host = try FalconHostname(hostname)
        } catch {
            return ToolResult(text: error.description)
        }
        var record = record(action, host, context)
        if let refusal = refusal(context) { return ToolResult(text: audited(record, refusal.outcome, refusal.text)) }
        let device: FalconDevice
        switch await exactlyOneDevice(host, question: context.question) {
        case .failure(let text, let outcome):
            return ToolResult(text: audited(record, outcome, text))
        case .success(let found):
            device = found
        }
        record.deviceID = device.deviceID
        if let status = device.status, action.alreadyDone.contains(status) {
            return ToolResult(text: audited(record, .noChange, "Nothing to do. " + FalconReply.containment(host, status: status)))
        }
        let expires = now().addingTimeInterval(Double(confirmationWindow.components.seconds))
        let phrase = Self.confirmationPhrase(action, host)
        let text = """
            ⚠️ Please confirm: \(action == .contain ? "contain" : "lift containment of") '\(host)' \
            (device \(device.deviceID ?? "?")) — this \(action == .contain ? "isolates it from" : "reconnects it to") \
            the network. To go ahead, reply exactly `\(phrase)` within \(Self.spoken(confirmationWindow)).
            """
        guard appendRecord(record, .awaitingConfirmation, nil) else { return ToolResult(text: Self.auditUnavailable) }
        let (user, room) = Self.requester(context)
        do {
            try await ledger.hold(
                PendingContainment(
                    action: action, hostname: host.description, deviceID: device.deviceID ?? "", expires: expires),
                user: user, room: room)
        } catch {
            return ToolResult(text: audited(record, .failed, Self.ledgerUnavailable))
        }
        return ToolResult(text: text, confirmation: phrase)
    }

    /// Carries out the request this message confirms.
    /// - Returns: nil when `message` is not a confirmation phrase (the assistant handles it as
    ///   usual); otherwise the outcome for the user.
    public func confirm(_ message: String, context: ToolContext) async -> String? {
        guard let (action, hostname) = Self.parseConfirmation(message) else { return nil }
        guard let host = try? FalconHostname(hostname) else {
            return "'\(hostname)' is not a valid hostname, so there is nothing to confirm."
        }
        var record = record(action, host, context)
        if let refusal = refusal(context) { return audited(record, refusal.outcome, refusal.text) }
        let (user, room) = Self.requester(context)
        let request: PendingContainment?
        do {
            request = try await ledger.take(user: user, room: room, at: now())
        } catch {
            return audited(record, .failed, Self.ledgerUnavailable)
        }
        guard let request, request.action == action, request.hostname == host.description else {
            return audited(
                record, .refusedUnconfirmed,
                """
                ⚠️ There is no pending request to \(action == .contain ? "contain" : "lift containment of") \
                '\(host)' for you to confirm (requests expire after \(Self.spoken(confirmationWindow))). \
                Nothing was done; ask again to start over.
                """)
        }
        record.deviceID = request.deviceID
        // The name must still lead to the same single device it did when the user was asked.
        switch await exactlyOneDevice(host, question: context.question) {
        case .failure(let text, let outcome):
            return audited(record, outcome, text)
        case .success(let device) where device.deviceID != request.deviceID:
            return audited(
                record, .refusedHostMismatch,
                "⚠️ '\(host)' now names a different device than when you asked. Nothing was done; ask again.")
        case .success:
            break
        }
        guard appendRecord(record, .sending, nil) else { return Self.auditUnavailable }
        let client = self.client
        let deviceID = request.deviceID
        let outcome = await recovery.call(ContainmentTool.service, idempotent: false) { attempt in
            try await client.perform(action, on: deviceID, timeLimit: attempt.timeLimit)
        }
        switch outcome {
        case .success:
            let (noun, pendingState, end) =
                action == .contain
                ? ("the containment of", "Containment Pending", "isolated")
                : ("lifting containment of", "Lift Containment Pending", "reconnected")
            return audited(
                record, .accepted,
                "✅ Falcon accepted \(noun) '\(host)' (device \(deviceID)). "
                    + "It shows \(pendingState) until the host is \(end).")
        case .failure(let reason):
            let why = Self.explain(reason)
            let text = """
                ⚠️ The request for \(action.noun) of '\(host)' did not go through: \(why). It was not retried; \
                check the host in the Falcon console before trying again.
                """
            _ = appendRecord(record, .failed, why)  // sent already: the user must hear the outcome regardless
            return text
        }
    }

    /// Built once: Swift parses a regex literal each time it is evaluated.
    nonisolated(unsafe) private static let confirmation = /(?i)confirm\s+(contain|lift)\s+(\S+)/

    /// `confirm contain WS-1234` / `confirm lift WS-1234` (any case, surrounding spaces, a final `.`).
    public static func parseConfirmation(_ message: String) -> (ContainmentAction, String)? {
        var text = message.trimmingWhitespace()
        if text.hasSuffix(".") || text.hasSuffix("!") { text.removeLast() }
        guard text.lowercased().hasPrefix("confirm"), let match = text.wholeMatch(of: confirmation),
            let action = ContainmentAction(rawValue: match.1.lowercased())
        else { return nil }
        return (action, String(match.2))
    }

    // MARK: Steps

    private enum Lookup {
        case success(FalconDevice)
        case failure(String, ContainmentOutcome)
    }

    /// The one device named exactly `host`, read through recovery (a read may be retried).
    private func exactlyOneDevice(_ host: FalconHostname, question: String) async -> Lookup {
        let client = self.client
        let outcome = await recovery.call(ContainmentTool.service) { attempt -> [FalconDevice] in
            let ids = try await client.deviceIDs(for: host, timeLimit: attempt.timeLimit)
            guard ids.count == 1 else { return ids.map { FalconDevice(deviceID: $0) } }
            return try await client.devices(ids, timeLimit: attempt.timeLimit)
        }
        switch outcome {
        case .failure:
            return .failure(FalconTool.fallbackText(for: question), .failed)
        case .success(let devices, _):
            switch devices.count {
            case 0: return .failure(FalconReply.notFound(host), .refusedHostMismatch)
            case 1: return .success(devices[0])
            default:
                return .failure(
                    """
                    ⚠️ More than one host in CrowdStrike is named '\(host)', so nothing was done: a containment \
                    action needs exactly one match. Use the Falcon console to pick the device.
                    """, .refusedHostMismatch)
            }
        }
    }

    /// Why this caller may not act (``Responders``), as the audit log and the user are told.
    private func refusal(_ context: ToolContext) -> (outcome: ContainmentOutcome, text: String)? {
        switch responders.refusal(context) {
        case .unverified: (.refusedUnverified, Self.unverified)
        case .notResponder: (.refusedNotResponder, Self.notResponder)
        case nil: nil
        }
    }

    private func record(_ action: ContainmentAction, _ host: FalconHostname, _ context: ToolContext) -> AuditRecord {
        AuditRecord(
            action: action.rawValue, outcome: ContainmentOutcome.awaitingConfirmation.rawValue, caller: context.caller,
            user: context.user, room: context.room, hostname: host.description)
    }

    /// Writes the record (with `text` as its detail) and returns `text`, or the refusal when the
    /// audit log cannot be written.
    private func audited(
        _ record: AuditRecord, _ outcome: ContainmentOutcome, _ text: String
    ) -> String {
        appendRecord(record, outcome, text) ? text : Self.auditUnavailable
    }

    /// Whose request it is: the same user (however the channel cases it) in the same room.
    private static func requester(_ context: ToolContext) -> (user: String, room: String) {
        (Responders.normalised(context.user), context.room)
    }

    private func appendRecord(_ record: AuditRecord, _ outcome: ContainmentOutcome, _ detail: String?) -> Bool {
        var record = record
        record.outcome = outcome.rawValue
        record.detail = detail
        do {
            try auditLog.append(record)
            return true
        } catch {
            return false
        }
    }

    private static let notResponder = """
        ⛔ Containment actions are restricted to responders, and you are not on the list. Nothing was done. \
        Ask an on-call responder, or use the Falcon console if you have access.
        """

    private static let unverified = """
        ⛔ Containment actions need an identity proven by your credentials (Webex, your own API token or \
        single sign-on); this request did not come with one. Nothing was done.
        """

    private static let ledgerUnavailable = """
        ⚠️ The session store is not answering, so the containment request could not be held or checked. \
        Nothing was done; ask again in a moment.
        """

    private static let auditUnavailable =
        "⚠️ Containment actions are unavailable because the audit log cannot be written. Nothing was done."

    private static func explain(_ reason: FailureReason) -> String {
        switch reason {
        case .unavailable: "CrowdStrike is out of service after repeated failures"
        case .deadlineExceeded: "there was no time left in this turn"
        case .cancelled: "it was cancelled"
        case .failed(let failure, _):
            switch failure.kind {
            case .http(403): "the Falcon API client lacks the Hosts: Write scope"
            case .timeout: "Falcon did not answer in time, so it may or may not have been carried out"
            default: failure.description
            }
        }
    }

    private static func spoken(_ duration: Duration) -> String {
        let seconds = Int(duration.components.seconds)
        if seconds % 60 == 0 { return seconds == 60 ? "1 minute" : "\(seconds / 60) minutes" }
        return "\(seconds) seconds"
    }
}
