import CPokedexSpawn
import Foundation
import PokedexSettings

#if canImport(Glibc)
    import Glibc
#endif

/// Runs a document converter (`pdftotext`, `unzip`) and collects its standard output.
///
/// Not Foundation's `Process`: its pipes are not close-on-exec, so a process started elsewhere in
/// the program at the same moment inherits the pipe's write end, and reading to the end then waits
/// for that other process to exit (this hung the test suite). Here the pipe is close-on-exec from
/// the start, the converter keeps only its standard streams, and one that runs too long or writes
/// too much is killed.
struct ConverterProcess {
    enum Failure: Error, Equatable {
        case cannotRun(String)
        case timedOut
        case tooMuchOutput
        case exited(Int32)
        case signalled(Int32)
    }

    static let defaultTimeLimit = Duration.seconds(60)
    static let defaultOutputLimit = 64 << 20

    /// - Parameters:
    ///   - executable: the converter's path.
    ///   - arguments: its arguments (without the program name).
    ///   - timeLimit: how long it may run before it is killed.
    ///   - outputLimit: how many bytes it may write before it is killed.
    /// - Returns: everything it wrote to standard output, when it exited with status 0.
    static func run(
        _ executable: String, _ arguments: [String], timeLimit: Duration = defaultTimeLimit,
        outputLimit: Int = defaultOutputLimit
    ) throws(Failure) -> Data {
        var descriptors: [Int32] = [-1, -1]
        guard pokedex_pipe_cloexec(&descriptors) == 0 else { throw .cannotRun(String(cString: strerror(errno))) }
        let (readEnd, writeEnd) = (descriptors[0], descriptors[1])
        defer { close(readEnd) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, writeEnd, 1)
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        pokedex_spawn_close_from(&actions, 3)

        var pid: pid_t = 0
        var argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let spawned = posix_spawn(&pid, executable, &actions, nil, &argv, environ)
        close(writeEnd)
        guard spawned == 0 else { throw .cannotRun(String(cString: strerror(spawned))) }

        let (output, failure) = read(readEnd, until: .now + timeLimit, limit: outputLimit)
        if failure != nil { kill(pid, SIGKILL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        if let failure { throw failure }
        if status & 0x7f != 0 { throw .signalled(status & 0x7f) }
        if (status >> 8) & 0xff != 0 { throw .exited((status >> 8) & 0xff) }
        return output
    }

    /// Reads to end-of-file, unless the deadline passes or more than `limit` bytes arrive first.
    private static func read(
        _ descriptor: Int32, until deadline: ContinuousClock.Instant, limit: Int
    ) -> (
        Data, Failure?
    ) {
        var output = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else { return (output, .timedOut) }
            let milliseconds = remaining.milliseconds
            var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let ready = poll(&request, 1, Int32(clamping: milliseconds + 1))
            if ready < 0 && errno != EINTR { return (output, .cannotRun(String(cString: strerror(errno)))) }
            guard ready > 0 else { continue }
            let count = Glibc.read(descriptor, &buffer, buffer.count)
            if count < 0 {
                if errno == EINTR || errno == EAGAIN { continue }
                return (output, .cannotRun(String(cString: strerror(errno))))
            }
            if count == 0 { return (output, nil) }
            output.append(contentsOf: buffer[0..<count])
            if output.count > limit { return (output, .tooMuchOutput) }
        }
    }
}
