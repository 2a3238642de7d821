/// Why an import file was rejected. It names where: the line (JSON Lines) and the field path.
public struct SessionArchiveError: Error, Equatable, Sendable, CustomStringConvertible {
    /// 1-based line in the file, when known.
    public var line: Int?
    /// 1-based column (character) in that line, for a syntax error.
    public var column: Int?
    /// The field, e.g. `sessions[2].messages[0].role`, when known.
    public var field: String?
    public var reason: String

    public init(line: Int? = nil, column: Int? = nil, field: String? = nil, reason: String) {
        self.line = line
        self.column = column
        self.field = field
        self.reason = reason
    }

    public var description: String {
        var place: [String] = []
        if let line { place.append("line \(line)" + (column.map { ", column \($0)" } ?? "")) }
        if let field, !field.isEmpty { place.append("field \(field)") }
        let location = place.isEmpty ? "" : " at " + place.joined(separator: ", ")
        return "import rejected\(location): \(reason); nothing was imported"
    }
}
