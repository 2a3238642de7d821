import AsyncHTTPClient
import Foundation
import PokedexAudit
import PokedexHTTP
import PokedexRecovery

/// The tools an installation has, built from its configuration: a tool whose integration is not
/// configured (no Falcon credentials, no runbooks folder) is left out and the reason kept, so the
/// bot still runs and can say what it cannot do.
public struct ToolSet: Sendable {
    public let registry: ToolRegistry
    /// Where containment confirmations go; nil when containment is not enabled.
    public let containment: ContainmentDesk?
    /// The runbook index, when runbook search is available (degraded mode searches it directly).
    public let runbooks: RunbookIndex?
    /// Why each missing tool is missing, for `status`, `help` and `config check`.
    public let disabled: [ToolName: String]
    /// What the start-up indexing of the runbooks folder did.
    public let runbookSummary: RunbookIndex.Summary?

    /// Builds the configured tools; the runbook index is brought up to date (unchanged files are
    /// skipped by hash, so this is quick after the first time). `ledger` is where containment
    /// requests wait for their confirmation; `auditLog` where their every step is recorded.
    /// - Throws: ``ToolSetError`` when containment is enabled without an audit log: an enabled
    ///   containment action without its audit trail must stop start-up.
    public static func make(
        _ configuration: ToolsConfiguration, recovery: Recovery, auditLog: AuditLog?, http: HTTPClient = .services,
        ledger: any ConfirmationLedger = InMemoryConfirmationLedger(), now: @escaping @Sendable () -> Date = { Date() }
    ) throws -> ToolSet {
        var tools: [any Tool] = []
        var disabled: [ToolName: String] = [:]
        var containment: ContainmentDesk?

        if configuration.falconConfigured {
            let client = FalconClient(
                baseURL: configuration.falconBaseURL, clientID: configuration.falconClientID,
                clientSecret: configuration.falconClientSecret, http: http, now: now)
            tools.append(FalconTool(client: client, recovery: recovery))
            if configuration.containmentEnabled {
                guard let auditLog else { throw ToolSetError.containmentWithoutAuditLog }
                let desk = ContainmentDesk(
                    client: client, recovery: recovery, auditLog: auditLog,
                    responders: configuration.containmentResponders,
                    confirmationWindow: configuration.containmentConfirmationWindow, ledger: ledger, now: now)
                tools.append(ContainmentTool(desk: desk))
                containment = desk
            } else {
                disabled[ContainmentTool.toolName] = "not enabled (falcon.containment.enabled)"
            }
        } else {
            disabled[.crowdstrike] = "no Falcon API credentials (POKEDEX_FALCON_CLIENT_ID and _SECRET)"
        }

        if configuration.weatherEnabled {
            let client = OpenMeteoClient(
                weatherURL: configuration.weatherURL, geocodingURL: configuration.geocodingURL, http: http, now: now)
            tools.append(WeatherTool(client: client, units: configuration.weatherUnits, recovery: recovery))
        } else {
            disabled[.weather] = "turned off (weather.enabled = false)"
        }

        var runbooks: RunbookIndex?
        var summary: RunbookIndex.Summary?
        let folder = URL(fileURLWithPath: configuration.runbooksDirectory)
        if (try? folder.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true {
            do {
                let index = try RunbookIndex(path: configuration.runbooksIndex)
                summary = try index.update(from: folder)
                tools.append(RunbookSearchTool(index: index, recovery: recovery))
                runbooks = index
            } catch {
                disabled[.documentSearch] = "the runbook index \(configuration.runbooksIndex) cannot be used: \(error)"
            }
        } else {
            disabled[.documentSearch] = "no runbooks folder at \(configuration.runbooksDirectory)"
        }

        return ToolSet(
            registry: ToolRegistry(tools, recovery: recovery), containment: containment, runbooks: runbooks,
            disabled: disabled, runbookSummary: summary)
    }
}

/// The configured tools cannot be built.
public enum ToolSetError: Error, CustomStringConvertible {
    case containmentWithoutAuditLog

    public var description: String {
        "containment is enabled (falcon.containment.enabled) but no audit log was opened for it"
    }
}
