import Foundation

/// A plain-text table with aligned columns, for human-readable CLI output.
struct TextTable {
    var headers: [String]
    var rows: [[String]] = []

    init(_ headers: String...) {
        self.headers = headers
    }

    mutating func add(_ cells: String...) {
        rows.append(cells)
    }

    var rendered: String {
        let widths = headers.indices.map { column in
            ([headers] + rows).map { $0[column].count }.max() ?? 0
        }
        func line(_ cells: [String]) -> String {
            zip(cells, widths).map { $0.padded(to: $1) }
                .joined(separator: "  ").trimmingTrailingSpaces()
        }
        return ([line(headers), line(widths.map { String(repeating: "-", count: $0) })] + rows.map(line))
            .joined(separator: "\n")
    }
}

extension String {
    /// Pads with spaces to `width` characters (grapheme clusters, unlike NSString's UTF-16 padding).
    func padded(to width: Int) -> String {
        self + String(repeating: " ", count: max(0, width - count))
    }

    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }

    /// One line of at most `limit` characters, for table cells.
    func cell(_ limit: Int = 60) -> String {
        let flat = self.map { $0.isNewline ? " " : String($0) }.joined()
        return flat.count > limit ? String(flat.prefix(limit - 1)) + "…" : flat
    }
}
