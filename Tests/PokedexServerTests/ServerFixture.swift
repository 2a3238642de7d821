import Foundation
import Hummingbird
import HummingbirdTesting
import PokedexAssistant
import PokedexAudit
import PokedexLLM
import PokedexRecovery
import PokedexSessions
import PokedexTesting
import PokedexTools

@testable import PokedexServer

/// The server's router on real parts: a SQLite store and runbook index in a temporary folder, the
/// assistant in degraded mode or on the scripted LLM, recovery on a manual clock.
final class ServerFixture: Sendable {
    let directory: TemporaryDirectory
    let store: SQLiteSessionStore
    let recovery: Recovery
    let slot: AssistantSlot
    let metrics: ServerMetrics
    let llm: ScriptedLLMServer?
    let dependencies: ServerDependencies
    let auditPath: String

    static let token = "test-token-0123456789abcdef"

    /// - Parameters:
    ///   - tokens: `POKEDEX_API_TOKENS` entries (`name:role:token`); none leaves the API open (loopback).
    ///   - ready: false leaves the assistant "starting up".
    ///   - script: the model's answers; nil runs without a model.
    init(tokens: [String] = [], ready: Bool = true, script: [ScriptedLLMServer.Step]? = nil) async throws {
        directory = try TemporaryDirectory(prefix: "pokedex-server")
        var sessions = SessionsConfiguration()
        sessions.database = directory.path("pokedex.db")
        store = try SQLiteSessionStore(configuration: sessions)
        metrics = ServerMetrics()
        recovery = Recovery(configuration: ToolSet.recoveryConfiguration(), clock: ManualClock(), metrics: metrics.factory)
        let runbooks = directory.url.appendingPathComponent("runbooks")
        try FileManager.default.createDirectory(at: runbooks, withIntermediateDirectories: true)
        try Data("# Phishing triage\n\nCheck SPF, DKIM and DMARC of the sender.".utf8).write(
            to: runbooks.appendingPathComponent("phishing.md"))
        var toolsConfiguration = ToolsConfiguration()
        toolsConfiguration.runbooksDirectory = runbooks.path
        toolsConfiguration.runbooksIndex = directory.path("runbooks.db")
        toolsConfiguration.weatherEnabled = false
        let tools = try ToolSet.make(toolsConfiguration, recovery: recovery, auditLog: nil)
        var model: (any ChatModel)?
        if let script {
            let server = try await ScriptedLLMServer.start(script)
            llm = server
            model = OpenAIChatModel(baseURL: server.openAIURL, model: "scripted", apiKey: nil)
        } else {
            llm = nil
        }
        let assistant = Assistant(
            configuration: AssistantConfiguration(), store: store, recovery: recovery, tools: tools, model: model)
        slot = AssistantSlot(ready ? .init(assistant: assistant, tools: tools, model: model) : nil)
        var server = ServerConfiguration()
        try server.set("server.api_tokens", to: tokens.joined(separator: ","))
        auditPath = directory.path("audit.jsonl")
        dependencies = ServerDependencies(
            configuration: server, store: store, recovery: recovery, slot: slot, metrics: metrics,
            auditLog: try AuditLog(path: auditPath))
    }

    var application: some ApplicationProtocol {
        Application(router: PokedexRouter.make(dependencies))
    }

    /// Runs requests against the router (no sockets).
    func test<Value: Sendable>(_ body: @Sendable (any TestClientProtocol) async throws -> Value) async throws -> Value {
        try await application.test(.router) { client in try await body(client) }
    }

    func finish() {
        Task { [llm, directory] in
            try? await llm?.stop()
            directory.remove()
        }
    }
}

extension TestResponse {
    var text: String { String(buffer: body) }
    var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] }
    var errorMessage: String? { (json?["error"] as? [String: Any])?["message"] as? String }
}

extension ByteBuffer {
    static func json(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }
}
