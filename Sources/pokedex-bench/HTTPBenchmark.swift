import ArgumentParser
import Foundation
import PokedexTesting

/// `pokedex-bench http`: `pokedex serve` under load from wrk (64 connections on loopback), in
/// degraded mode (every turn a runbook search) and with the scripted LLM: turns per second,
/// latency p50/p99, and the server's peak RSS.
struct HTTPBenchmark: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "http", abstract: "Load-test pokedex serve with wrk.")

    @Option(help: "Concurrent connections.") var connections = 64
    @Option(help: "Seconds of load per mode.") var seconds = 15
    @Option(help: "Where to write the JSON results.") var output = "bench-results/http.json"
    @Flag(help: "Tiny sizes: checks the benchmark works, measures nothing meaningful.") var quick = false

    struct Result {
        var requestsPerSecond: Double
        var p50: Double
        var p99: Double
        var errors: Int
        var peakRSS: Int
    }

    mutating func run() async throws {
        if quick { (connections, seconds) = (4, 1) }
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/wrk") else {
            throw ValidationError("wrk is needed: apt-get install wrk")
        }
        let degraded = try await measure(llm: nil)
        let llm = try await ScriptedLLMServer.start(
            otherwise: .text("Isolate the host, then call the incident commander."))
        defer { Task { try? await llm.stop() } }
        let withModel = try await measure(llm: llm)

        let met = degraded.requestsPerSecond >= 2000 && degraded.p99 <= 50 && degraded.peakRSS <= 150_000_000
        print("")
        for (name, result) in [("degraded (runbook search)", degraded), ("scripted LLM", withModel)] {
            print(
                String(
                    format: "%-26@ %8.0f turns/s   p50 %6.2f ms   p99 %6.2f ms   errors %d   server peak RSS %.0f MB",
                    name as NSString, result.requestsPerSecond, result.p50, result.p99, result.errors,
                    Double(result.peakRSS) / 1_000_000))
        }
        print("targets (degraded): ≥ 2,000 turns/s, p99 ≤ 50 ms, RSS ≤ 150 MB   \(met ? "met" : "MISSED")")
        func figures(_ result: Result) -> [String: Any] {
            [
                "turns_per_second": result.requestsPerSecond, "p50_ms": result.p50, "p99_ms": result.p99,
                "errors": result.errors, "peak_rss_bytes": result.peakRSS,
            ]
        }
        let document: [String: Any] = [
            "benchmark": "http", "date": ISO8601DateFormatter().string(from: Date()), "machine": machineDescription(),
            "results": [
                "connections": connections, "seconds": seconds, "degraded": figures(degraded),
                "scripted_llm": figures(withModel), "targets_met": met,
            ] as [String: Any],
        ]
        let url = URL(fileURLWithPath: output)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys]).write(to: url)
        print("\nWrote \(output)")
    }

    /// Starts `pokedex serve` (the executable beside this one), loads it with wrk, stops it.
    private func measure(llm: ScriptedLLMServer?) async throws -> Result {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "pokedex-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let runbooks = directory.appendingPathComponent("runbooks")
        let samples = URL(fileURLWithPath: "runbooks")
        if FileManager.default.fileExists(atPath: samples.path) {
            try FileManager.default.copyItem(at: samples, to: runbooks)
        } else {
            try FileManager.default.createDirectory(at: runbooks, withIntermediateDirectories: true)
            try Data("# Ransomware\n\nIsolate affected hosts first, then call the incident commander.".utf8).write(
                to: runbooks.appendingPathComponent("ransomware.md"))
        }
        var environment = [
            "POKEDEX_DATABASE": directory.appendingPathComponent("pokedex.db").path,
            "POKEDEX_RUNBOOKS_DIR": runbooks.path,
            "POKEDEX_RUNBOOKS_INDEX": directory.appendingPathComponent("runbooks.db").path,
            "POKEDEX_LLM_PROVIDER": "none", "POKEDEX_WEATHER_ENABLED": "false", "POKEDEX_LOG_LEVEL": "error",
        ]
        if let llm {
            environment["POKEDEX_LLM_PROVIDER"] = "openai"
            environment["POKEDEX_LLM_URL"] = llm.openAIURL
        }
        let (server, port) = try await ServeProcess.start(environment: environment)
        defer { server.kill(SIGTERM) }
        // Each request is a new question from one of 1,000 users, so sessions do not queue behind each other.
        let script = directory.appendingPathComponent("turn.lua")
        try Data(
            """
            math.randomseed(2026)
            local questions = {"what are the first steps for ransomware?", "who do I page for a P1?",
              "how do I triage a phishing email?", "how do I contain a host?"}
            request = function()
              local body = string.format('{"user":"user-%d","room":"bench","message":"%s"}',
                math.random(1, 1000), questions[math.random(1, #questions)])
              return wrk.format("POST", "/api/v1/chat", {["Content-Type"] = "application/json"}, body)
            end
            """.utf8
        ).write(to: script)
        let label = llm == nil ? "degraded" : "scripted LLM"
        print("Loading pokedex serve (\(label)) with \(connections) connections for \(seconds) s…")
        let wrk = try await ChildProcess.run(
            executable: URL(fileURLWithPath: "/usr/bin/wrk"),
            ["-t2", "-c\(connections)", "-d\(seconds)s", "--latency", "-s", script.path, "http://127.0.0.1:\(port)"])
        let peak = Self.peakRSS(of: server.pid)
        return Result(
            requestsPerSecond: Self.number(after: "Requests/sec:", in: wrk.stdout),
            p50: Self.milliseconds(after: "50%", in: wrk.stdout), p99: Self.milliseconds(after: "99%", in: wrk.stdout),
            errors: Int(Self.number(after: "Non-2xx or 3xx responses:", in: wrk.stdout)), peakRSS: peak)
    }

    private static func number(after label: String, in text: String) -> Double {
        guard let line = text.split(separator: "\n").first(where: { $0.contains(label) }) else { return 0 }
        return Double(line.components(separatedBy: label).last?.trimmingCharacters(in: .whitespaces) ?? "") ?? 0
    }

    /// wrk prints latencies as `50%  1.23ms` (or `us`, `s`).
    private static func milliseconds(after label: String, in text: String) -> Double {
        guard
            let line = text.split(separator: "\n").first(where: {
                $0.trimmingCharacters(in: .whitespaces).hasPrefix(label)
            }),
            let value = line.split(separator: " ", omittingEmptySubsequences: true).last
        else { return 0 }
        let text = String(value)
        for (unit, scale) in [("us", 0.001), ("ms", 1.0), ("s", 1000.0)] where text.hasSuffix(unit) {
            return (Double(text.dropLast(unit.count)) ?? 0) * scale
        }
        return 0
    }

    /// The process's high-water resident set (VmHWM), in bytes.
    private static func peakRSS(of pid: Int32) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = Int(line.split(separator: " ").dropFirst().first ?? "")
        else { return 0 }
        return kilobytes * 1024
    }
}
