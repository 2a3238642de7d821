import Foundation
import Logging
import PokedexRecovery
import Testing

@testable import PokedexTools

/// The stdio transport of MCP servers, with programs that misbehave.
@Suite("MCP stdio transport")
struct ProcessTransportTests {
    /// Two servers that stop reading, each sent more than a pipe holds: the writes wait on threads
    /// of their own, so the two threads that run every task stay free; ending the connections fails
    /// the writes and reports each server's exit.
    @Test(.timeLimit(.minutes(1)))
    func aServerThatStopsReadingHoldsNoTaskThread() async throws {
        let (exits, exited) = AsyncStream<Void>.makeStream()
        let transports = (0..<2).map { _ in
            ProcessTransport(
                program: "sleep", arguments: ["60"], environment: ["PATH": "/usr/bin:/bin"],
                logger: Logger(label: "test")
            ) { exited.yield() }
        }
        var sends: [Task<Void, Error>] = []
        for transport in transports {
            try await transport.connect()
            sends.append(Task { try await transport.send(Data(repeating: UInt8(ascii: "x"), count: 1 << 20)) })
        }
        let sum = await withTaskGroup(of: Int.self) { group in
            for number in 1...100 { group.addTask { number } }
            return await group.reduce(0, +)
        }
        #expect(sum == 5050)
        for transport in transports { await transport.disconnect() }
        for send in sends {
            await #expect(throws: ServiceFailure.self) { try await send.value }
        }
        var reported = 0
        for await _ in exits {
            reported += 1
            if reported == 2 { break }
        }
        #expect(reported == 2)
    }
}
