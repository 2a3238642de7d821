import AsyncHTTPClient
import Foundation
import PokedexRecovery
import PokedexTesting
import PokedexTools
import Testing

@testable import PokedexAssistant

/// A tool added the way docs/architecture.md shows: one type, catalogued. It is defined here, in
/// the test, and nowhere else; the assistant, recovery and the commands take everything from it —
/// direct routing, evidence, fallback text, recovery defaults, `hello`, `status`.
struct TicketTool: CatalogTool {
    static let name: ToolName = "ticket"
    static let recoveryDefaults = RecoveryDefaults(
        policy: RetryPolicy(maxRetries: 0, initialDelay: .zero, backoff: 1), threshold: 1)

    let description = "Look up an incident ticket by its number, e.g. INC-4471."
    let parameters = ToolParameters(["number": .init(.string, "The ticket number.")], required: ["number"])
    let literalParameters = ["number"]
    let capability: String? = "look up an incident ticket (\"ticket INC-4471\")"
    let url: String
    let http: HTTPClient
    let recovery: Recovery

    static func build(_ context: ToolBuildContext) throws -> ToolBuild {
        guard let url = context.configuration.toolSettings["ticket"]?["url"] else {
            return .disabled("no ticketing URL (tools.ticket.url)")
        }
        return .built(TicketTool(url: url, http: context.http, recovery: context.recovery))
    }

    nonisolated(unsafe) static let number = /INC-\d+/

    func directArguments(for question: String) -> [String: ToolArgument]? {
        question.firstMatch(of: Self.number).map { ["number": .string(String($0.0))] }
    }

    func fallbackText(for question: String) -> String { "⚠️ Ticketing is not answering; open the ticket in the ticket system." }

    func evidenceText(_ result: ToolResult) -> String { "ticket system: " + result.text }

    func selfTest(timeLimit: Duration) async -> SelfTest? {
        await SelfTest.run("ticketing answers") { _ = try await get("/health") }
    }

    func run(_ arguments: ToolArguments, context: ToolContext) async -> ToolResult {
        let number = arguments.string("number") ?? ""
        let outcome = await recovery.call(Self.service) { _ in try await get("/tickets/\(number)") }
        return result(outcome, context: context)
    }

    private func get(_ path: String) async throws -> String {
        let response = try await http.execute(HTTPClientRequest(url: url + path), timeout: .seconds(5))
        let body = String(buffer: try await response.body.collect(upTo: 1 << 16))
        guard response.status == .ok else {
            throw ServiceFailure(.http(status: Int(response.status.code)), "ticketing answered \(response.status.code)")
        }
        return body
    }
}

@Suite("A new tool")
struct NewToolTests {
    static let ticket = "INC-4471 is open, severity P2, assigned to Dana."

    private func start(script: [ScriptedLLMServer.Step]? = [.text("It is with Dana.")]) async throws
        -> (AssistantFixture, LoopbackHTTPServer, FaultInjector)
    {
        let faults = FaultInjector()
        let service = try await LoopbackHTTPServer.start(faults: faults) { request in
            request.path == "/tickets/INC-4471" || request.path == "/health"
                ? LoopbackHTTPServer.Response(body: Data(Self.ticket.utf8)) : .json("{}", status: 404)
        }
        let fixture = try await AssistantFixture(
            script: script, extraTools: [TicketTool.self], toolSettings: ["ticket": ["url": service.baseURL]])
        return (fixture, service, faults)
    }

    @Test func itAnswersItsQuestionsDirectlyAndShowsItsEvidenceItsWay() async throws {
        let (fixture, service, _) = try await start()
        defer { fixture.finish(); Task { try await service.stop() } }
        let reply = await fixture.ask("who has INC-4471?")
        // The text read states the tool's answer; the model's words follow it.
        #expect(reply.text == Self.ticket + "\n\nIt is with Dana.")
        #expect(reply.evidence.map(\.tool) == ["ticket"])
        #expect(reply.evidence.first?.result == "ticket system: " + Self.ticket)
        // The model got the lookup as a call it made, with the result, before it answered.
        let sent = try #require(fixture.llm.received.first).messages.map(\.content)
        #expect(sent.contains(Self.ticket))
        #expect(fixture.llm.received.first?.tools.contains("ticket") == true)
        #expect(await fixture.ask("hello").text.contains("look up an incident ticket"))
    }

    @Test func whenItsServiceFailsItsOwnFallbackIsShownAndItsBreakerOpens() async throws {
        let (fixture, service, faults) = try await start(script: nil)
        defer { fixture.finish(); Task { try await service.stop() } }
        faults.use(FaultPlan().failAlways(with: .status(503)))
        let reply = await fixture.ask("who has INC-4471?")
        #expect(reply.text.hasSuffix("⚠️ Ticketing is not answering; open the ticket in the ticket system."))
        #expect(reply.isFallback && reply.evidence.first?.fellBack == true)
        // Its declared threshold (1) took it out of service after two failures.
        _ = await fixture.ask("who has INC-4471?")
        #expect(!fixture.recovery.isAvailable("ticket"))
        #expect(await fixture.ask("status").text.contains("ticket: ❌"))
    }
}
