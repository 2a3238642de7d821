import CPokedexSpawn
import Foundation
import Logging
import MCP
import PokedexRecovery

#if canImport(Glibc)
    import Glibc
#endif

/// An MCP server run as a child process, speaking newline-delimited JSON-RPC on its standard
/// input and output (the MCP stdio transport).
///
/// Not the SDK's `StdioTransport`: it polls a non-blocking descriptor every 10 ms, and when the
/// server exits it finishes its stream quietly, which leaves the SDK client's loop spinning and its
/// requests waiting forever. Here a thread blocks on the pipe, and the server's exit ends the
/// stream with an error (which ends the client's loop) and calls `onExit` (the connection then
/// fails what was waiting). The pipes are close-on-exec and the child keeps only its standard
/// streams (as ``ConverterProcess``), its environment is only what it is given, its standard error
/// is discarded, and a line longer than ``lineLimit`` ends the connection.
actor ProcessTransport: Transport {
    nonisolated let logger: Logger
    private let program: String
    private let arguments: [String]
    private let environment: [String: String]
    private let onExit: @Sendable () -> Void
    private let messages: AsyncThrowingStream<Data, Error>
    private let continuation: AsyncThrowingStream<Data, Error>.Continuation
    private var child: (pid: pid_t, input: Int32)?
    /// Writes go through this queue, in order.
    private let writer = DispatchQueue(label: "pokedex.mcp.stdio-writer")

    static let lineLimit = 16 << 20

    /// - Parameters:
    ///   - program: found on the `PATH` of `environment` (it is started through `/usr/bin/env`).
    ///   - onExit: called once the server's output ends (it exited, or closed it).
    init(
        program: String, arguments: [String], environment: [String: String], logger: Logger,
        onExit: @escaping @Sendable () -> Void
    ) {
        self.program = program
        self.arguments = arguments
        self.environment = environment
        self.logger = logger
        self.onExit = onExit
        (messages, continuation) = AsyncThrowingStream.makeStream()
    }

    func connect() throws {
        guard child == nil else { return }
        // A server that exits while we write to it must cost a failed call, not the whole process.
        signal(SIGPIPE, SIG_IGN)
        var toChild: [Int32] = [-1, -1]
        var fromChild: [Int32] = [-1, -1]
        guard pokedex_pipe_cloexec(&toChild) == 0 else { throw Self.failure("no pipe", errno) }
        guard pokedex_pipe_cloexec(&fromChild) == 0 else {
            let code = errno
            close(toChild[0])
            close(toChild[1])
            throw Self.failure("no pipe", code)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, toChild[0], 0)
        posix_spawn_file_actions_adddup2(&actions, fromChild[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        pokedex_spawn_close_from(&actions, 3)
        var argv = (["/usr/bin/env", program] + arguments).map { strdup($0) } + [nil]
        var envp = environment.sorted { $0.key < $1.key }.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        // Signals as a program expects them: a server (`pokedex serve`) ignores or blocks SIGTERM
        // and SIGPIPE for its own handling, and a child would otherwise inherit that and outlive
        // its disconnection.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGPIPE, SIGCHLD, SIGUSR1, SIGUSR2] { sigaddset(&defaults, signal) }
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &unblocked)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/usr/bin/env", &actions, &attributes, &argv, &envp)
        close(toChild[0])
        close(fromChild[1])
        guard spawned == 0 else {
            close(toChild[1])
            close(fromChild[0])
            throw Self.failure("cannot start \(program)", spawned)
        }
        child = (pid, toChild[1])
        let (started, output, continuation, onExit) = (pid, fromChild[0], self.continuation, self.onExit)
        Thread.detachNewThread {
            let error = Self.readLines(from: output, into: continuation)
            close(output)
            // Its output ended: it exited or is of no more use. Reap it, so no zombie is left.
            kill(started, SIGKILL)
            var status: Int32 = 0
            while waitpid(started, &status, 0) == -1 && errno == EINTR {}
            continuation.finish(throwing: error)
            onExit()
        }
    }

    func disconnect() {
        guard let child else { return }
        self.child = nil
        kill(child.pid, SIGTERM)  // its reader then sees the end of its output
        // Closed after the writes already queued (they fail now that it is gone).
        writer.async { close(child.input) }
    }

    /// Writes one message, on a thread of its own: a server that stops reading blocks only that
    /// thread (and fails the call at its time limit), never the threads that run Pokedex's tasks.
    func send(_ data: Data) async throws {
        guard let child else { throw ServiceFailure(.connection, "the MCP server is not running") }
        let line = data + [UInt8(ascii: "\n")]
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
            writer.async {
                do {
                    try Self.write(line, to: child.input)
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
        }
    }

    private static func write(_ line: Data, to descriptor: Int32) throws {
        try line.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    // EPIPE: it exited (SIGPIPE is ignored, so this is an error, not the end of Pokedex).
                    throw failure("the MCP server stopped reading", errno)
                }
                offset += written
            }
        }
    }

    nonisolated func receive() -> AsyncThrowingStream<Data, Error> { messages }

    /// Reads lines until the output ends; returns why it ended.
    private static func readLines(from descriptor: Int32, into continuation: AsyncThrowingStream<Data, Error>.Continuation)
        -> ServiceFailure
    {
        var pending = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return ServiceFailure(.connection, "the MCP server exited") }
            pending.append(contentsOf: buffer[0..<count])
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = pending[pending.startIndex..<newline]
                if !line.isEmpty { continuation.yield(Data(line)) }
                pending.removeSubrange(pending.startIndex...newline)
            }
            if pending.count > lineLimit {
                return ServiceFailure(.invalidResponse, "the MCP server sent a line longer than \(lineLimit) bytes")
            }
        }
    }

    private static func failure(_ what: String, _ code: Int32) -> ServiceFailure {
        ServiceFailure(.connection, "\(what): \(String(cString: strerror(code)))")
    }
}
