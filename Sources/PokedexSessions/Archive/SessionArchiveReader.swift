import Foundation
import PokedexSettings

/// Reads and validates an archive completely before anything is imported, so a broken file
/// changes nothing and its error names the line and the field.
public enum SessionArchiveReader {
    /// Parses either layout (detected from the first line) and checks every session and message.
    /// - Parameters:
    ///   - maxMessageBytes: the largest content accepted (the store's limit).
    ///   - now: the time, so that a message from the future (which would never expire) is refused.
    /// - Throws: ``SessionArchiveError`` naming where the file is wrong.
    public static func read(
        _ data: Data, maxMessageBytes: Int, now: Date = Date()
    ) throws(SessionArchiveError) -> [ArchivedSession] {
        // Lines are slices of the file, not copies; the file is read as JSON once.
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (number, line) in lines.enumerated() where String(validating: line, as: UTF8.self) == nil {
            throw SessionArchiveError(line: number + 1, reason: "the file is not valid UTF-8")
        }
        guard let first = lines.firstIndex(where: { !$0.allSatisfy(isSpace) }) else {
            throw SessionArchiveError(reason: "the file is empty")
        }
        let located: [(session: ArchivedSession, line: Int?, prefix: String)]
        if isJSONLinesHeader(lines[first]) {
            try checkHeader(Data(lines[first]), line: first + 1)
            located = try decodeLines(lines, after: first)
        } else {
            located = try decodeDocument(data).enumerated().map { ($1, nil, "sessions[\($0)].") }
        }
        for (session, line, prefix) in located {
            if let problem = session.problem(maxMessageBytes: maxMessageBytes, now: now) {
                let field = problem.field.isEmpty ? String(prefix.dropLast()) : prefix + problem.field
                throw SessionArchiveError(line: line, field: field.isEmpty ? nil : field, reason: problem.reason)
            }
        }
        return located.map(\.session)
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D }

    private struct Header: Decodable {
        var format: String
        var version: Int
    }

    private struct Document: Decodable {
        var sessions: [ArchivedSession]
    }

    /// A JSON Lines header is one short line; a document's first line (all of it, when the file
    /// is one line) is never parsed twice.
    private static func isJSONLinesHeader(_ line: Data) -> Bool {
        guard line.count <= 4096, let object = try? JSONSerialization.jsonObject(with: line) as? [String: Any] else {
            return false
        }
        return object["format"] != nil && object["sessions"] == nil
    }

    private static func checkHeader(_ data: Data, line: Int?) throws(SessionArchiveError) {
        let header: Header
        do {
            header = try JSONDecoder().decode(Header.self, from: data)
        } catch {
            throw describe(error, in: data, line: line)
        }
        guard header.format == SessionArchive.formatName else {
            throw SessionArchiveError(
                line: line, field: "format",
                reason:
                    "not a Pokedex sessions file (format '\(header.format)', expected '\(SessionArchive.formatName)')")
        }
        guard header.version == SessionArchive.version else {
            throw SessionArchiveError(
                line: line, field: "version",
                reason:
                    "version \(header.version) is not supported (this Pokedex reads version \(SessionArchive.version))")
        }
    }

    private static func decodeDocument(_ data: Data) throws(SessionArchiveError) -> [ArchivedSession] {
        try checkHeader(data, line: nil)
        do {
            return try JSONDecoder().decode(Document.self, from: data).sessions
        } catch {
            throw describe(error, in: data, line: nil)
        }
    }

    private static func decodeLines(
        _ lines: [Data], after header: Int
    ) throws(SessionArchiveError) -> [(session: ArchivedSession, line: Int?, prefix: String)] {
        var sessions: [(session: ArchivedSession, line: Int?, prefix: String)] = []
        let decoder = JSONDecoder()
        for index in (header + 1)..<lines.count where !lines[index].allSatisfy(isSpace) {
            let data = Data(lines[index])  // one line, indexed from zero for error positions
            do {
                sessions.append((try decoder.decode(ArchivedSession.self, from: data), index + 1, ""))
            } catch {
                throw describe(error, in: data, line: index + 1)
            }
        }
        return sessions
    }

    /// Turns a decoding error into a sentence with the field path (`sessions[1].messages[0].role`).
    /// - Parameters:
    ///   - data: the text that failed, to locate a syntax error in it.
    ///   - line: the line `data` starts on in the file, for JSON Lines; nil for a whole document.
    static func describe(_ error: any Error, in data: Data, line: Int?) -> SessionArchiveError {
        guard let decoding = error as? DecodingError else {
            return SessionArchiveError(line: line, reason: "\(error)")
        }
        switch decoding {
        case .keyNotFound(let key, let context):
            return SessionArchiveError(line: line, field: fieldPath(context.codingPath + [key]), reason: "missing")
        case .typeMismatch(let type, let context):
            return SessionArchiveError(
                line: line, field: fieldPath(context.codingPath), reason: "expected \(typeName(type))")
        case .valueNotFound(let type, let context):
            return SessionArchiveError(
                line: line, field: fieldPath(context.codingPath), reason: "expected \(typeName(type)), found null")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return syntaxError(in: data, line: line)
            }
            return SessionArchiveError(line: line, field: fieldPath(context.codingPath), reason: context.debugDescription)
        @unknown default:
            return SessionArchiveError(line: line, reason: "\(error)")
        }
    }

    /// JSONDecoder does not say where the syntax is wrong; JSONSerialization gives a byte offset,
    /// which becomes a line and a column. A file that ends early is said to.
    private static func syntaxError(in data: Data, line: Int?) -> SessionArchiveError {
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
            return SessionArchiveError(line: line, reason: "not valid JSON")
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            if detail.lowercased().contains("end of file") {
                let (within, column) = position(of: data.count, in: data)
                return SessionArchiveError(
                    line: (line ?? 1) + within - 1, column: column,
                    reason: "the file ends in the middle of the JSON (was it cut off?)")
            }
            guard let range = detail.range(of: #"character (\d+)"#, options: .regularExpression),
                let offset = Int(detail[range].dropFirst("character ".count))
            else {
                return SessionArchiveError(line: line, reason: "not valid JSON (\(detail))")
            }
            let (within, column) = position(of: offset, in: data)
            return SessionArchiveError(line: (line ?? 1) + within - 1, column: column, reason: "not valid JSON")
        }
    }

    /// The 1-based line and column (in characters) of a byte offset.
    private static func position(of offset: Int, in data: Data) -> (line: Int, column: Int) {
        let before = data.prefix(min(max(0, offset), data.count))
        let lineStart = before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? before.startIndex
        let column = String(decoding: before[lineStart...], as: UTF8.self).count + 1
        return (1 + before.filter { $0 == UInt8(ascii: "\n") }.count, column)
    }

    private static func typeName(_ type: Any.Type) -> String {
        if type == String.self { return "a string" }
        if type == Int.self { return "a whole number" }
        let name = "\(type)"
        if name.hasPrefix("Array") { return "an array" }
        if name.hasPrefix("Dictionary") { return "an object" }
        return name
    }
}
