import ArgumentParser
import Foundation
import PokedexAssistant
import PokedexLLM
import PokedexRecovery
import PokedexSessions
import PokedexSettings
import PokedexTesting
import PokedexTools

/// `pokedex-bench turn`: what the assistant adds to a turn. The same scripted model on loopback is
/// asked directly (the baseline: one HTTP completion with the same number of messages) and through
/// `Assistant.respond` on a session holding 30 messages (context, recovery, storing both turns).
struct TurnBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "turn", abstract: "Benchmark the assistant's own overhead per turn.")

    @Option(help: "Turns measured, directly and through the assistant each.") var turns = 2000
    @Option(help: "sessions.durability of the store: full or normal.") var durability = "full"
    @Option(help: "Where to write the JSON results.") var output = "bench-results/turn.json"
    @Flag(help: "Tiny sizes: checks the benchmark works, measures nothing meaningful.") var quick = false

    mutating func run() async throws {
        if quick { turns = 20 }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "pokedex-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let llm = try await ScriptedLLMServer.start(otherwise: .text("Containment is the first step."))
        defer { Task { try? await llm.stop() } }
        let model = OpenAIChatModel(baseURL: llm.openAIURL, model: "scripted", apiKey: nil)

        var sessions = SessionsConfiguration()
        sessions.database = directory.appendingPathComponent("pokedex.db").path
        try sessions.set("sessions.durability", to: durability)
        let store = try SQLiteSessionStore(configuration: sessions)
        let key = SessionKey(user: "bench", room: "turn")
        for number in 0..<30 {
            _ = try await store.append(
                number % 2 == 0 ? .user : .assistant,
                "Message \(number): is WS-\(1000 + number) contained, and what does the runbook say?", to: key)
        }
        var configuration = PokedexConfiguration()
        configuration.tools.weatherEnabled = false
        configuration.tools.runbooksDirectory = directory.appendingPathComponent("none").path
        configuration.auditLog = directory.appendingPathComponent("audit.jsonl").path
        let assistant = try await PokedexRuntime.start(configuration, store: store, model: model).assistant

        // The baseline asks for the same thing the assistant will: system prompt, the context, the question.
        let context = try await store.context(for: key).map {
            ChatMessage($0.role == .user ? .user : .assistant, $0.content)
        }
        let request = ChatRequest(
            messages: [ChatMessage(.system, "You are Pokedex.")] + context + [ChatMessage(.user, "And the next step?")],
            maxTokens: 512)
        print("Warming up…")
        for _ in 0..<50 {
            _ = try await model.complete(request, timeLimit: .seconds(10), onText: nil)
            _ = await assistant.respond(Turn(user: key.user, room: key.room, message: "And the next step?"))
        }

        print("Measuring \(turns) turns each, interleaved…")
        var direct = Latencies()
        var assisted = Latencies()
        for _ in 0..<turns {
            direct.record(try await timed { try await model.complete(request, timeLimit: .seconds(10), onText: nil) }.1)
            assisted.record(
                await timed {
                    await assistant.respond(Turn(user: key.user, room: key.room, message: "And the next step?"))
                }.1)
        }
        let history = try await store.history(of: key).count
        let added50 = (assisted.percentile(0.5) - direct.percentile(0.5)).milliseconds
        let added99 = (assisted.percentile(0.99) - direct.percentile(0.99)).milliseconds
        let met = added99 <= 2

        print("")
        print(
            String(
                format: "model called directly    p50 %6.3f ms   p99 %6.3f ms", direct.percentile(0.5).milliseconds,
                direct.percentile(0.99).milliseconds))
        print(
            String(
                format: "through the assistant    p50 %6.3f ms   p99 %6.3f ms", assisted.percentile(0.5).milliseconds,
                assisted.percentile(0.99).milliseconds))
        print(
            String(
                format: "added by the assistant   p50 %6.3f ms   p99 %6.3f ms   target p99 ≤ 2 ms   %@", added50,
                added99, met ? "met" : "MISSED"))
        print(
            String(
                format: "ratio at p50             %.2f×",
                assisted.percentile(0.5).seconds / direct.percentile(0.5).seconds))
        print("session history during the run: \(history) messages (the cap)")
        let document: [String: Any] = [
            "benchmark": "turn", "date": ISO8601DateFormatter().string(from: Date()), "machine": machineDescription(),
            "results": [
                "turns": turns, "durability": durability, "history_messages": history,
                "direct_p50_ms": direct.percentile(0.5).milliseconds,
                "direct_p99_ms": direct.percentile(0.99).milliseconds,
                "assistant_p50_ms": assisted.percentile(0.5).milliseconds,
                "assistant_p99_ms": assisted.percentile(0.99).milliseconds, "added_p50_ms": added50,
                "added_p99_ms": added99, "targets_met": met,
            ] as [String: Any],
        ]
        let url = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys]).write(to: url)
        print("\nWrote \(output)")
    }
}
