import Foundation
import PokedexLLM
import PokedexRecovery
import PokedexSessions
import PokedexTools

/// A message answered without the model (SPEC 3.4): the whole message must be the command, so a
/// sentence that merely contains the words is a question.
enum Command: Equatable {
    case status, hello, help, reset, healthTests, why

    init?(_ text: String) {
        var words = text.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
        while let last = words.last, "?!.".contains(last) { words.removeLast() }
        switch words {
        case "status", "health", "are you working": self = .status
        case "hello", "hi": self = .hello
        case "help": self = .help
        case "clear my session", "reset": self = .reset
        case "run health tests": self = .healthTests
        case "why", "how do you know", "how do you know that", "evidence", "sources": self = .why
        default: return nil
        }
    }
}

extension Assistant {
    func run(_ command: Command, _ question: Question) async -> Outcome {
        switch command {
        case .status: return Outcome(reply: Reply(text: await statusReport()))
        case .hello: return Outcome(reply: Reply(text: greeting()))
        case .help: return Outcome(reply: Reply(text: helpText()))
        case .reset:
            let cleared = (try? await store.clear(question.key)) ?? 0
            return Outcome(
                reply: Reply(text: cleared > 0 ? AssistantTexts.sessionCleared : AssistantTexts.sessionNew),
                stored: false)
        case .healthTests: return Outcome(reply: Reply(text: await healthTestReport()), stored: false)
        case .why: return Outcome(reply: Reply(text: await whyReport(question.key)))
        }
    }

    // MARK: Status

    /// A real check of every component: the store takes a write, the model answers, each tool's
    /// availability. `✅ System online and ready` only when all is well.
    func statusReport() async -> String {
        var lines: [String] = []
        var problems = 0
        do {
            try await store.checkWritable()
            lines.append("• Session store: ✅ writable")
        } catch {
            problems += 1
            lines.append("• Session store: ❌ not writable (\(error))")
        }
        switch await modelCheck() {
        case .none:
            problems += 1
            lines.append("• Language model: ⚠️ none configured — answering straight from the tools (degraded mode)")
        case .some(.success(let name)):
            lines.append("• Language model: ✅ reachable (\(name))")
        case .some(.failure(let reason)):
            problems += 1
            lines.append("• Language model: ❌ \(reason) — answering straight from the tools (degraded mode)")
        }
        let health = recovery.healthReport()
        let tests = await selfTests()
        for tool in tools.registry.tools {
            if let test = tests[tool.name], !test.passed {
                problems += 1
                lines.append("• \(tool.name): ❌ \(test.detail)")
            } else if recovery.isAvailable(tool.service) {
                lines.append("• \(tool.name): ✅ available" + (tests[tool.name]?.remark.map { " — \($0)" } ?? ""))
            } else {
                problems += 1
                let probe = health.tools[tool.service.rawValue]?.nextProbe.map { " (next try \(Self.time($0)))" } ?? ""
                lines.append("• \(tool.name): ❌ out of service after repeated failures\(probe)")
            }
        }
        for (name, reason) in tools.disabled.sorted(by: { $0.key < $1.key }) {
            lines.append("• \(name): not configured (\(reason))")
        }
        for server in tools.registry.mcpServers.map(\.status) {
            if !server.connected { problems += 1 }
            lines.append("• MCP server \(server.name): \(server.connected ? "✅" : "❌") \(server.summary)")
        }
        let head =
            problems == 0
            ? "✅ System online and ready"
            : "⚠️ System online, but degraded (\(problems) problem\(problems == 1 ? "" : "s")):"
        return ([head] + lines).joined(separator: "\n")
    }

    /// Each self-testing tool's self-test (those in service; at most five seconds, all at once).
    func selfTests() async -> [ToolName: SelfTest] {
        let limit = min(.seconds(5), recovery.remainingTime() ?? .seconds(5))
        return await withTaskGroup(of: (ToolName, SelfTest?).self) { group in
            for tool in tools.registry.tools where recovery.isAvailable(tool.service) {
                group.addTask { (tool.name, await tool.selfTest(timeLimit: limit)) }
            }
            var tests: [ToolName: SelfTest] = [:]
            for await (name, test) in group { if let test { tests[name] = test } }
            return tests
        }
    }

    private enum ModelCheck {
        case success(String)
        case failure(String)
    }

    /// A one-token completion with a tool offered, timed: the model really answers, not only its
    /// server, and the server takes tool definitions (llama.cpp without `--jinja`, or vLLM without
    /// a tool parser, refuses them — and then every turn with tools would fail). nil when no model
    /// is configured.
    private func modelCheck() async -> ModelCheck? {
        guard let model else { return nil }
        if !recovery.isAvailable(.llm) { return .failure("out of service after repeated failures") }
        let limit = configuration.modelCheckTimeLimit
        let started = clock.now()
        func ask(_ tools: [ToolSpec]) async throws {
            _ = try await model.complete(
                ChatRequest(messages: [ChatMessage(.user, "Say OK.")], tools: tools, maxTokens: 1),
                timeLimit: min(limit, recovery.remainingTime() ?? limit), onText: nil)
        }
        do {
            try await ask([Self.checkTool])
            let latency = Self.milliseconds(clock.now() - started)
            return .success(
                "\(model.provider), model \(model.model), a one-token answer in \(latency) ms, tool definitions accepted")
        } catch let failure as ServiceFailure {
            guard case .http = failure.kind, (try? await ask([])) != nil else { return .failure(failure.message) }
            return .failure(
                "the server answers but refuses tool definitions (\(failure.message)): start llama.cpp with --jinja, vLLM with --enable-auto-tool-choice and a --tool-call-parser"
            )
        } catch {
            return .failure("no answer")
        }
    }

    /// The tool the model check offers (never called).
    private static let checkTool = ToolSpec(
        name: "status_check", description: "Not for use.", parameters: .object(["type": .string("object")]))

    private static func time(_ date: Date) -> String {
        date.formatted(.iso8601.time(includingFractionalSeconds: false)) + " UTC"
    }

    // MARK: Greeting and help

    /// What the bot can do, from the tools it actually has.
    private var capabilities: [String] {
        var lines = tools.registry.tools.compactMap(\.capability)
        if model == nil { lines.append("(no language model is configured: I answer straight from these tools)") }
        return lines
    }

    func greeting() -> String {
        let can = capabilities.map { "• " + $0 }.joined(separator: "\n")
        return """
            👋 Hello! I'm your SOC Q&A Assistant. You can ask me any security-related question. Right now I can:
            \(can.isEmpty ? "• answer general security questions" : can)
            Type `help` for the commands.
            """
    }

    func helpText() -> String {
        var text = """
            **Commands**
            • `status` (or `health`, `are you working`): check that every part works
            • `hello`: what I can do
            • `clear my session` (or `reset`): forget this conversation
            • `run health tests`: a full self-test with timings
            • `why` (or `how do you know?`): what my tools returned for my last answer
            • `help`: this list
            """
        text += "\n\n**What I can do**\n" + capabilities.map { "• " + $0 }.joined(separator: "\n")
        return text
    }

    // MARK: Health tests

    /// `run health tests`: every check with its duration. Leaves nothing in the user's session.
    func healthTestReport() async -> String {
        var checks: [(name: String, passed: Bool, detail: String, duration: Duration)] = []
        func check(_ name: String, _ body: () async throws -> String) async {
            let start = clock.now()
            do {
                let detail = try await body()
                checks.append((name, true, detail, clock.now() - start))
            } catch {
                checks.append((name, false, "\(error)", clock.now() - start))
            }
        }
        await check("Session store accepts a write") {
            try await store.checkWritable()
            return ""
        }
        await check("Session store keeps a message") {
            let key = SessionKey(user: "pokedex-health-test", room: UUID().uuidString)
            defer { Task { _ = try? await store.delete(key) } }
            _ = try await store.append(.user, "health test", to: key)
            guard try await store.history(of: key).last?.content == "health test" else {
                throw HealthTestFailure("the message read back was not the one written")
            }
            _ = try await store.delete(key)
            return ""
        }
        if model != nil {
            await check("Language model answers") {
                switch await modelCheck() {
                case .success(let name)?: return name
                case .failure(let reason)?: throw HealthTestFailure(reason)
                case nil: return ""
                }
            }
        }
        let tests = await selfTests()
        for tool in tools.registry.tools {
            await check("Tool \(tool.name) is in service") {
                guard recovery.isAvailable(tool.service) else { throw HealthTestFailure("out of service") }
                guard let test = tests[tool.name] else { return "" }
                guard test.passed else { throw HealthTestFailure(test.detail) }
                return test.detail
            }
        }
        let failed = checks.filter { !$0.passed }.count
        let verdict =
            failed == 0 ? "✅ ALL TESTS PASSED" : failed <= 2 ? "⚠️ SOME TESTS FAILED" : "❌ MULTIPLE TESTS FAILED"
        var lines = [
            "🔬 **Health Test Report**", verdict,
            "📊 **Summary**: \(checks.count - failed)/\(checks.count) tests passed", "",
        ]
        for check in checks {
            let detail = check.detail.isEmpty ? "" : ": \(check.detail)"
            lines.append("\(check.passed ? "✅" : "❌") \(check.name) (\(Self.milliseconds(check.duration)) ms)\(detail)")
        }
        return lines.joined(separator: "\n")
    }
}

struct HealthTestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
