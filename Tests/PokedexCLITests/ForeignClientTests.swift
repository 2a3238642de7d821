import Foundation
import PokedexTesting
import Testing

/// Clients nobody here wrote, against a running `pokedex serve`: the official `openai` Python
/// package and a headless Chromium. `.ci/run` installs both; without them these tests say so.
@Suite("Foreign clients")
struct ForeignClientTests {
    /// The `python3` on the PATH (where `pip install openai` put the package).
    static func hasOpenAIPackage() async -> Bool {
        let probe = try? await ChildProcess.run(
            executable: URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", "import openai"])
        return probe?.status == 0
    }

    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"].first {
        FileManager.default.isExecutableFile(atPath: $0)
    }

    /// Where the screenshot goes: `.build/test-artifacts/` of this package.
    static let artifacts = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/test-artifacts")

    @Test(.enabled("pip install openai (the .ci/run script does) to run this") { await hasOpenAIPackage() })
    func theOfficialOpenAIClientChatsStreamingAndNot() async throws {
        let llm = try await ScriptedLLMServer.start([.text("Nice to meet you, Frank."), .text("Your name is Frank.")])
        defer { Task { try await llm.stop() } }
        let token = "openai-client-token-0123456789"
        let server = try await ServeCommandTests.Server.start([
            "POKEDEX_LLM_PROVIDER": "openai", "POKEDEX_LLM_URL": llm.openAIURL, "POKEDEX_API_TOKENS": token,
        ])
        defer {
            server.process.kill(SIGTERM)
            server.directory.remove()
        }
        let script = server.directory.path("client.py")
        try Data(
            """
            import os
            from openai import OpenAI
            client = OpenAI(base_url=os.environ["BASE"] + "/v1", api_key=os.environ["TOKEN"],
                            default_headers={"X-Pokedex-Room": "python"})
            first = client.chat.completions.create(
                model="pokedex", user="frank", messages=[{"role": "user", "content": "Hello, I am Frank."}])
            print("ONE:" + first.choices[0].message.content)
            stream = client.chat.completions.create(
                model="pokedex", user="frank", stream=True,
                messages=[{"role": "user", "content": "Hello, I am Frank."},
                          {"role": "assistant", "content": first.choices[0].message.content},
                          {"role": "user", "content": "What is my name?"}])
            print("TWO:" + "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices))
            """.utf8
        ).write(to: URL(fileURLWithPath: script))
        let outcome = try await ChildProcess.run(
            executable: URL(fileURLWithPath: "/usr/bin/env"), ["python3", script],
            environment: ["BASE": server.url, "TOKEN": token])
        #expect(outcome.status == 0, "\(outcome.stderr)")
        #expect(outcome.stdout.contains("ONE:Nice to meet you, Frank."))
        #expect(outcome.stdout.contains("TWO:Your name is Frank."))
        // The session lives in Pokedex: the model saw the first turn from the store.
        #expect(
            llm.received.last?.messages.dropFirst().map(\.content) == [
                "Hello, I am Frank.", "Nice to meet you, Frank.", "What is my name?",
            ])
        let shown = try await ChildProcess.run(
            ["sessions", "show", "--user", "frank", "--room", "python", "--json"], environment: server.environment)
        #expect(shown.stdout.contains(#""message_count" : 4"#))
    }

    @Test(.enabled(if: chromium != nil, "apt install chromium (the .ci/run script does) to run this"))
    func aRealBrowserRendersTheStatusPage() async throws {
        let server = try await ServeCommandTests.Server.start()
        defer {
            server.process.kill(SIGTERM)
            server.directory.remove()
        }
        let browser = URL(fileURLWithPath: try #require(Self.chromium))
        let flags = [
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--user-data-dir=" + server.directory.path("chromium"),
        ]
        let dom = try await ChildProcess.run(executable: browser, flags + ["--dump-dom", server.url + "/"])
        #expect(dom.stdout.contains(#"<table id="tools">"#), "\(dom.stderr.suffix(500))")
        #expect(dom.stdout.contains("document_search"))
        #expect(dom.stdout.contains("<h1>Pokedex</h1>"))
        try FileManager.default.createDirectory(at: Self.artifacts, withIntermediateDirectories: true)
        let screenshot = Self.artifacts.appendingPathComponent("status-page.png")
        try? FileManager.default.removeItem(at: screenshot)
        let shot = try await ChildProcess.run(
            executable: browser,
            flags + ["--window-size=1280,900", "--screenshot=" + screenshot.path, server.url + "/"])
        #expect(shot.status == 0, "\(shot.stderr.suffix(500))")
        let size = (try? FileManager.default.attributesOfItem(atPath: screenshot.path)[.size] as? Int) ?? 0
        #expect(size > 10_000)
    }
}
