import Foundation

/// Standard input line by line, byte-exact: unlike `readLine`, which quietly replaces invalid UTF-8,
/// a line that is not valid UTF-8 stops with an error naming it, so nothing corrupted is stored.
struct StandardInputLines {
    private var buffer = Data()
    private var atEnd = false
    private var number = 0

    /// The next line without its `\n` (or `\r\n`), or nil at the end of input.
    /// - Throws: ``CommandError`` for a line that is not valid UTF-8.
    mutating func next() throws -> String? {
        while true {
            if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                let line = buffer[buffer.startIndex..<newline]
                defer { buffer.removeSubrange(buffer.startIndex...newline) }
                return try decode(line)
            }
            if atEnd {
                guard !buffer.isEmpty else { return nil }
                defer { buffer.removeAll() }
                return try decode(buffer)
            }
            let chunk = FileHandle.standardInput.availableData
            if chunk.isEmpty { atEnd = true } else { buffer.append(chunk) }
        }
    }

    private mutating func decode(_ bytes: Data) throws -> String {
        number += 1
        let line = bytes.last == UInt8(ascii: "\r") ? bytes.dropLast() : bytes[...]
        guard let text = String(bytes: line, encoding: .utf8) else {
            throw CommandError("standard input line \(number) is not valid UTF-8; it was not stored")
        }
        return text
    }
}
