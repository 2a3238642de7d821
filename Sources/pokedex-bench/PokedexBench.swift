import ArgumentParser

/// `pokedex-bench`: the speed and memory figures of docs/benchmarks.md, measured against a baseline
/// in the same run. Build it in release mode: `swift run -c release pokedex-bench sessions`.
@main
struct PokedexBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pokedex-bench",
        abstract: "Benchmarks for Pokedex.",
        subcommands: [
            SessionsBenchmark.self, RecoveryBenchmark.self, SearchBenchmark.self, TurnBenchmark.self,
            HTTPBenchmark.self, FidelityBenchmark.self, RetrievalBenchmark.self,
        ])
}
