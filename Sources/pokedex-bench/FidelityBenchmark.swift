import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import PokedexAssistant
import PokedexAudit
import PokedexRecovery
import PokedexSessions
import PokedexSettings
import PokedexTesting
import PokedexTools

/// `pokedex-bench fidelity`: does a model, through Pokedex, answer from what the tools return,
/// in the text the analyst reads? Scenario files of SOC questions run against the given model
/// server with Falcon and Open-Meteo simulators (holding each file's hosts and places) and the
/// runbooks folder behind the tools, containment enabled for the asking responder, and each reply
/// is scored: the tool called for every argument the question names (Falcon asked for each host),
/// the expected facts in the reply's text (in its evidence only, counted apart), no statement of
/// a host's state that differs from the simulator's, no unsupported specific shown, no technical
/// text, no containment sent, within the deadline. The first file is the headline: the held-out
/// questions, never tuned on. Against llama.cpp's server it also measures how soon the server is
/// idle again after a turn ended at its deadline (`/slots`).
struct FidelityBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fidelity",
        abstract: "Score grounded answers of a model against scenario files.",
        discussion: """
            Point it at your own model server the way Pokedex is configured:
              pokedex-bench fidelity --llm-url http://127.0.0.1:8080/v1 --model my-model
            (an OpenAI-compatible URL ends in /v1; anything else is taken for Ollama).
            """)

    @Option(help: "A scenario file (repeat for several; the first is the headline).")
    var scenarios: [String] = ["bench/fidelity-heldout.json", "bench/fidelity-tuning.json"]
    @Option(help: "The model server (llm.url); POKEDEX_LLM_URL by default.") var llmURL: String?
    @Option(help: "The model name (llm.model; llama.cpp serves its one model under any name).") var model = "default"
    @Option(help: "openai, ollama or auto (llm.provider).") var provider = "auto"
    @Option(help: "The turn's deadline (assistant.deadline).") var deadline = "30s"
    @Option(help: "The longest answer in tokens (llm.max_tokens).") var maxTokens = 512
    @Option(help: "The runbooks folder behind document_search.") var runbooks = "runbooks"
    @Option(help: "The deadline of the turn that checks the server stops generating when a turn ends.")
    var slotCheckDeadline = "3s"
    @Option(help: "Where to write the JSON results.") var output = "bench-results/fidelity.json"
    @Option(help: "Run only the conversations whose name contains this.") var conversation: String?
    @Flag(help: "The first conversation of each file only: checks the benchmark works.") var quick = false

    /// The user every scenario asks as: a verified responder, so that a request to act is taken.
    static let caller = Caller(principal: "fidelity", channel: "bench", verified: true)

    mutating func run() async throws {
        guard let url = llmURL ?? ProcessInfo.processInfo.environment["POKEDEX_LLM_URL"], !url.isEmpty else {
            throw ValidationError("give the model server with --llm-url (or POKEDEX_LLM_URL)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "pokedex-fidelity-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        var results: [(file: String, scores: FidelityScores)] = []
        var modelName = ""
        var last: (PokedexConfiguration, PokedexFoundation)?
        for (number, path) in scenarios.enumerated() {
            let file = try JSONDecoder().decode(ScenarioFile.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
            let place = directory.appendingPathComponent("file-\(number)")
            try FileManager.default.createDirectory(at: place, withIntermediateDirectories: true)
            let falcon = try await FalconSimulator.start(hosts: file.hosts.enumerated().map { $1.simulated(number: $0) })
            let weather = try await OpenMeteoSimulator.start(places: file.places.map(\.simulated))
            var configuration = PokedexConfiguration()
            for (key, value) in [
                ("database", place.appendingPathComponent("sessions.db").path),
                ("falcon.base_url", falcon.baseURL), ("falcon.client_id", FalconSimulator.clientID),
                ("falcon.client_secret", FalconSimulator.clientSecret), ("falcon.containment.enabled", "true"),
                ("falcon.containment.responders", Self.caller.principal),
                ("weather.url", weather.baseURL), ("weather.geocoding_url", weather.baseURL),
                ("runbooks.dir", runbooks), ("runbooks.index", place.appendingPathComponent("runbooks.db").path),
                ("llm.provider", provider), ("llm.url", url), ("llm.model", model), ("assistant.deadline", deadline),
                ("llm.max_tokens", "\(maxTokens)"), ("audit.log", place.appendingPathComponent("audit.jsonl").path),
            ] {
                try configuration.set(key, to: value)
            }
            if let key = ProcessInfo.processInfo.environment["POKEDEX_LLM_API_KEY"] { try configuration.set("llm.api_key", to: key) }
            let runtime = try await PokedexRuntime.start(configuration)
            guard let chatModel = runtime.model else { throw ValidationError("no model answers at \(url)") }
            modelName = "\(chatModel.provider) \(chatModel.model)"
            print("Model: \(modelName) at \(url) — \(path)")
            // What backs a specific besides the conversation: Pokedex's own words and the runbooks
            // (whose evidence names only their sources).
            let runbookTexts = try FileManager.default.contentsOfDirectory(atPath: runbooks).sorted().compactMap {
                try? String(contentsOfFile: runbooks + "/" + $0, encoding: .utf8)
            }
            let capabilities = runtime.tools.registry.tools.compactMap(\.capability) + runbookTexts

            var scores = FidelityScores(
                name: URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent,
                deadlineMilliseconds: Int(configuration.assistant.deadline.components.seconds * 1000))
            var conversations = quick ? Array(file.conversations.prefix(1)) : file.conversations
            if let conversation { conversations = conversations.filter { $0.name.contains(conversation) } }
            for (index, conversation) in conversations.enumerated() {
                print("— \(conversation.name)")
                var backing = capabilities
                for turn in conversation.turns {
                    let (requestsBefore, actionsBefore) = (falcon.filters.count, falcon.actionsReceived.count)
                    // A pending containment completes once the host has been looked at (as in Falcon):
                    // the state before the turn and the one after are both true of it.
                    let before = file.truths(falcon)
                    let reply = await runtime.assistant.respond(
                        Turn(user: Self.caller.principal, room: "conversation-\(index)", message: turn.ask, caller: Self.caller))
                    let truths = before.merging(file.truths(falcon), uniquingKeysWith: +)
                    let score = TurnScore(
                        turn, reply, falconFilters: Array(falcon.filters.dropFirst(requestsBefore)),
                        actionsSent: falcon.actionsReceived.count - actionsBefore, truths: truths, backing: backing,
                        deadlineMilliseconds: scores.deadlineMilliseconds)
                    scores.add(score)
                    backing += [turn.ask, reply.text] + reply.evidence.map(\.result)
                    print("  \(score.line) \(turn.ask)")
                }
            }
            try? await falcon.stop()
            try? await weather.stop()
            results.append((path, scores))
            last = (configuration, runtime.foundation)
        }

        var slotIdleSeconds: Double?
        if let (configuration, foundation) = last {
            slotIdleSeconds = try await slotRelease(configuration, url: url, on: foundation)
        }
        var object: [String: Any] = [
            "model": modelName, "slot_idle_seconds": slotIdleSeconds as Any,
            "files": Dictionary(uniqueKeysWithValues: results.map { ($0.scores.name, $0.scores.json) }),
        ]
        // The headline's figures at the top, where scripts read them.
        if let headline = results.first { object.merge(headline.scores.json) { current, _ in current } }
        for (path, scores) in results {
            print("")
            print("\(path)\(path == results.first?.file ? " (headline)" : "")")
            print(scores.text)
        }
        print("model server idle after a turn ended at its deadline: "
            + (slotIdleSeconds.map { String(format: "%.2f s", $0) } ?? "not measured (no /slots)") + "  (target ≤ 1 s)")
        let outputURL = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(
            at: outputURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]).write(to: outputURL)
        print("Results: \(output)")
    }

    /// A turn that cannot finish in its deadline (a long essay), then how long the model server's
    /// slots stay busy after the reply: nil when the server has no `/slots` (not llama.cpp).
    private func slotRelease(
        _ base: PokedexConfiguration, url: String, on foundation: PokedexFoundation
    ) async throws -> Double? {
        let root = url.hasSuffix("/v1") ? String(url.dropLast(3)) : url
        guard let slots = URL(string: root + "/slots"), (try? await Self.busySlots(slots)) != nil else { return nil }
        var configuration = base
        try configuration.set("assistant.deadline", to: slotCheckDeadline)
        try configuration.set("falcon.containment.enabled", to: "false")
        try configuration.set("llm.max_tokens", to: "2048")
        let runtime = try await PokedexRuntime.assemble(configuration, on: foundation)
        _ = await runtime.assistant.respond(
            Turn(
                user: "fidelity", room: "slot-check",
                message: "Write a very long, detailed essay on the history of incident response, with many sections."))
        let ended = ContinuousClock.now
        while ContinuousClock.now - ended < .seconds(120) {
            if try await Self.busySlots(slots) == 0 { return (ContinuousClock.now - ended).seconds }
            try await Task.sleep(for: .milliseconds(50))
        }
        return 120
    }

    /// How many of llama.cpp's slots are working on a request.
    private static func busySlots(_ url: URL) async throws -> Int {
        let (data, response) = try await URLSession.shared.data(from: url)
        guard (response as? HTTPURLResponse)?.statusCode == 200,
            let slots = try JSONSerialization.jsonObject(with: data) as? [[String: Any]]
        else { throw CocoaError(.fileReadCorruptFile) }
        return slots.filter { ($0["is_processing"] as? Bool) == true }.count
    }
}

