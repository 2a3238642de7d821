import CPokedexSpawn
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real child process (usually the `pokedex` executable) with its standard streams wired to
/// pipes, for tests that need real processes: crash safety, several processes on one database,
/// the CLI's exit codes and messages.
///
/// Built on `posix_spawn` with close-on-exec pipes and one plain thread per blocking read or wait,
/// because Foundation's `Process` on Linux leaks pipe ends into concurrently spawned children and
/// was seen hanging and crashing when tests start many processes at once. A child keeps only its
/// three standard streams, so it cannot hold open a pipe that some other code here is reading.
public final class ChildProcess: @unchecked Sendable {
    /// What a finished process left behind.
    public struct Outcome: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// True when the process ended by a signal (such as SIGKILL) rather than exiting.
        public var wasSignalled: Bool
    }

    /// The process id.
    public let pid: pid_t
    private var inputDescriptor: Int32
    private let lock = NSLock()
    private var stdoutData = Data()
    private var stderrData = Data()
    private var stdoutRemainder = Data()
    private var waitStatus: Int32 = 0
    private var ended: Set<String> = []
    private var waiters: [CheckedContinuation<Void, Never>] = []

    /// Lines the process writes to stdout, as they arrive.
    public let lines: AsyncStream<String>
    private let linesContinuation: AsyncStream<String>.Continuation

    /// The `pokedex` executable built beside the test bundle.
    public static var pokedexExecutable: URL { builtProduct("pokedex") }

    /// An executable of this package, built beside the running one (the test bundle, or a benchmark).
    /// `/proc/self/exe` is used because a child's `argv[0]` may be a bare name.
    public static func builtProduct(_ name: String) -> URL {
        let running =
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: running).deletingLastPathComponent().appendingPathComponent(name)
    }

    /// Starts a process.
    /// - Parameters:
    ///   - executable: the program; the `pokedex` executable by default.
    ///   - arguments: its arguments.
    ///   - environment: added to this process's environment, less its `POKEDEX_*` variables.
    ///   - directory: its working directory (set through `env --chdir`).
    public init(
        _ executable: URL = ChildProcess.pokedexExecutable, arguments: [String],
        environment: [String: String] = [:], directory: URL? = nil
    ) throws {
        (lines, linesContinuation) = AsyncStream<String>.makeStream()
        // A child that dies while we write to it must not take the test runner with it.
        signal(SIGPIPE, SIG_IGN)

        var program = executable.path
        var argv = [executable.lastPathComponent] + arguments
        if let directory {
            program = "/usr/bin/env"
            argv = ["env", "--chdir=\(directory.path)", executable.path] + arguments
        }
        // The test says every `POKEDEX_*` variable its child gets: none leak in from the shell or
        // CI (which sets its own, such as the test database's address).
        let inherited = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("POKEDEX_") }
        let variables = inherited.merging(environment) { $1 }.map { "\($0)=\($1)" }

        let stdin = try Self.pipe()
        let stdout = try Self.pipe()
        let stderr = try Self.pipe()
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin.read, 0)
        posix_spawn_file_actions_adddup2(&actions, stdout.write, 1)
        posix_spawn_file_actions_adddup2(&actions, stderr.write, 2)
        pokedex_spawn_close_from(&actions, 3)

        var child: pid_t = 0
        let result = Self.withCStrings(argv) { cArguments in
            Self.withCStrings(variables) { cEnvironment in
                posix_spawn(&child, program, &actions, nil, cArguments, cEnvironment)
            }
        }
        for descriptor in [stdin.read, stdout.write, stderr.write] { close(descriptor) }
        guard result == 0 else {
            for descriptor in [stdin.write, stdout.read, stderr.read] { close(descriptor) }
            throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EINVAL)
        }
        pid = child
        inputDescriptor = stdin.write
        startReading(stdout.read, stream: "stdout")
        startReading(stderr.read, stream: "stderr")
        Thread.detachNewThread { [self] in
            var status: Int32 = 0
            while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
            lock.withLock { waitStatus = status }
            markEnded("exit")
        }
    }

    /// How long ``outcome()`` waits before it kills the process: far beyond any test's need, so
    /// that a hung child fails its test instead of hanging the whole run.
    public static let timeLimit = Duration.seconds(300)

    /// Runs a process to the end.
    /// - Parameters:
    ///   - stdin: written to its standard input, which is then closed.
    ///   - timeLimit: when it is killed (for a run that is long by nature, such as a benchmark).
    public static func run(
        executable: URL = ChildProcess.pokedexExecutable, _ arguments: [String], environment: [String: String] = [:],
        directory: URL? = nil, stdin: Data = Data(), timeLimit: Duration = timeLimit
    ) async throws -> Outcome {
        let child = try ChildProcess(executable, arguments: arguments, environment: environment, directory: directory)
        child.write(stdin)
        child.closeInput()
        return await child.outcome(timeLimit: timeLimit)
    }

    /// Writes to the process's standard input (ignoring a process that has gone away).
    public func write(_ data: Data) {
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(inputDescriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 && errno == EINTR { continue }
                if written <= 0 { return }
                offset += written
            }
        }
    }

    /// Closes standard input, so the process reads end-of-file.
    public func closeInput() {
        lock.withLock {
            if inputDescriptor >= 0 {
                close(inputDescriptor)
                inputDescriptor = -1
            }
        }
    }

    /// Whether the process has not exited yet.
    public var isRunning: Bool { lock.withLock { !ended.contains("exit") } }

    /// Sends a signal (SIGKILL by default).
    public func kill(_ signal: Int32 = SIGKILL) {
        _ = Glibc.kill(pid, signal)
    }

    /// Waits for the process to end and its output to be read completely; kills it (SIGKILL) if it
    /// is still running after ``timeLimit``.
    public func outcome(timeLimit: Duration = timeLimit) async -> Outcome {
        let watchdog = Task { [self] in
            try await Task.sleep(for: timeLimit)
            kill()
        }
        defer { watchdog.cancel() }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = lock.withLock {
                if ended.count == 3 { return true }
                waiters.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
        closeInput()
        return lock.withLock {
            let signalled = (waitStatus & 0x7f) != 0
            return Outcome(
                status: signalled ? 128 + (waitStatus & 0x7f) : (waitStatus >> 8) & 0xff,
                stdout: String(decoding: stdoutData, as: UTF8.self),
                stderr: String(decoding: stderrData, as: UTF8.self),
                wasSignalled: signalled)
        }
    }

    private func startReading(_ descriptor: Int32, stream: String) {
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 65_536)
            while true {
                let count = read(descriptor, &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                receive(Data(buffer[0..<count]), from: stream)
            }
            close(descriptor)
            if stream == "stdout" {
                let rest = lock.withLock {
                    stdoutRemainder.isEmpty ? nil : String(decoding: stdoutRemainder, as: UTF8.self)
                }
                if let rest { linesContinuation.yield(rest) }
                linesContinuation.finish()
            }
            markEnded(stream)
        }
    }

    private func receive(_ data: Data, from stream: String) {
        guard stream == "stdout" else {
            lock.withLock { stderrData.append(data) }
            return
        }
        let complete = lock.withLock { () -> [String] in
            stdoutData.append(data)
            stdoutRemainder.append(data)
            var found: [String] = []
            while let newline = stdoutRemainder.firstIndex(of: UInt8(ascii: "\n")) {
                found.append(String(decoding: stdoutRemainder[stdoutRemainder.startIndex..<newline], as: UTF8.self))
                stdoutRemainder = Data(stdoutRemainder[(newline + 1)...])
            }
            return found
        }
        for line in complete { linesContinuation.yield(line) }
    }

    /// Records one of the three ends (exit, stdout EOF, stderr EOF) and wakes waiters after the last.
    private func markEnded(_ end: String) {
        let ready = lock.withLock { () -> [CheckedContinuation<Void, Never>] in
            guard ended.insert(end).inserted, ended.count == 3 else { return [] }
            defer { waiters = [] }
            return waiters
        }
        for waiter in ready { waiter.resume() }
    }

    private static func pipe() throws -> (read: Int32, write: Int32) {
        var descriptors: [Int32] = [0, 0]
        guard pokedex_pipe_cloexec(&descriptors) == 0 else {
            throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO)
        }
        return (descriptors[0], descriptors[1])
    }

    private static func withCStrings<T>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> T) -> T {
        var pointers = strings.map { strdup($0) }
        pointers.append(nil)
        defer { pointers.forEach { free($0) } }
        return body(pointers)
    }
}
