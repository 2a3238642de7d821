import Foundation
import Logging
import PokedexLLM
import PokedexRecovery
import Synchronization

extension ToolName {
    /// The embedding model that hybrid runbook search asks for meaning.
    public static let embeddings: ToolName = "embeddings"
}

/// The embedding side of hybrid runbook search. Sections are embedded in the background, in
/// batches, whenever some have no vector of the configured model (new or changed files, another
/// model); each question's embedding is asked for with a short time limit. Every call goes
/// through recovery (service `embeddings`). Whenever the embedding server does not answer,
/// search is keyword-only — no error, said once in the log and shown in `status` — until it
/// answers again.
public final class RunbookEmbeddings: Sendable {
    /// Batches of sections can take seconds on a CPU model: 30 s per attempt. No retry: a question
    /// is better answered by keywords at once, and sections left are embedded at the next question.
    public static let recoveryDefaults = RecoveryDefaults(
        policy: RetryPolicy(maxRetries: 0, initialDelay: .milliseconds(500), backoff: 2.0, timeout: .seconds(30)))
    /// A question waits at most this long for its embedding before being answered by keywords.
    public static let questionTimeLimit = Duration.seconds(5)
    /// Sections per embedding request.
    static let batchSize = 16

    public let model: any EmbeddingModel
    private let index: RunbookIndex
    private let recovery: Recovery
    private let logger: Logger
    private let questionTimeLimit: Duration
    private let state = Mutex(State())

    private struct State {
        /// Why search is keyword-only now; nil while the embedding server answers.
        var keywordOnly: String?
        var catchingUp = false
        /// Some sections may lack a vector (cleared when a catch-up finds none).
        var pending = true
    }

    /// How runbook search ranks now.
    public enum Mode: Sendable, Equatable {
        /// Keywords and meaning; `embedded` of `sections` have a vector so far.
        case hybrid(embedded: Int, sections: Int)
        /// Keywords alone, and why.
        case keywordOnly(String)
    }

    public init(
        model: any EmbeddingModel, index: RunbookIndex, recovery: Recovery, logger: Logger,
        questionTimeLimit: Duration = questionTimeLimit
    ) {
        self.model = model
        self.index = index
        self.recovery = recovery
        self.logger = logger
        self.questionTimeLimit = questionTimeLimit
    }

    public func mode() -> Mode {
        if let reason = state.withLock({ $0.keywordOnly }) { return .keywordOnly(reason) }
        let counts = (try? index.vectorCounts(model: model.model)) ?? (embedded: 0, sections: 0)
        return .hybrid(embedded: counts.embedded, sections: counts.sections)
    }

    /// The mode now as a sentence for `status`.
    public func summary() -> String { summary(of: mode()) }

    /// A mode as a sentence for `status`.
    public func summary(of mode: Mode) -> String {
        switch mode {
        case .hybrid(let embedded, let sections):
            "hybrid search (\(model.model): \(embedded) of \(sections) sections embedded)"
        case .keywordOnly(let reason):
            "keyword search only: \(reason)"
        }
    }

    /// Embeds every section that has no vector of the model, batch after batch; stops at the
    /// first batch the server does not embed (search stays keyword-only then). True when every
    /// section has its vector.
    @discardableResult
    public func catchUp() async -> Bool {
        let started = state.withLock { state -> Bool in
            guard !state.catchingUp else { return false }
            state.catchingUp = true
            return true
        }
        guard started else { return false }
        defer { state.withLock { $0.catchingUp = false } }
        do {
            try index.dropVectors(notOf: model.model)
        } catch {
            logger.error("runbook section vectors of another model could not be dropped: \(error)")
            return false
        }
        while true {
            let batch: [RunbookIndex.PendingSection]
            do {
                batch = try index.sectionsToEmbed(model: model.model, limit: Self.batchSize)
            } catch {
                logger.error("runbook sections could not be read for embedding: \(error)")
                return false
            }
            guard !batch.isEmpty else {
                state.withLock { $0.pending = false }
                return true
            }
            let model = self.model
            let outcome = await recovery.call(.embeddings) { attempt in
                try await model.embed(batch.map(\.text), timeLimit: attempt.timeLimit)
            }
            guard let vectors = outcome.value else {
                fellBack(outcome.failureReason)
                return false
            }
            answered()
            do {
                try index.storeVectors(zip(batch, vectors).map { ($0.id, $1) }, model: model.model)
            } catch {
                logger.error("runbook section vectors could not be stored: \(error)")
                return false
            }
        }
    }

    /// Starts ``catchUp()`` in the background unless one runs or nothing is pending.
    public func startCatchUp() {
        guard state.withLock({ $0.pending && !$0.catchingUp }) else { return }
        Task { await catchUp() }
    }

    /// The question's embedding; nil when the server does not answer in time (keywords alone then).
    public func vector(for question: String) async -> RunbookIndex.QueryVector? {
        let (model, limit) = (self.model, questionTimeLimit)
        let outcome = await recovery.call(.embeddings) { attempt in
            try await model.embed([question], timeLimit: min(attempt.timeLimit, limit))
        }
        guard let values = outcome.value?.first else {
            fellBack(outcome.failureReason)
            return nil
        }
        answered()
        startCatchUp()
        return RunbookIndex.QueryVector(model: model.model, values: values)
    }

    /// Search turns keyword-only: said once, not at every question.
    private func fellBack(_ reason: FailureReason?) {
        let why =
            switch reason {
            case .failed(let failure, _)?: failure.message
            case .unavailable?: "the embedding model is out of service after repeated failures"
            case .deadlineExceeded?: "no time was left for the embedding model"
            case .cancelled?, nil: "the embedding was cancelled"
            }
        if case .cancelled? = reason { return }
        let first = state.withLock { state -> Bool in
            defer { state.keywordOnly = why }
            return state.keywordOnly == nil
        }
        if first {
            logger.warning(
                "runbook search is keyword-only until the embedding model answers",
                metadata: ["model": "\(model.provider) \(model.model)", "reason": "\(why)"])
        }
    }

    /// The server answers (again): said once when it had not.
    private func answered() {
        let was = state.withLock { state -> String? in
            defer { state.keywordOnly = nil }
            return state.keywordOnly
        }
        if was != nil {
            logger.notice("runbook search ranks by meaning again", metadata: ["model": "\(model.provider) \(model.model)"])
        }
    }
}
