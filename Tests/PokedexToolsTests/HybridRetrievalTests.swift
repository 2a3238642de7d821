import Foundation
import InMemoryLogging
import Logging
import PokedexLLM
import PokedexRecovery
import PokedexTesting
import Testing

@testable import PokedexTools

/// Hybrid runbook search: sections embedded into the index beside their text, questions ranked by
/// keywords and meaning fused, and the keyword path alone — said once — whenever the embedding
/// server does not answer.
@Suite("Hybrid runbook search", .serialized)
struct HybridRetrievalTests {
    static let real = Testing.ConditionTrait.enabled(if: MiniLMServer.python != nil, Comment(rawValue: MiniLMServer.missing))

    /// Recovery with the services' own defaults (nothing here waits on its clock: no retries),
    /// but time enough for a CPU model on a machine busy with other suites.
    static func recovery(_ configure: (inout RecoveryConfiguration) -> Void = { _ in }) -> Recovery {
        var configuration = ToolSet.recoveryConfiguration()
        configuration.policies[.embeddings]?.timeout = .seconds(300)
        configure(&configuration)
        return Recovery(configuration: configuration, clock: ManualClock())
    }

    @Test(real) func aRealEmbeddingModelAnswersTheEvaluationSetAtLeastAsWellAsKeywords() async throws {
        let server = try await MiniLMServer.start()
        defer { server.process.kill() }
        let (index, directory) = try RunbookRetrievalTests.index()
        defer { directory.remove() }
        let embeddings = RunbookEmbeddings(
            model: OpenAIEmbeddingModel(baseURL: server.url + "/v1", model: "all-minilm", apiKey: nil), index: index,
            recovery: Self.recovery(), logger: Logger(label: "test"), questionTimeLimit: .seconds(300))
        #expect(await embeddings.catchUp())
        let sections = try index.counts().chunks
        #expect(embeddings.mode() == .hybrid(embedded: sections, sections: sections))

        let evaluation = try RunbookEvaluation(
            contentsOf: RunbookRetrievalTests.root.appendingPathComponent("evaluation/runbook-questions.json"),
            heldOut: RunbookRetrievalTests.root.appendingPathComponent("evaluation/runbook-questions-heldout.json"))
        var vectors: [String: RunbookIndex.QueryVector] = [:]
        for question in evaluation.questions { vectors[question.q] = await embeddings.vector(for: question.q) }
        #expect(vectors.count == evaluation.questions.count)
        let keyword = try evaluation.figures { try index.search($0, limit: 10) }
        let hybrid = try evaluation.figures { try index.search($0, limit: 10, vector: vectors[$0]) }
        #expect(hybrid.recallAt3 >= keyword.recallAt3, "hybrid \(hybrid), keyword \(keyword)")
        #expect(hybrid.meanReciprocalRank >= keyword.meanReciprocalRank, "hybrid \(hybrid), keyword \(keyword)")
        #expect(hybrid.recallAt3 >= 0.9 && hybrid.noAnswerPrecision >= 0.8, "\(hybrid)")
        // The held-out questions (never tuned on) are where meaning helps.
        let heldOut = evaluation.heldOut(true)
        let heldOutKeyword = try heldOut.figures { try index.search($0, limit: 10) }
        let heldOutHybrid = try heldOut.figures { try index.search($0, limit: 10, vector: vectors[$0]) }
        #expect(heldOutHybrid.recallAt3 >= heldOutKeyword.recallAt3, "\(heldOutHybrid) vs \(heldOutKeyword)")
    }

    @Test(real) func bothWireFormatsCarryTheSameRealVectors() async throws {
        let server = try await MiniLMServer.start()
        defer { server.process.kill() }
        let texts = ["a laptop was stolen", "the notebook computer has been taken by a thief", "it is sunny in Paris"]
        let ollama = try await OllamaEmbeddingModel(baseURL: server.url, model: "all-minilm")
            .embed(texts, timeLimit: .seconds(60))
        let openAI = try await OpenAIEmbeddingModel(baseURL: server.url, model: "all-minilm", apiKey: nil)
            .embed(texts, timeLimit: .seconds(60))
        #expect(ollama == openAI)
        #expect(ollama.count == 3 && ollama.allSatisfy { $0.count == 384 })
        func cosine(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        // Meaning, not words: the stolen laptop is the notebook taken by a thief, not the weather.
        #expect(cosine(ollama[0], ollama[1]) > 0.8 && cosine(ollama[0], ollama[2]) < 0.2)
        // The real model: sentence-transformers' quick start shows these similarities for it.
        let reference = try await OpenAIEmbeddingModel(baseURL: server.url, model: "all-minilm", apiKey: nil).embed(
            ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."], timeLimit: .seconds(60))
        #expect(abs(cosine(reference[0], reference[1]) - 0.6660) < 0.001)
        #expect(abs(cosine(reference[0], reference[2]) - 0.1046) < 0.001)
        #expect(abs(cosine(reference[1], reference[2]) - 0.1411) < 0.001)
        // A model the server does not have is its 404, said as such.
        await #expect {
            try await OllamaEmbeddingModel(baseURL: server.url, model: "nomic-embed-text").embed(["x"], timeLimit: .seconds(10))
        } throws: { ($0 as? ServiceFailure)?.kind == .http(status: 404) }
    }

    @Test(real) func sectionsAreEmbeddedOnceAndAgainOnlyWhenTheirFileOrTheModelChanges() async throws {
        let server = try await MiniLMServer.start(["--model", "all-minilm", "--model", "minilm-again"])
        defer { server.process.kill() }
        let directory = try TemporaryDirectory(prefix: "pokedex-hybrid")
        defer { directory.remove() }
        let folder = URL(fileURLWithPath: directory.path("runbooks"))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try "# Printer jams\n\n## Clear the tray\n\nOpen the tray and remove the paper.\n\n## Call facilities\n\nExt. 4411."
            .write(to: folder.appendingPathComponent("printer.md"), atomically: true, encoding: .utf8)
        try "# Stolen laptop\n\n## Report the theft\n\nTell the service desk its asset tag."
            .write(to: folder.appendingPathComponent("laptop.md"), atomically: true, encoding: .utf8)
        let index = try RunbookIndex(path: directory.path("runbooks.db"))
        _ = try index.update(from: folder)
        let sections = try index.counts().chunks
        func embeddings(_ model: String) -> RunbookEmbeddings {
            RunbookEmbeddings(
                model: OllamaEmbeddingModel(baseURL: server.url, model: model), index: index, recovery: Self.recovery(),
                logger: Logger(label: "test"), questionTimeLimit: .seconds(300))
        }
        #expect(await embeddings("all-minilm").catchUp())
        #expect(try await MiniLMServer.textsEmbedded(server.url) == sections)
        #expect(await embeddings("all-minilm").catchUp())
        #expect(try await MiniLMServer.textsEmbedded(server.url) == sections, "nothing embedded twice")

        // One file changes: only its section is embedded again (the server counts every text it is
        // sent; the printer's sections are not sent).
        try "# Stolen laptop\n\n## Report the theft\n\nTell the security desk its asset tag at once."
            .write(to: folder.appendingPathComponent("laptop.md"), atomically: true, encoding: .utf8)
        _ = try index.update(from: folder)
        #expect(try index.vectorCounts(model: "all-minilm").embedded == sections - 1)
        #expect(await embeddings("all-minilm").catchUp())
        #expect(try await MiniLMServer.textsEmbedded(server.url) == sections + 1)

        // Another model: every section again, and the old model's vectors gone.
        #expect(await embeddings("minilm-again").catchUp())
        #expect(try index.vectorCounts(model: "minilm-again") == (sections, sections))
        #expect(try index.vectorCounts(model: "all-minilm").embedded == 0)
        #expect(try await MiniLMServer.textsEmbedded(server.url) == 2 * sections + 1)

        // A question in other words than the runbook's finds it by meaning; one that no runbook
        // answers still gets no answer.
        let question = "a notebook computer was taken by a thief"
        let vector = try #require(await embeddings("minilm-again").vector(for: question))
        #expect(try index.search(question).isEmpty, "keywords alone know none of its words")
        let hits = try index.search(question, vector: vector)
        #expect(hits.first?.section == "Stolen laptop › Report the theft", "\(hits)")
        let unrelated = "the coffee machine is broken"
        let unrelatedVector = try #require(await embeddings("minilm-again").vector(for: unrelated))
        #expect(try index.search(unrelated, vector: unrelatedVector).isEmpty)
    }

    @Test(real) func theToolRanksByMeaningUntilTheServerFailsThenByKeywordsSaidOnceUntilItAnswersAgain() async throws {
        let directory = try TemporaryDirectory(prefix: "pokedex-hybrid")
        defer { directory.remove() }
        let failing = directory.path("fail")
        let server = try await MiniLMServer.start(["--fail-file", failing])
        defer { server.process.kill() }
        let (index, indexDirectory) = try RunbookRetrievalTests.index()
        defer { indexDirectory.remove() }
        let log = InMemoryLogHandler()
        let recovery = Self.recovery()
        let embeddings = RunbookEmbeddings(
            model: OpenAIEmbeddingModel(baseURL: server.url, model: "all-minilm", apiKey: nil), index: index,
            recovery: recovery, logger: Logger(label: "test") { _ in log }, questionTimeLimit: .seconds(300))
        let tool = RunbookSearchTool(index: index, recovery: recovery, embeddings: embeddings)
        #expect(await embeddings.catchUp())
        let context = ToolContext(question: "q", user: "alice")
        let question = "the contact when something breaks after hours"
        let hybrid = await tool.run(try ToolArguments(["query": .string(question)], for: .documentSearch, tool.parameters), context: context)
        let keywordAlone = RunbookAnswer.format(try index.search(question), query: question)
        #expect(hybrid.text.contains("How to reach people"), "\(hybrid.text)")

        try Data().write(to: URL(fileURLWithPath: failing))
        for _ in 0..<3 {
            let answer = await tool.run(try ToolArguments(["query": .string(question)], for: .documentSearch, tool.parameters), context: context)
            #expect(answer.text == keywordAlone && !answer.fellBack)
        }
        let warnings = log.entries.filter { $0.level == .warning }
        #expect(warnings.count == 1, "said once: \(log.entries)")
        #expect(warnings.first?.metadata["reason"]?.description.contains("503") == true)
        #expect(embeddings.summary().hasPrefix("keyword search only: the embedding model answered 503"))
        #expect(recovery.healthReport().tools["embeddings"]?.failuresInWindow == 3)
        // The self-test (what `status` runs) asks the model too, and says what it found.
        let test = await tool.selfTest(timeLimit: .seconds(5))
        #expect(test?.passed == true && test?.remark == embeddings.summary())
        #expect(recovery.healthReport().tools["embeddings"]?.failuresInWindow == 4)
        #expect(log.entries.filter { $0.level == .warning }.count == 1, "still said once")

        try FileManager.default.removeItem(atPath: failing)
        let again = await tool.run(try ToolArguments(["query": .string(question)], for: .documentSearch, tool.parameters), context: context)
        #expect(again.text == hybrid.text)
        #expect(log.entries.filter { $0.level == .notice }.count == 1, "back, said once")
        #expect(embeddings.summary().hasPrefix("hybrid search (all-minilm:"))
    }

    @Test(real) func anEmbeddingServerThatAnswersGarbageLeavesKeywordSearch() async throws {
        let server = try await MiniLMServer.start(["--garbage"])
        defer { server.process.kill() }
        let (index, directory) = try RunbookRetrievalTests.index()
        defer { directory.remove() }
        let embeddings = RunbookEmbeddings(
            model: OllamaEmbeddingModel(baseURL: server.url, model: "all-minilm"), index: index,
            recovery: Self.recovery(), logger: Logger(label: "test"), questionTimeLimit: .seconds(300))
        #expect(await embeddings.catchUp() == false)
        #expect(try index.vectorCounts(model: "all-minilm").embedded == 0)
        #expect(await embeddings.vector(for: "ransomware first steps") == nil)
        #expect(embeddings.summary() == "keyword search only: the embedding model's answer does not hold one vector per text")
    }

    /// No Python needed: nothing listens where the embedding server should be.
    @Test func withNoEmbeddingServerTheToolAnswersByKeywordsAndTheBreakerOpens() async throws {
        let (index, directory) = try RunbookRetrievalTests.index()
        defer { directory.remove() }
        let recovery = Self.recovery { $0.thresholds[.embeddings] = 1 }
        let log = InMemoryLogHandler()
        let embeddings = RunbookEmbeddings(
            model: OllamaEmbeddingModel(baseURL: "http://127.0.0.1:9", model: "nomic-embed-text"), index: index,
            recovery: recovery, logger: Logger(label: "test") { _ in log })
        let tool = RunbookSearchTool(index: index, recovery: recovery, embeddings: embeddings)
        for question in ["ransomware first steps", "who do I call for a P1 at night?", "phishing triage"] {
            let answer = await tool.run(try ToolArguments(["query": .string(question)], for: .documentSearch, tool.parameters), context: ToolContext(question: question, user: "alice"))
            #expect(answer.text == RunbookAnswer.format(try index.search(question), query: question))
        }
        #expect(log.entries.filter { $0.level == .warning }.count == 1)
        #expect(!recovery.isAvailable(.embeddings), "out of service after repeated failures")
        #expect(embeddings.summary() == "keyword search only: the embedding model is out of service after repeated failures")
    }
}
