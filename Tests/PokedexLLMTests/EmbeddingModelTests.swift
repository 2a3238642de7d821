import PokedexRecovery
import Testing

@testable import PokedexLLM

/// What an embedding server's answer must hold before its vectors are stored or compared (the
/// wire formats themselves are exercised against a real model: PokedexToolsTests' hybrid suite).
@Suite("Embedding answers")
struct EmbeddingModelTests {
    @Test func vectorsThatDoNotMatchTheTextsAreRefused() throws {
        #expect(try EmbeddingRequest.checked([[1, 0], [0, 1]], count: 2).count == 2)
        #expect(try EmbeddingRequest.checked([], count: 0).isEmpty)
        // One missing, lengths differing, empty, not finite.
        for bad: [[Float]] in [[[1, 0]], [[1, 0], [1]], [[], []], [[1, .infinity], [0, 1]], [[.nan, 0], [0, 1]]] {
            #expect(throws: ServiceFailure.self) { try EmbeddingRequest.checked(bad, count: 2) }
        }
    }
}
