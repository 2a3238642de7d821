import Foundation
import Testing

@testable import PokedexTools

@Suite("Document converters as processes")
struct ConverterProcessTests {
    @Test func theOutputOfASuccessfulRunIsReturned() throws {
        #expect(
            try ConverterProcess.run("/bin/sh", ["-c", "printf 'page one\\fpage two'"])
                == Data("page one\u{0C}page two".utf8))
    }

    @Test func failuresSayHowTheConverterEnded() {
        #expect(throws: ConverterProcess.Failure.exited(3)) { try ConverterProcess.run("/bin/sh", ["-c", "exit 3"]) }
        #expect(throws: ConverterProcess.Failure.signalled(SIGKILL)) {
            try ConverterProcess.run("/bin/sh", ["-c", "kill -9 $$"])
        }
        #expect(throws: ConverterProcess.Failure.cannotRun("No such file or directory")) {
            try ConverterProcess.run("/nonexistent/pdftotext", [])
        }
    }

    /// The converter gets nothing of this process but its three standard streams: a pipe left open
    /// here (as Foundation's `Pipe` leaves them inheritable) does not reach it, and its own pipe
    /// does not reach anything else started meanwhile.
    @Test func aConverterKeepsOnlyItsStandardStreams() throws {
        let inheritable = Pipe()
        #expect(fcntl(inheritable.fileHandleForWriting.fileDescriptor, F_GETFD) & FD_CLOEXEC == 0)
        let descriptor = inheritable.fileHandleForWriting.fileDescriptor
        let check =
            "test -e /proc/$$/fd/\(descriptor) && echo inherited || echo closed; test -e /proc/$$/fd/2 && echo stderr"
        let seen = try ConverterProcess.run("/bin/sh", ["-c", check])
        #expect(String(decoding: seen, as: UTF8.self) == "closed\nstderr\n")
    }

    @Test func aConverterThatHangsIsKilledAtItsTimeLimit() {
        #expect(throws: ConverterProcess.Failure.timedOut) {
            try ConverterProcess.run("/bin/sleep", ["600"], timeLimit: .milliseconds(50))
        }
    }

    @Test func aConverterThatWritesWithoutEndIsStopped() {
        #expect(throws: ConverterProcess.Failure.tooMuchOutput) {
            try ConverterProcess.run("/usr/bin/yes", [], outputLimit: 1 << 20)
        }
    }
}
