import CoreMetrics
import Foundation
import PokedexAudit
import PokedexLLM
import PokedexRecovery
import PokedexSessions
import PokedexSettings
import PokedexTesting
import PokedexTools

@testable import PokedexAssistant

/// An assistant on real parts: a SQLite store and runbook index in a temporary folder, the scripted
/// LLM server and the Falcon and Open-Meteo simulators on loopback, and a manual clock for every
/// wait, so no test sleeps.
final class AssistantFixture: Sendable {
    let directory: TemporaryDirectory
    let store: SQLiteSessionStore
    let recovery: Recovery
    let clock: ManualClock
    let llm: ScriptedLLMServer
    let falcon: FalconSimulator
    let weather: OpenMeteoSimulator
    let tools: ToolSet
    let assistant: Assistant
    let toolsConfiguration: ToolsConfiguration
    /// The audit log of containment steps.
    let auditPath: String
    /// A caller whose identity a channel verified (a Webex sender, a user credential).
    static let verified = Caller(principal: "test", channel: "test", verified: true)
    let configuration: AssistantConfiguration
    let model: (any ChatModel)?

    static let hosts = [
        FalconSimulator.Host(
            id: "a1b2c3d4e5f60718293a4b5c6d7e8f90", hostname: "WS-1234", status: "contained", online: "online")
    ]
    /// Falcon's record of WS-1234, as a question that names it gets it.
    static let record = FalconReply.record(
        try! FalconHostname("WS-1234"),
        FalconDevice(deviceID: "a1b2c3d4e5f60718293a4b5c6d7e8f90", hostname: "WS-1234", status: "contained", tags: []),
        online: "online")

    /// - Parameters:
    ///   - script: the model's answers; `nil` runs without a model (degraded mode).
    ///   - wire: which wire format the model speaks.
    ///   - configure: changes to the assistant's settings.
    ///   - llmRetries: retries of a failed model call (0 keeps failure tests free of waits).
    init(
        script: [ScriptedLLMServer.Step]? = [], otherwise: ScriptedLLMServer.Step = .text("OK"),
        wire: String = "openai", dialect: ScriptedLLMServer.Dialect = .standard,
        containment: Bool = false, llmRetries: Int = 0, falconSecret: String = FalconSimulator.clientSecret,
        extraTools: [any CatalogTool.Type] = [], toolSettings: [String: [String: String]] = [:],
        maxMessageBytes: Int = SessionsConfiguration().maxMessageBytes, metrics: (any MetricsFactory)? = nil,
        configure: (inout AssistantConfiguration) -> Void = { _ in }
    ) async throws {
        directory = try TemporaryDirectory(prefix: "pokedex-assistant")
        clock = ManualClock()
        var sessions = SessionsConfiguration()
        sessions.maxMessageBytes = maxMessageBytes
        sessions.database = directory.path("pokedex.db")
        store = try SQLiteSessionStore(configuration: sessions, clock: clock)
        var recoveryConfiguration = ToolSet.recoveryConfiguration()
        recoveryConfiguration.declare(.llm, ChatModels.recoveryDefaults)
        for tool in extraTools { recoveryConfiguration.declare(tool.service, tool.recoveryDefaults) }
        for tool in recoveryConfiguration.policies.keys { recoveryConfiguration.policies[tool]?.jitter = 0 }
        recoveryConfiguration.policies[.llm]?.maxRetries = llmRetries
        recovery = Recovery(
            configuration: recoveryConfiguration, clock: clock, wallClock: { [clock] in clock.currentDate },
            metrics: metrics)
        llm = try await ScriptedLLMServer.start(script ?? [], otherwise: otherwise, dialect: dialect)
        falcon = try await FalconSimulator.start(hosts: Self.hosts)
        weather = try await OpenMeteoSimulator.start()

        let runbooks = directory.url.appendingPathComponent("runbooks")
        try FileManager.default.createDirectory(at: runbooks, withIntermediateDirectories: true)
        try Data(
            "# Ransomware response\n\n## First steps\n\nIsolate affected hosts with Falcon network containment, then call the incident commander."
                .utf8
        ).write(to: runbooks.appendingPathComponent("ransomware.md"))
        var toolsConfiguration = ToolsConfiguration()
        toolsConfiguration.runbooksDirectory = runbooks.path
        toolsConfiguration.runbooksIndex = directory.path("runbooks.db")
        toolsConfiguration.weatherURL = weather.baseURL
        toolsConfiguration.geocodingURL = weather.baseURL
        toolsConfiguration.falconBaseURL = falcon.baseURL
        toolsConfiguration.falconClientID = FalconSimulator.clientID
        toolsConfiguration.falconClientSecret = Secret(falconSecret)
        toolsConfiguration.containmentEnabled = containment
        toolsConfiguration.containmentResponders = ["alice"]
        toolsConfiguration.toolSettings = toolSettings
        self.toolsConfiguration = toolsConfiguration
        auditPath = directory.path("audit.jsonl")
        tools = try ToolSet.make(
            toolsConfiguration, recovery: recovery, auditLog: try AuditLog(path: auditPath),
            ledger: StoredConfirmations(store: store),
            now: { [clock] in clock.currentDate }, catalog: ToolSet.catalog + extraTools)

        var configuration = AssistantConfiguration()
        // The scripted model always answers; on a loaded machine its answer may take over 3 s.
        configuration.modelCheckTimeLimit = .seconds(60)
        configure(&configuration)
        var model: (any ChatModel)?
        if script != nil {
            model =
                wire == "ollama"
                ? OllamaChatModel(baseURL: llm.ollamaURL, model: "scripted") as any ChatModel
                : OpenAIChatModel(baseURL: llm.openAIURL, model: "scripted", apiKey: nil)
        }
        self.configuration = configuration
        self.model = model
        assistant = Assistant(
            configuration: configuration, store: store, recovery: recovery, tools: tools, model: model, clock: clock)
    }

    /// Another instance on the same database — a second replica, or the next `pokedex ask` — with
    /// its own store connection, tools and assistant, and the same simulators and clock.
    func replica() throws -> Assistant {
        let store = try SQLiteSessionStore(configuration: self.store.configuration, clock: clock)
        let tools = try ToolSet.make(
            toolsConfiguration, recovery: recovery, auditLog: try AuditLog(path: auditPath),
            ledger: StoredConfirmations(store: store),
            now: { [clock] in clock.currentDate })
        return Assistant(
            configuration: configuration, store: store, recovery: recovery, tools: tools, model: model, clock: clock)
    }

    func ask(_ message: String, user: String = "alice", room: String = "soc") async -> Reply {
        await assistant.respond(Turn(user: user, room: room, message: message, caller: Self.verified))
    }

    func history(user: String = "alice", room: String = "soc") async throws -> [StoredMessage] {
        try await store.history(of: SessionKey(user: user, room: room))
    }

    /// Runs a turn while moving the manual clock from one wake-up to the next until it answers.
    /// Time starts moving once `hanging` says a service has the request and will not answer (before
    /// that, a real loopback exchange may be in flight); while a turn runs there are at least two
    /// sleepers (its deadline guard and whatever it waits for). `beforeAdvance(n)` must hold before
    /// the n-th move (0-based): a test whose turn makes real requests between moves waits for them
    /// there — an event, not an amount of real time, which a loaded machine stretches.
    func askDrivingTheClock(
        _ message: String, beforeAdvance: @escaping @Sendable (Int) -> Bool = { _ in true },
        hanging: @escaping @Sendable () -> Bool
    ) async -> Reply {
        let turn = Task { await self.ask(message) }
        while !hanging() { await Task.yield() }
        let finished = Locked(false)
        let clock = self.clock
        Task {
            _ = await turn.value
            finished.set(true)
            // Wake a driver that is waiting for sleepers that will not come.
            for _ in 0..<2 { Task { try? await clock.sleep(for: .seconds(1)) } }
        }
        var advances = 0
        while !finished.get() {
            await clock.waitForSleepers(2)
            while !beforeAdvance(advances) && !finished.get() { await Task.yield() }
            if finished.get() { break }
            await clock.advanceToNextWake(within: .seconds(3600))
            advances += 1
        }
        return await turn.value
    }

    func finish() {
        Task { [llm, falcon, weather, directory] in
            try? await llm.stop()
            try? await falcon.stop()
            try? await weather.stop()
            directory.remove()
        }
    }
}

/// A flag shared between tasks.
final class Locked<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var value: Value
    init(_ value: Value) { self.value = value }
    func get() -> Value { lock.withLock { value } }
    func set(_ newValue: Value) { lock.withLock { value = newValue } }
}
