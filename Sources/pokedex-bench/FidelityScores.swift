import Foundation
import PokedexAssistant
import PokedexTools

/// How one reply did. What counts is the text the analyst reads: a fact only in the evidence
/// under it is counted apart.
struct TurnScore {
    var kind: String
    var tool: String?
    var expectsTool: Bool
    var toolCalled: Bool
    var hasFacts: Bool
    /// Every expected fact in the reply's text.
    var factsInReply: Bool
    /// Every expected fact in the reply or its evidence.
    var factsInReplyOrEvidence: Bool
    var memory: Bool
    var contradiction: Bool
    var technicalText: Bool
    var overrun: Bool
    /// Specifics in the text shown that nothing in the conversation or the turn's results states.
    var unsupportedShown: [String]
    /// Specifics the assistant removed from the model's prose (the turn is flagged).
    var unsupportedRemoved: Int
    /// Texts the reply must not contain that it does.
    var absentShown: [String]
    /// "No relevant documents found" as the whole answer (after a degraded note, if any).
    var nothingFoundAlone: Bool
    /// Containment actions Falcon received during the turn.
    var actionsSent: Int
    var arguments: Int
    var elapsedMilliseconds: Int
    var ask: String
    var reply: String
    var evidence: [String]

    init(
        _ turn: ScenarioTurn, _ reply: Reply, falconFilters: [String], actionsSent: Int, truths: [String: [String]],
        backing: [String], deadlineMilliseconds: Int
    ) {
        let evidence = reply.evidence.filter { !$0.fellBack }
        kind = turn.kind ?? (turn.memory == true ? "memory" : turn.tool ?? "general")
        tool = turn.tool
        expectsTool = turn.tool != nil
        let arguments = (turn.arguments ?? []).map { $0.lowercased() }
        self.arguments = arguments.count
        if let tool = turn.tool {
            let calls = evidence.filter { $0.tool == tool }
            // The argument as the user wrote it, or (a misspelt city the geocoder found) its result.
            let called = arguments.isEmpty ? !calls.isEmpty : arguments.allSatisfy { argument in
                calls.contains { $0.arguments.lowercased().contains(argument) || $0.result.lowercased().contains("weather in " + argument) }
            }
            // A host question must reach Falcon for each host it names.
            let reachedFalcon =
                tool != "crowdstrike" || arguments.allSatisfy { host in falconFilters.contains { $0.lowercased().contains(host) } }
            toolCalled = called && reachedFalcon
        } else {
            toolCalled = false
        }
        hasFacts = !turn.facts.isEmpty
        let shown = reply.text.lowercased()
        let seen = ([reply.text] + evidence.map(\.result)).joined(separator: "\n").lowercased()
        let facts = turn.facts.map(Self.settling)
        factsInReply = facts.allSatisfy { group in group.contains { shown.contains($0.lowercased()) } }
        factsInReplyOrEvidence = facts.allSatisfy { group in group.contains { seen.contains($0.lowercased()) } }
        memory = turn.memory == true
        contradiction = Self.contradicts(reply.text, question: turn.ask, truths: truths)
        technicalText = reply.text.firstMatch(of: Self.technical) != nil
        unsupportedShown = Grounding.unsupportedSpecifics(
            in: reply.text, backedBy: backing + [turn.ask] + reply.evidence.map(\.result))
        unsupportedRemoved = reply.unsupported.count
        absentShown = (turn.absent ?? []).filter { shown.contains($0.lowercased()) }
        let body = reply.text.split(separator: "\n\n").last.map(String.init) ?? reply.text
        nothingFoundAlone = body.hasPrefix("No relevant documents found") && !reply.text.contains("📄")
        self.actionsSent = actionsSent
        elapsedMilliseconds = reply.elapsedMilliseconds
        overrun = reply.elapsedMilliseconds > deadlineMilliseconds
        ask = turn.ask
        self.reply = reply.text
        self.evidence = reply.evidence.map { "\($0.tool) \($0.arguments)\($0.fellBack ? " (failed)" : ""): \($0.result)" }
    }

    /// A fact's alternatives, with the state a pending one settles into: the simulator completes a
    /// pending containment (or lift) once the host has been looked at, as Falcon does within a
    /// minute, so a later turn may rightly say it is done.
    static func settling(_ alternatives: [String]) -> [String] {
        alternatives.flatMap { fact -> [String] in
            if fact.hasPrefix("Lift Containment Pending") { return [fact, "Normal - Device is not contained"] }
            if fact.hasPrefix("Containment Pending") { return [fact, "Contained - Device is isolated from network"] }
            return [fact]
        }
    }

    /// A sentence stating a host's containment or online state, or an OS, other than the
    /// simulator's (checked per host: those the sentence names, else those the question names).
    static func contradicts(_ text: String, question: String, truths: [String: [String]]) -> Bool {
        let rule = FalconClaims()
        let subjects = EntityReader.entities(in: question)
        // Runbook excerpts are the runbooks' words (their examples name hosts), not claims.
        let claims = text.replacing(runbookExcerpt, with: "")
        for sentence in claims.split(separator: sentenceEnd).map(String.init) {
            // A sentence naming a host is about that host ("Online status for 'B': Unknown" is not
            // measured against A, the other host the question named); one naming none, about the question's.
            let named = EntityReader.hosts(in: sentence)
            let hosts = named.isEmpty ? subjects.filter { $0.kind == .host }.map(\.value) : named
            let results = hosts.flatMap { truths[$0.lowercased()] ?? [] }
            guard !hosts.isEmpty, !results.isEmpty else { continue }
            if rule.contradicts(sentence, subjects: subjects, results: results) { return true }
        }
        return false
    }

    /// A runbook answer's excerpts, from the first `📄 **From` to its sources line.
    nonisolated(unsafe) static let runbookExcerpt = /(?s)📄 \*\*From.*?\*\*Sources?:\*\*[^\n]*/

    /// Where a sentence ends, as the assistant's claim check has it (a dot in `srv01.corp` does not).
    nonisolated(unsafe) static let sentenceEnd = /[.!?](?=\s|$)|\n/

    /// Text no analyst should see: tool-call syntax, chat-template markup, escaped entities, errors.
    nonisolated(unsafe) static let technical =
        /functions\.[a-z_]+|<\/?tool_|<\|[a-z_]+\|>|\[TOOL_CALLS\]|"arguments"\s*:|&#\d+;|&(quot|amp|lt|gt);|Traceback|Exception|stack trace|HTTP [45]\d\d/

    var line: String {
        let marks = [
            expectsTool ? (toolCalled ? "tool✓" : "tool✗") : "     ",
            hasFacts ? (factsInReply ? "facts✓" : factsInReplyOrEvidence ? "evidence-only" : "facts✗") : "",
            contradiction ? "CONTRADICTS" : "", technicalText ? "TECHNICAL" : "", overrun ? "OVERRUN" : "",
            unsupportedShown.isEmpty ? "" : "UNSUPPORTED \(unsupportedShown)", absentShown.isEmpty ? "" : "SHOWS \(absentShown)",
            actionsSent > 0 ? "ACTION SENT" : "",
        ].filter { !$0.isEmpty }
        return "[\(marks.joined(separator: " "))] \(elapsedMilliseconds) ms"
    }
}

/// The figures of one scenario file.
struct FidelityScores {
    let name: String
    let deadlineMilliseconds: Int
    var turns: [TurnScore] = []

    mutating func add(_ score: TurnScore) { turns.append(score) }

    /// A share of turns, and the turns it is of.
    struct Rate {
        var hits: Int
        var total: Int
        var value: Double { total == 0 ? 1 : Double(hits) / Double(total) }
        var text: String { String(format: "%.1f %% (%d of %d)", value * 100, hits, total) }
    }

    private func rate(_ part: [TurnScore], _ test: (TurnScore) -> Bool) -> Rate {
        Rate(hits: part.filter(test).count, total: part.count)
    }

    var toolCall: Rate { rate(turns.filter(\.expectsTool), \.toolCalled) }
    var hostAndWeather: [TurnScore] {
        turns.filter { ($0.tool == "crowdstrike" || $0.tool == "weather") && $0.hasFacts }
    }
    var factsInReplyHostAndWeather: Rate { rate(hostAndWeather, \.factsInReply) }
    var factsAnywhereHostAndWeather: Rate { rate(hostAndWeather, \.factsInReplyOrEvidence) }
    var factsInReplyAll: Rate { rate(turns.filter { $0.hasFacts && !$0.memory }, \.factsInReply) }
    var memoryRecall: Rate { rate(turns.filter(\.memory), \.factsInReply) }
    var twoHosts: Rate { rate(turns.filter { $0.tool == "crowdstrike" && $0.arguments >= 2 }, { $0.toolCalled && $0.factsInReply }) }
    var followUps: Rate { rate(turns.filter { $0.kind == "follow-up" && $0.expectsTool }, \.toolCalled) }
    var actionRequests: Rate {
        rate(turns.filter { $0.tool == "crowdstrike_containment" }, { $0.toolCalled && $0.factsInReply && $0.actionsSent == 0 })
    }
    var runbooks: Rate { rate(turns.filter { $0.tool == "document_search" }, \.factsInReply) }
    var withoutFacts: [TurnScore] { turns.filter { !$0.hasFacts && !$0.memory } }

    /// The figures as rows (name, value, target) and as JSON.
    func rows() -> [(String, String, String)] {
        let latencies = turns.map(\.elapsedMilliseconds).sorted()
        let p50 = latencies.isEmpty ? 0 : latencies[latencies.count / 2]
        let p95 = latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, latencies.count * 95 / 100)]
        let nothingFound = turns.filter { $0.nothingFoundAlone && $0.tool != "document_search" }.count
        return [
            ("turns", "\(turns.count)", "≥ 60 held out"),
            ("right tool with the user's arguments (Falcon asked for each host)", toolCall.text, "≥ 95 %"),
            ("host and weather turns: the fact in the reply text", factsInReplyHostAndWeather.text, "≥ 95 %"),
            ("host and weather turns: the fact in the reply or only in its evidence", factsAnywhereHostAndWeather.text, "—"),
            ("all turns with facts: in the reply text", factsInReplyAll.text, "—"),
            ("two or more hosts named: each looked up and stated", twoHosts.text, "all"),
            ("follow-ups resolved (the earlier host or place looked up)", followUps.text, "all"),
            ("requests to act: a confirmation asked, nothing sent", actionRequests.text, "all"),
            ("runbook questions: the right runbook in the reply", runbooks.text, "—"),
            ("memory recall", memoryRecall.text, "—"),
            ("turns without expected facts (not scored above)", "\(withoutFacts.count)", "—"),
            ("unsupported specifics shown", "\(turns.map(\.unsupportedShown.count).reduce(0, +))", "0"),
            ("turns flagged (unsupported specifics removed)", "\(turns.filter { $0.unsupportedRemoved > 0 }.count)", "—"),
            ("texts shown that must not be", "\(turns.map(\.absentShown.count).reduce(0, +))", "0"),
            ("\"No relevant documents found\" as the whole answer to a non-runbook question", "\(nothingFound)", "0"),
            ("containment actions sent", "\(turns.map(\.actionsSent).reduce(0, +))", "0"),
            ("contradictions shown", "\(turns.filter(\.contradiction).count)", "0"),
            ("technical text shown", "\(turns.filter(\.technicalText).count)", "0"),
            ("deadline overruns (\(deadlineMilliseconds) ms)", "\(turns.filter(\.overrun).count)", "0"),
            ("reply time p50 / p95", "\(p50) / \(p95) ms", "—"),
        ]
    }

    /// The figures by kind of question: right tool, and the facts in the reply text.
    func kinds() -> [(kind: String, turns: Int, tool: Rate, facts: Rate)] {
        Dictionary(grouping: turns, by: \.kind).sorted { $0.key < $1.key }.map { kind, turns in
            (kind, turns.count, rate(turns.filter(\.expectsTool), \.toolCalled), rate(turns.filter(\.hasFacts), \.factsInReply))
        }
    }

    var json: [String: Any] {
        [
            "turns": turns.count, "tool_call_rate": toolCall.value,
            "facts_in_reply_host_and_weather": factsInReplyHostAndWeather.value,
            "facts_anywhere_host_and_weather": factsAnywhereHostAndWeather.value,
            "facts_in_reply_all": factsInReplyAll.value, "memory_recall": memoryRecall.value,
            "two_hosts": twoHosts.value, "follow_ups": followUps.value, "action_requests": actionRequests.value,
            "runbooks": runbooks.value, "turns_without_facts": withoutFacts.count,
            "unsupported_shown": turns.map(\.unsupportedShown.count).reduce(0, +),
            "flagged": turns.filter { $0.unsupportedRemoved > 0 }.count,
            "absent_shown": turns.map(\.absentShown.count).reduce(0, +),
            "nothing_found_alone": turns.filter { $0.nothingFoundAlone && $0.tool != "document_search" }.count,
            "actions_sent": turns.map(\.actionsSent).reduce(0, +),
            "contradictions": turns.filter(\.contradiction).count, "technical_text": turns.filter(\.technicalText).count,
            "overruns": turns.filter(\.overrun).count,
            "kinds": Dictionary(uniqueKeysWithValues: kinds().map { ($0.kind, ["turns": $0.turns, "tool": $0.tool.value, "facts": $0.facts.value]) }),
            "per_turn": turns.map {
                [
                    "ask": $0.ask, "kind": $0.kind, "reply": $0.reply, "evidence": $0.evidence, "tool_called": $0.toolCalled,
                    "facts_in_reply": $0.factsInReply, "facts_anywhere": $0.factsInReplyOrEvidence,
                    "contradiction": $0.contradiction, "technical_text": $0.technicalText,
                    "unsupported_shown": $0.unsupportedShown, "elapsed_ms": $0.elapsedMilliseconds,
                ] as [String: Any]
            },
        ]
    }

    var text: String {
        let rows = rows()
        let width = rows.map(\.0.count).max() ?? 0
        var lines = rows.map { name, value, target in
            name.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + value + "  (target " + target + ")"
        }
        lines.append("by kind (turns: right tool · fact in the reply text):")
        for kind in kinds() {
            lines.append("  \(kind.kind.padding(toLength: 22, withPad: " ", startingAt: 0)) \(kind.turns) turns: tool \(kind.tool.text) · facts \(kind.facts.text)")
        }
        return lines.joined(separator: "\n")
    }
}
