import Foundation
import PokedexAudit
import PokedexRecovery
import PokedexSettings
import PokedexTesting
import Testing

@testable import PokedexTools

/// Which tools an installation gets from its configuration.
@Suite("Tool set from configuration")
struct ToolSetTests {
    /// A configuration whose runbooks folder (with one runbook) and state live in a temporary folder.
    private func configuration(_ directory: TemporaryDirectory) throws -> ToolsConfiguration {
        let folder = directory.url.appendingPathComponent("runbooks")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("# Phishing\n\nCheck SPF, DKIM and DMARC.".utf8).write(to: folder.appendingPathComponent("p.md"))
        var configuration = ToolsConfiguration()
        configuration.runbooksDirectory = folder.path
        configuration.runbooksIndex = directory.path("state/runbooks.db")
        return configuration
    }

    @Test func withoutCredentialsFalconIsLeftOutAndTheRestWorks() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let set = try ToolSet.make(try configuration(directory), recovery: Recovery(configuration: ToolSet.recoveryConfiguration(), clock: ManualClock()), auditLog: nil)
        #expect(set.registry.tools.map(\.name) == [.weather, .documentSearch])
        #expect(set.disabled[.crowdstrike]?.contains("POKEDEX_FALCON_CLIENT_ID") == true)
        #expect(set.disabled[ContainmentTool.name] != nil)
        let runbooks = try #require(set.registry.tool(named: "document_search") as? RunbookSearchTool)
        #expect(try runbooks.index.counts().documents == 1)
    }

    @Test func containmentIsOfferedOnlyWhenEnabledAndFollowsTheFalconBreaker() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var configuration = try configuration(directory)
        try configuration.apply(environment: [
            "POKEDEX_FALCON_CLIENT_ID": "id", "POKEDEX_FALCON_CLIENT_SECRET": "secret",
        ])
        let recovery = Recovery(configuration: ToolSet.recoveryConfiguration(), clock: ManualClock())
        let plain = try ToolSet.make(configuration, recovery: recovery, auditLog: nil)
        #expect(plain.registry.tools.map(\.name) == [.crowdstrike, .weather, .documentSearch])
        #expect(plain.disabled[ContainmentTool.name] != nil)

        try configuration.apply(environment: [
            "POKEDEX_FALCON_CONTAINMENT_ENABLED": "true", "POKEDEX_FALCON_CONTAINMENT_RESPONDERS": "alice, bob ,",
        ])
        #expect(configuration.containmentResponders == ["alice", "bob"])
        #expect(throws: ToolSetError.self) { try ToolSet.make(configuration, recovery: recovery, auditLog: nil) }
        let auditPath = directory.path("state/audit.jsonl")
        let armed = try ToolSet.make(configuration, recovery: recovery, auditLog: try AuditLog(path: auditPath))
        #expect(armed.registry.tools.map(\.name).contains(ContainmentTool.name))
        #expect(FileManager.default.fileExists(atPath: auditPath))

        recovery.force(.crowdstrike, available: false)
        #expect(armed.registry.available.map(\.name) == [.weather, .documentSearch])
    }

    @Test func aMissingRunbooksFolderDisablesOnlyDocumentSearch() throws {
        var configuration = ToolsConfiguration()
        configuration.runbooksDirectory = "/nonexistent/runbooks"
        let set = try ToolSet.make(configuration, recovery: Recovery(configuration: ToolSet.recoveryConfiguration(), clock: ManualClock()), auditLog: nil)
        #expect(set.registry.tools.map(\.name) == [.weather])
        #expect(set.disabled[.documentSearch] == "no runbooks folder at /nonexistent/runbooks")
    }

    @Test(arguments: [
        (["POKEDEX_FALCON_CLIENT_ID": "id"], "falcon.client_secret must be set too"),
        (
            ["POKEDEX_FALCON_CONTAINMENT_ENABLED": "yes"],
            "falcon.containment.enabled needs Falcon credentials"
        ),
        (
            [
                "POKEDEX_FALCON_CLIENT_ID": "id", "POKEDEX_FALCON_CLIENT_SECRET": "s",
                "POKEDEX_FALCON_CONTAINMENT_ENABLED": "on",
            ],
            "falcon.containment.responders must list at least one user"
        ),
        (["POKEDEX_FALCON_CONTAINMENT_ENABLED": "maybe"], "falcon.containment.enabled must be true or false"),
        (["POKEDEX_WEATHER_URL": "ftp://x"], "weather.url must be an http or https URL"),
        (["POKEDEX_WEATHER_UNITS": "kelvin"], "weather.units must be one of fahrenheit, celsius"),
    ])
    func contradictionsAreClearErrors(_ environment: [String: String], _ message: String) {
        var configuration = ToolsConfiguration()
        #expect {
            try configuration.apply(environment: environment)
        } throws: { error in
            "\(error)".hasPrefix(message)
        }
    }

    @Test func environmentSetsEveryKey() throws {
        var configuration = ToolsConfiguration()
        try configuration.apply(environment: [
            "POKEDEX_FALCON_BASE_URL": "https://api.eu-1.crowdstrike.com/", "POKEDEX_WEATHER_UNITS": "Celsius",
            "POKEDEX_GEOCODING_URL": "http://127.0.0.1:9", "POKEDEX_RUNBOOKS_DIR": "/srv/runbooks",
            "POKEDEX_FALCON_CONTAINMENT_CONFIRMATION_WINDOW": "2m",
        ])
        #expect(configuration.falconBaseURL == "https://api.eu-1.crowdstrike.com")
        #expect(configuration.weatherUnits == .celsius)
        #expect(configuration.geocodingURL == "http://127.0.0.1:9")
        #expect(configuration.runbooksDirectory == "/srv/runbooks")
        #expect(configuration.containmentConfirmationWindow == .seconds(120))
    }
}
