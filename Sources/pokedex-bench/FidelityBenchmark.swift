import ArgumentParser
import Foundation
#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif
import PokedexAssistant
import PokedexRecovery
import PokedexSessions
import PokedexTesting
import PokedexTools

/// `pokedex-bench fidelity`: does a model, through Pokedex, answer from what the tools return?
/// A scenario file of SOC questions runs against the given model server with Falcon and
/// Open-Meteo simulators (holding the file's hosts and places) and the runbooks folder behind the
/// tools, and each reply is scored: the tool called for the right argument, the expected facts in
/// the reply or its evidence, no statement of a host's state that differs from the simulator's,
/// no technical text, within the deadline. Against llama.cpp's server it also measures how soon
/// the server is idle again after a turn ended at its deadline (`/slots`).
struct FidelityBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fidelity",
        abstract: "Score grounded answers of a model against a scenario file.",
        discussion: """
            Point it at your own model server the way Pokedex is configured:
              pokedex-bench fidelity --llm-url http://127.0.0.1:8080/v1 --model my-model
            (an OpenAI-compatible URL ends in /v1; anything else is taken for Ollama).
            """)

    @Option(help: "The scenario file.") var scenarios = "bench/fidelity-scenarios.json"
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
    @Flag(help: "The first conversation only: checks the benchmark works.") var quick = false

    mutating func run() async throws {
        let file = try JSONDecoder().decode(ScenarioFile.self, from: Data(contentsOf: URL(fileURLWithPath: scenarios)))
        guard let url = llmURL ?? ProcessInfo.processInfo.environment["POKEDEX_LLM_URL"], !url.isEmpty else {
            throw ValidationError("give the model server with --llm-url (or POKEDEX_LLM_URL)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "pokedex-fidelity-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }

        let falcon = try await FalconSimulator.start(hosts: file.hosts.enumerated().map { $1.simulated(number: $0) })
        let weather = try await OpenMeteoSimulator.start(places: file.places.map(\.simulated))
        var configuration = PokedexConfiguration()
        for (key, value) in [
            ("database", directory.appendingPathComponent("sessions.db").path),
            ("falcon.base_url", falcon.baseURL), ("falcon.client_id", FalconSimulator.clientID),
            ("falcon.client_secret", FalconSimulator.clientSecret),
            ("weather.url", weather.baseURL), ("weather.geocoding_url", weather.baseURL),
            ("runbooks.dir", runbooks), ("runbooks.index", directory.appendingPathComponent("runbooks.db").path),
            ("llm.provider", provider), ("llm.url", url), ("llm.model", model), ("assistant.deadline", deadline),
            ("llm.max_tokens", "\(maxTokens)"),
        ] {
            try configuration.set(key, to: value)
        }
        if let key = ProcessInfo.processInfo.environment["POKEDEX_LLM_API_KEY"] { try configuration.set("llm.api_key", to: key) }
        let store = try SQLiteSessionStore(configuration: configuration.sessions)
        let recovery = Recovery(configuration: PokedexRuntime.recoveryConfiguration(configuration))
        let runtime = try await PokedexRuntime.assemble(configuration, store: store, recovery: recovery, auditLog: nil)
        guard let chatModel = runtime.model else { throw ValidationError("no model answers at \(url)") }
        print("Model: \(chatModel.provider) \(chatModel.model) at \(url)")

        var scores = FidelityScores(deadlineMilliseconds: Int(configuration.assistant.deadline.components.seconds * 1000))
        var conversations = quick ? Array(file.conversations.prefix(1)) : file.conversations
        if let conversation { conversations = conversations.filter { $0.name.contains(conversation) } }
        for (number, conversation) in conversations.enumerated() {
            print("— \(conversation.name)")
            for turn in conversation.turns {
                let requestsBefore = falcon.filters.count
                // A pending containment completes once the host has been looked at (as in Falcon):
                // the state before the turn and the one after are both true of it.
                let before = file.truths(falcon)
                let reply = await runtime.assistant.respond(
                    Turn(user: "fidelity", room: "conversation-\(number)", message: turn.ask))
                let truths = before.merging(file.truths(falcon), uniquingKeysWith: +)
                let score = TurnScore(
                    turn, reply, falconFilters: Array(falcon.filters.dropFirst(requestsBefore)), truths: truths,
                    deadlineMilliseconds: scores.deadlineMilliseconds)
                scores.add(score)
                print("  \(score.line) \(turn.ask)")
            }
        }
        try? await falcon.stop()
        try? await weather.stop()

        scores.slotIdleSeconds = try await slotRelease(configuration, url: url, store: store, recovery: recovery)
        let report = scores.report(model: "\(chatModel.provider) \(chatModel.model)")
        print("")
        print(report.text)
        let outputURL = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(
            at: outputURL.deletingLastPathComponent(), withIntermediateDirectories: true)
        try report.json.write(to: outputURL)
        print("Results: \(output)")
    }

    /// A turn that cannot finish in its deadline (a long essay), then how long the model server's
    /// slots stay busy after the reply: nil when the server has no `/slots` (not llama.cpp).
    private func slotRelease(
        _ base: PokedexConfiguration, url: String, store: any SessionStore, recovery: Recovery
    ) async throws -> Double? {
        let root = url.hasSuffix("/v1") ? String(url.dropLast(3)) : url
        guard let slots = URL(string: root + "/slots"), (try? await Self.busySlots(slots)) != nil else { return nil }
        var configuration = base
        try configuration.set("assistant.deadline", to: slotCheckDeadline)
        try configuration.set("llm.max_tokens", to: "2048")
        let runtime = try await PokedexRuntime.assemble(configuration, store: store, recovery: recovery, auditLog: nil)
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

/// The scenario file: the simulators' hosts and places, and the conversations.
struct ScenarioFile: Decodable {
    struct Host: Decodable {
        var hostname: String
        var status: String
        var online: String
        var os: String
        var tags: [String]

        func simulated(number: Int) -> FalconSimulator.Host {
            FalconSimulator.Host(
                id: String(format: "%032x", number + 1), hostname: hostname,
                status: status, online: online, details: ["os_version": os], tags: tags)
        }
    }

    struct Place: Decodable {
        var name: String
        var country: String
        var latitude: Double
        var longitude: Double
        var celsius: Double
        var humidity: Int
        var code: Int

        var simulated: OpenMeteoSimulator.Place {
            OpenMeteoSimulator.Place(
                name: name, country: country, latitude: latitude, longitude: longitude, temperatureCelsius: celsius,
                feelsLikeCelsius: celsius, humidity: humidity, weatherCode: code, windKilometresPerHour: 10,
                windDirection: 90)
        }
    }

    struct Conversation: Decodable {
        var name: String
        var turns: [ScenarioTurn]
    }

    var hosts: [Host]
    var places: [Place]
    var conversations: [Conversation]

    /// What Falcon says of each host now (lower-cased name), as the tool words it.
    func truths(_ falcon: FalconSimulator) -> [String: [String]] {
        var truths: [String: [String]] = [:]
        for (number, host) in hosts.enumerated() {
            guard let name = try? FalconHostname(host.hostname) else { continue }
            let status = falcon.status(of: host.simulated(number: number).id) ?? host.status
            truths[host.hostname.lowercased()] = [
                FalconReply.containment(name, status: status), FalconReply.online(name, state: host.online),
            ]
        }
        return truths
    }
}

/// One question and what its answer must carry.
struct ScenarioTurn: Decodable {
    var ask: String
    /// The tool a grounded answer needs, and the argument it must get (a hostname, a city).
    var tool: String?
    var argument: String?
    /// Each inner list: one of these must be in the reply or its evidence.
    var facts: [[String]]
    /// Answered from earlier turns of the conversation.
    var memory: Bool?
}

/// How one reply did.
struct TurnScore {
    var tool: String?
    var expectsTool: Bool
    var toolCalled: Bool
    var grounded: Bool
    var memory: Bool
    var contradiction: Bool
    var technicalText: Bool
    var overrun: Bool
    var elapsedMilliseconds: Int
    var ask: String
    var reply: String
    var evidence: [String]

    init(
        _ turn: ScenarioTurn, _ reply: Reply, falconFilters: [String], truths: [String: [String]],
        deadlineMilliseconds: Int
    ) {
        let evidence = reply.evidence.filter { !$0.fellBack }
        tool = turn.tool
        expectsTool = turn.tool != nil
        if let tool = turn.tool {
            let argument = turn.argument?.lowercased()
            let called = evidence.contains { $0.tool == tool && argument.map($0.arguments.lowercased().contains) ?? true }
            // A host question must reach Falcon for that host.
            let reachedFalcon =
                tool != "crowdstrike" || argument.map { host in falconFilters.contains { $0.lowercased().contains(host) } }
                ?? true
            toolCalled = called && reachedFalcon
        } else {
            toolCalled = false
        }
        let seen = ([reply.text] + evidence.map(\.result)).joined(separator: "\n").lowercased()
        grounded = turn.facts.allSatisfy { group in group.contains { seen.contains($0.lowercased()) } }
        memory = turn.memory == true
        contradiction = Self.contradicts(reply.text, question: turn.ask, truths: truths)
        technicalText = reply.text.firstMatch(of: Self.technical) != nil
        elapsedMilliseconds = reply.elapsedMilliseconds
        overrun = reply.elapsedMilliseconds > deadlineMilliseconds
        ask = turn.ask
        self.reply = reply.text
        self.evidence = reply.evidence.map { "\($0.tool) \($0.arguments)\($0.fellBack ? " (failed)" : ""): \($0.result)" }
    }

    /// A sentence stating a host's containment or online state other than the simulator's (checked
    /// per host: the one the sentence names, else the one the question names).
    static func contradicts(_ text: String, question: String, truths: [String: [String]]) -> Bool {
        let rule = FalconClaims()
        for sentence in text.split(separator: sentenceEnd).map(String.init) {
            guard let host = FalconHostname.word(in: sentence) ?? FalconHostname.word(in: question) else { continue }
            if rule.contradicts(sentence, question: question, results: truths[host.lowercased()] ?? []) { return true }
        }
        return false
    }

    /// Where a sentence ends, as the assistant's claim check has it (a dot in `srv01.corp` does not).
    nonisolated(unsafe) static let sentenceEnd = /[.!?](?=\s|$)|\n/

    /// Text no analyst should see: tool-call syntax, chat-template markup, escaped entities, errors.
    nonisolated(unsafe) static let technical =
        /functions\.[a-z_]+|<\/?tool_|<\|[a-z_]+\|>|\[TOOL_CALLS\]|"arguments"\s*:|&#\d+;|&(quot|amp|lt|gt);|Traceback|Exception|stack trace|HTTP [45]\d\d/

    var line: String {
        let marks = [
            expectsTool ? (toolCalled ? "tool✓" : "tool✗") : "     ", grounded ? "facts✓" : "facts✗",
            contradiction ? "CONTRADICTS" : "", technicalText ? "TECHNICAL" : "", overrun ? "OVERRUN" : "",
        ].filter { !$0.isEmpty }
        return "[\(marks.joined(separator: " "))] \(elapsedMilliseconds) ms"
    }
}

/// The run's figures.
struct FidelityScores {
    let deadlineMilliseconds: Int
    var turns: [TurnScore] = []
    var slotIdleSeconds: Double?

    mutating func add(_ score: TurnScore) { turns.append(score) }

    struct Report {
        var text: String
        var json: Data
    }

    func report(model: String) -> Report {
        let toolTurns = turns.filter(\.expectsTool)
        let factTurns = turns.filter { !$0.memory }
        let memoryTurns = turns.filter(\.memory)
        // Direct routing makes these independent of the model's quality.
        let hostAndWeather = toolTurns.filter { $0.tool == "crowdstrike" || $0.tool == "weather" }
        func rate(_ part: [TurnScore], _ test: (TurnScore) -> Bool) -> (Int, Int, Double) {
            let hits = part.filter(test).count
            return (hits, part.count, part.isEmpty ? 1 : Double(hits) / Double(part.count))
        }
        let toolCall = rate(toolTurns, \.toolCalled)
        let grounded = rate(factTurns, \.grounded)
        let groundedTools = rate(hostAndWeather, \.grounded)
        let recall = rate(memoryTurns, \.grounded)
        let contradictions = turns.filter(\.contradiction).count
        let technical = turns.filter(\.technicalText).count
        let overruns = turns.filter(\.overrun).count
        let latencies = turns.map(\.elapsedMilliseconds).sorted()
        let p50 = latencies.isEmpty ? 0 : latencies[latencies.count / 2]
        let p95 = latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, latencies.count * 95 / 100)]
        func percent(_ value: (Int, Int, Double)) -> String {
            String(format: "%.1f %% (%d of %d)", value.2 * 100, value.0, value.1)
        }
        var rows = [
            ("model", model, "—"),
            ("turns", "\(turns.count)", "≥ 40"),
            ("tool-call rate (right tool, right argument; Falcon asked for that host)", percent(toolCall), "—"),
            ("grounded answers, host and weather questions", percent(groundedTools), "≥ 95 %"),
            ("grounded answers, all questions with facts", percent(grounded), "—"),
            ("memory recall", percent(recall), "—"),
            ("contradictions shown", "\(contradictions)", "0"),
            ("technical text shown", "\(technical)", "0"),
            ("deadline overruns (\(deadlineMilliseconds) ms)", "\(overruns)", "0"),
            ("reply time p50 / p95", "\(p50) / \(p95) ms", "—"),
        ]
        rows.append(
            ("model server idle after a turn ended at its deadline",
             slotIdleSeconds.map { String(format: "%.2f s", $0) } ?? "not measured (no /slots)", "≤ 1 s"))
        let width = rows.map(\.0.count).max() ?? 0
        let text = rows.map { name, value, target in
            name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value + "  (target " + target + ")"
        }.joined(separator: "\n")
        let object: [String: Any] = [
            "model": model, "turns": turns.count, "tool_call_rate": toolCall.2, "grounded_host_and_weather": groundedTools.2,
            "grounded_all": grounded.2, "memory_recall": recall.2, "contradictions": contradictions,
            "technical_text": technical, "overruns": overruns, "p50_ms": p50, "p95_ms": p95,
            "slot_idle_seconds": slotIdleSeconds as Any,
            "per_turn": turns.map {
                [
                    "ask": $0.ask, "reply": $0.reply, "evidence": $0.evidence, "tool_called": $0.toolCalled, "grounded": $0.grounded,
                    "contradiction": $0.contradiction, "technical_text": $0.technicalText, "elapsed_ms": $0.elapsedMilliseconds,
                ] as [String: Any]
            },
        ]
        let json = (try? JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])) ?? Data()
        return Report(text: text, json: json)
    }
}
