import Foundation
import PokedexSessions
import Testing

@Suite("Archive format")
struct SessionArchiveTests {
    private let header = #"{"format":"pokedex-sessions","version":1}"#

    private func error(reading text: String) -> SessionArchiveError? {
        do {
            _ = try SessionArchiveReader.read(Data(text.utf8), maxMessageBytes: 100)
            return nil
        } catch {
            return error
        }
    }

    @Test func writesTheDocumentedShape() throws {
        let session = ArchivedSession(
            user: "a", room: "b",
            messages: [
                ArchivedMessage(role: .user, content: "hi", timestamp: Date(timeIntervalSince1970: 1_790_000_000.5))
            ])
        let json = String(decoding: try SessionArchive.encode([session], layout: .json), as: UTF8.self)
        #expect(
            json
                == #"{"format":"pokedex-sessions","version":1,"sessions":[{"messages":[{"content":"hi","role":"user","timestamp":"2026-09-21T14:13:20.500Z"}],"room":"b","user":"a"}]}"#
                + "\n")
        let lines = String(decoding: try SessionArchive.encode([session, session], layout: .jsonl), as: UTF8.self)
            .split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines[0] == header)
    }

    @Test func jsonLinesErrorsNameTheLineAndField() throws {
        let text =
            header + "\n" + #"{"user":"a","room":"b","messages":[]}"# + "\n\n"
            + #"{"user":"a","room":"b","messages":[{"role":"user","content":5,"timestamp":"2026-01-01T00:00:00Z"}]}"#
        let failure = try #require(error(reading: text))
        #expect(failure.line == 4)
        #expect(failure.field == "messages[0].content")
        #expect(failure.description.contains("line 4"))
    }

    @Test func documentErrorsNameTheField() throws {
        let text =
            #"{"format":"pokedex-sessions","version":1,"sessions":[{"user":"a","room":"b","messages":[{"role":"user","content":"x"}]}]}"#
        let failure = try #require(error(reading: text))
        #expect(failure.field == "sessions[0].messages[0].timestamp")
        #expect(failure.reason == "missing")
    }

    @Test func syntaxErrorsNameTheLineAndColumn() throws {
        let failure = try #require(
            error(reading: "{\"format\":\"pokedex-sessions\",\n\"version\":1,\n\"sessions\":[,]}"))
        #expect(failure.line == 3)
        #expect(failure.column == 13)
        #expect(failure.description.contains("line 3, column 13"))
    }

    @Test func aCutOffFileSaysSoWithWhereItEnds() throws {
        let whole = #"{"format":"pokedex-sessions","version":1,"sessions":[{"user":"a","room":"b","messages":[]}]}"#
        let failure = try #require(error(reading: String(whole.prefix(60))))
        #expect(failure.reason.contains("ends in the middle"), "\(failure)")
        #expect(failure.line == 1 && failure.column != nil)
    }

    @Test func messagesFromTheFutureAreRefusedWithTheirPlace() throws {
        let now = Date(timeIntervalSince1970: 1_796_083_200)  // 2026-12-01
        func reading(_ timestamp: String) -> SessionArchiveError? {
            let text =
                header + "\n"
                + #"{"user":"a","room":"b","messages":[{"role":"user","content":"x","timestamp":"2026-11-30T00:00:00Z"},{"role":"user","content":"y","timestamp":"\#(timestamp)"}]}"#
            do {
                _ = try SessionArchiveReader.read(Data(text.utf8), maxMessageBytes: 100, now: now)
                return nil
            } catch {
                return error
            }
        }
        let future = try #require(reading("2099-01-01T00:00:00Z"))
        #expect(future.line == 2 && future.field == "messages[1].timestamp")
        #expect(future.reason.contains("2099-01-01T00:00:00.000Z is in the future"))
        // Another machine's clock a little ahead is fine.
        #expect(reading("2026-12-01T00:04:00Z") == nil)
    }

    @Test func rejectsOtherFormatsAndVersionsClearly() throws {
        #expect(
            error(reading: #"{"format":"pokedex-sessions","version":7,"sessions":[]}"#)?.reason.contains(
                "version 7 is not supported") == true)
        #expect(error(reading: #"{"format":"slack-export","version":1,"sessions":[]}"#)?.field == "format")
        #expect(error(reading: "   \n")?.reason == "the file is empty")
    }

    @Test func rejectsInvalidUTF8WithItsLine() throws {
        var data = Data((header + "\n").utf8)
        data.append(contentsOf: [0x7B, 0xC3, 0x28, 0x7D])
        #expect(throws: SessionArchiveError(line: 2, reason: "the file is not valid UTF-8")) {
            try SessionArchiveReader.read(data, maxMessageBytes: 100)
        }
    }

    @Test func rejectsOversizedMessagesAndBadKeys() throws {
        let big = String(repeating: "x", count: 101)
        let oversized =
            header + "\n"
            + #"{"user":"a","room":"b","messages":[{"role":"user","content":"\#(big)","timestamp":"2026-01-01T00:00:00Z"}]}"#
        #expect(error(reading: oversized)?.field == "messages[0].content")
        let badKey = #"{"format":"pokedex-sessions","version":1,"sessions":[{"user":"","room":"b","messages":[]}]}"#
        #expect(error(reading: badKey)?.field == "sessions[0]")
    }

    @Test func acceptsTimestampsWithOffsetsAndWithoutFractions() throws {
        let text =
            #"{"format":"pokedex-sessions","version":1,"sessions":[{"user":"a","room":"b","messages":[{"role":"user","content":"x","timestamp":"2026-01-01T01:00:00+01:00"},{"role":"user","content":"y","timestamp":"2026-01-01T00:00:00.250Z"}]}]}"#
        let sessions = try SessionArchiveReader.read(Data(text.utf8), maxMessageBytes: 100)
        #expect(Timestamp.iso8601(sessions[0].messages[0].timestamp) == "2026-01-01T00:00:00.000Z")
        #expect(Timestamp.iso8601(sessions[0].messages[1].timestamp) == "2026-01-01T00:00:00.250Z")
    }
}
