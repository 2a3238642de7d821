import ArgumentParser
import Dispatch
import Foundation
import PokedexAssistant
import PokedexAudit
import PokedexSettings
import Synchronization

/// `pokedex chat`: an interactive conversation in the terminal, in a persistent session.
/// A spinner with the elapsed time shows while a turn runs; Ctrl-C cancels the turn (not the
/// program); Ctrl-C at the prompt or end of input quits.
struct ChatCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chat", abstract: "Chat with Pokedex in the terminal (the session persists).")

    @OptionGroup var global: GlobalOptions
    @Option(help: "The user (default: the OS user).") var user: String?
    @Option(help: "The room.") var room = "cli"

    func run() async throws {
        CommandLogging.bootstrap()
        let context = try await AssistantContext.start(global)
        let user = user ?? defaultUser
        emit("Pokedex, your SOC assistant. Session: \(user) in room '\(room)'.")
        emit("Language model: \(context.modelDescription)")
        emit("Type `help` for the commands; Ctrl-C cancels an answer, Ctrl-D quits.")
        let interrupts = InterruptHandler()
        while true {
            FileHandle.standardOutput.write(Data("\nyou › ".utf8))
            guard let line = readLine(strippingNewline: true) else {
                emit("")
                return
            }
            if isatty(STDIN_FILENO) == 0 { emit(line) }  // piped input: show what was asked
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let turn = Task { [room] in
                await context.assistant.respond(
                    Turn(user: user, room: room, message: line, caller: terminalCaller(user: user)))
            }
            interrupts.current = { turn.cancel() }
            let spinner = Spinner()
            let reply = await turn.value
            await spinner.stop()  // its line is cleared before the answer is written
            interrupts.current = nil
            if turn.isCancelled {
                emit("⏹ Cancelled.")
                continue
            }
            emit("pokedex › " + TerminalText.render(reply.textWithEvidence, ansi: isatty(STDOUT_FILENO) == 1))
            var notes: [String] = []
            if reply.degraded { notes.append("without the language model") }
            if !reply.toolsUsed.isEmpty { notes.append("tools: " + reply.toolsUsed.joined(separator: ", ")) }
            notes.append(String(format: "%.1f s", Double(reply.elapsedMilliseconds) / 1000))
            emit("  (" + notes.joined(separator: " · ") + ")")
        }
    }
}

/// Ctrl-C: cancels the running turn when there is one, otherwise quits.
final class InterruptHandler: @unchecked Sendable {  // the source is set once, in init
    private let action = Mutex<(@Sendable () -> Void)?>(nil)
    private let source: any DispatchSourceSignal

    init() {
        signal(SIGINT, SIG_IGN)
        source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        source.setEventHandler { [unowned self] in
            if let cancel = current {
                cancel()
            } else {
                FileHandle.standardOutput.write(Data("\n".utf8))
                Foundation.exit(0)
            }
        }
        source.resume()
    }

    var current: (@Sendable () -> Void)? {
        get { action.withLock { $0 } }
        set { action.withLock { $0 = newValue } }
    }
}

/// "⠋ thinking… 1.2 s" redrawn on standard error while a turn runs (only on a terminal).
final class Spinner: Sendable {
    private let task: Task<Void, Never>?

    init() {
        guard isatty(STDERR_FILENO) == 1 else {
            task = nil
            return
        }
        task = Task {
            let frames = Array("⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏")
            let start = ContinuousClock.now
            var frame = 0
            while !Task.isCancelled {
                let seconds = (ContinuousClock.now - start).seconds
                FileHandle.standardError.write(
                    Data(
                        "\r\(frames[frame % frames.count]) thinking… \(String(format: "%.1f", seconds)) s\u{1B}[K".utf8)
                )
                frame += 1
                try? await Task.sleep(for: .milliseconds(100))
            }
            FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
        }
    }

    /// Stops it and waits until its line is cleared.
    func stop() async {
        task?.cancel()
        await task?.value
    }
}
