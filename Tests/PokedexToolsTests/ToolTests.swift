import Foundation
import GRDB
import PokedexRecovery
import PokedexTesting
import Testing

@testable import PokedexTools

@Suite("Tool arguments and registry")
struct ToolTests {
    static let parameters = ToolParameters(
        [
            "hostname": .init(.string, "The host"),
            "detail": .init(.string, "What to show", oneOf: ["status", "online", "details"]),
            "limit": .init(.integer, "How many"),
            "confirm": .init(.boolean, "Confirmed"),
        ],
        required: ["hostname"])

    private func check(_ values: [String: ToolArgument]) -> String? {
        do {
            _ = try ToolArguments(values, for: .crowdstrike, Self.parameters)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func goodArgumentsPass() throws {
        let arguments = try ToolArguments(
            [
                "hostname": .string("WS-1234"), "detail": .string("online"), "limit": .number(3),
                "confirm": .bool(false),
            ],
            for: .crowdstrike, Self.parameters)
        #expect(arguments.string("hostname") == "WS-1234")
        #expect(check(["hostname": .string("WS-1"), "detail": .null]) == nil)
    }

    @Test(arguments: [
        ([String: ToolArgument](), "Invalid arguments for crowdstrike: missing required parameter 'hostname'"),
        (["hostname": .null], "Invalid arguments for crowdstrike: missing required parameter 'hostname'"),
        (["hostname": .number(12)], "Invalid arguments for crowdstrike: 'hostname' must be a string"),
        (["hostname": .string("  ")], "Invalid arguments for crowdstrike: 'hostname' must not be empty"),
        (
            ["hostname": .string("a"), "detail": .string("everything")],
            "Invalid arguments for crowdstrike: 'detail' must be one of status, online, details"
        ),
        (
            ["hostname": .string("a"), "limit": .number(2.5)],
            "Invalid arguments for crowdstrike: 'limit' must be an integer"
        ),
        (
            ["hostname": .string("a"), "confirm": .string("yes")],
            "Invalid arguments for crowdstrike: 'confirm' must be a boolean"
        ),
        (
            ["hostname": .string("a"), "sudo": .bool(true)],
            "Invalid arguments for crowdstrike: unknown parameter 'sudo'"
        ),
    ])
    func badArgumentsGetAnErrorTheModelCanActOn(values: [String: ToolArgument], message: String) {
        #expect(check(values) == message)
    }

    @Test func argumentsDecodeFromTheModelsJSON() throws {
        let decoded = try JSONDecoder().decode(
            [String: ToolArgument].self, from: Data(#"{"hostname":"WS-1","limit":2,"confirm":true,"x":null}"#.utf8))
        #expect(decoded == ["hostname": .string("WS-1"), "limit": .number(2), "confirm": .bool(true), "x": .null])
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode([String: ToolArgument].self, from: Data(#"{"hostname":["a"]}"#.utf8))
        }
    }

    @Test func parametersAreShownAsAJSONSchemaObject() throws {
        let tool = RunbookSearchTool(index: try RunbookIndex(path: ":memory:"), recovery: Recovery(configuration: ToolSet.recoveryConfiguration()))
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let schema = String(decoding: try encoder.encode(tool.parameters), as: UTF8.self)
        #expect(schema.hasPrefix(#"{"properties":{"query":{"description":"#))
        #expect(schema.hasSuffix(#""type":"string"}},"required":["query"],"type":"object"}"#))
    }
}

@Suite("Runbook search tool")
struct RunbookSearchToolTests {
    @Test func answersThroughRecoveryAndIsOfferedWhileAvailable() async throws {
        let directory = try TemporaryDirectory(prefix: "pokedex-tool")
        defer { directory.remove() }
        let folder = directory.url.appendingPathComponent("runbooks")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try Data("# Phishing\n\nCheck SPF, DKIM and DMARC.".utf8).write(
            to: folder.appendingPathComponent("phishing.md"))
        let index = try RunbookIndex(path: directory.path("runbooks.db"))
        _ = try index.update(from: folder)
        let recovery = Recovery(configuration: ToolSet.recoveryConfiguration(), clock: ManualClock())
        let tool = RunbookSearchTool(index: index, recovery: recovery)
        let registry = ToolRegistry([tool], recovery: recovery)
        #expect(registry.available.map(\.name) == [.documentSearch])
        #expect(registry.tool(named: "document_search") != nil)

        let arguments = try ToolArguments(["query": .string("DMARC")], for: tool.name, tool.parameters)
        let result = await tool.run(arguments, context: ToolContext(question: "how do I check DMARC?", user: "alice"))
        #expect(!result.fellBack)
        #expect(result.text.hasPrefix("📄 **From phishing.md:** (Phishing)\nCheck SPF, DKIM and DMARC."))

        recovery.force(.documentSearch, available: false)
        #expect(registry.available.isEmpty)
        let refused = await tool.run(arguments, context: ToolContext(question: "how do I check DMARC?", user: "alice"))
        #expect(refused == ToolResult(text: ToolBehaviourTests.documentSearch, fellBack: true))
    }

    @Test func aBrokenIndexGivesTheDocumentSearchFallback() async throws {
        let directory = try TemporaryDirectory(prefix: "pokedex-tool")
        defer { directory.remove() }
        let index = try RunbookIndex(path: directory.path("runbooks.db"))
        // Another process damages the index under us.
        try await DatabaseQueue(path: directory.path("runbooks.db")).write { db in
            try db.execute(sql: "DROP TABLE chunk_search")
        }
        var configuration = ToolSet.recoveryConfiguration()
        configuration.policies[.documentSearch]?.maxRetries = 0
        let tool = RunbookSearchTool(
            index: index, recovery: Recovery(configuration: configuration, clock: ManualClock()))
        let arguments = try ToolArguments(["query": .string("ransomware")], for: tool.name, tool.parameters)
        let result = await tool.run(arguments, context: ToolContext(question: "ransomware runbook", user: "alice"))
        #expect(result == ToolResult(text: ToolBehaviourTests.documentSearch, fellBack: true))
    }
}
