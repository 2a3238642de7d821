import Foundation

/// A configuration file (`pokedex.toml` or `pokedex.yaml`) read as flat `dotted.key = value`
/// settings, so every module applies file and environment values through the same `set(key, to:)`.
///
/// Only what configuration needs is understood: TOML tables, arrays of tables whose entries have a
/// `name`, `key = value` (dotted keys too) with strings, numbers, booleans and arrays; YAML nested
/// maps, scalars, `- item` lists and `[a, b]`. Lists become comma-separated text. Anything else is
/// an error naming the line.
public struct ConfigurationFile: Sendable {
    public struct Setting: Sendable, Equatable {
        public var key: String
        public var value: String
        public var line: Int
    }

    public let path: String
    public let settings: [Setting]

    /// Reads and parses a file; `.yaml`/`.yml` as YAML, anything else as TOML.
    public init(path: String) throws(SettingError) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SettingError(key: path, message: "cannot be read (no such file, or no permission)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw SettingError(key: path, message: "is not UTF-8 text")
        }
        self.path = path
        let yaml = path.hasSuffix(".yaml") || path.hasSuffix(".yml")
        do throws(ConfigurationFileError) {
            settings = yaml ? try Self.parseYAML(text) : try Self.parseTOML(text)
            try Self.checkOnce(settings)
        } catch {
            throw SettingError(key: "\(path):\(error.line)", message: error.message)
        }
    }

    /// A key given twice is a mistake to point at, not a silent "last one wins".
    private static func checkOnce(_ settings: [Setting]) throws(ConfigurationFileError) {
        var first: [String: Int] = [:]
        for setting in settings {
            if let line = first[setting.key] {
                throw ConfigurationFileError(
                    line: setting.line, message: "'\(setting.key)' is set again (first on line \(line))")
            }
            first[setting.key] = setting.line
        }
    }

    struct ConfigurationFileError: Error {
        var line: Int
        var message: String
    }

    // MARK: TOML

    static func parseTOML(_ text: String) throws(ConfigurationFileError) -> [Setting] {
        var settings: [Setting] = []
        var table = ""
        var entry: ArrayEntry?
        var pending: (key: String, text: String, line: Int)?
        func add(_ setting: Setting) {
            if entry != nil { entry!.keys.append(setting) } else { settings.append(setting) }
        }
        for (offset, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            let line = stripComment(String(raw)).trimmingCharacters(in: .whitespaces)
            if var open = pending {
                // A multi-line array: collect until its brackets balance.
                open.text += " " + line
                if balanced(open.text) {
                    add(Setting(key: open.key, value: try value(open.text, line: open.line), line: open.line))
                    pending = nil
                } else {
                    pending = open
                }
                continue
            }
            if line.isEmpty { continue }
            if line.hasPrefix("[[") {
                guard line.hasSuffix("]]"), line.count > 4 else {
                    throw ConfigurationFileError(line: number, message: "expected an array header such as [[mcp.servers]]")
                }
                settings += try entry?.settings() ?? []
                table = ""
                entry = ArrayEntry(table: line.dropFirst(2).dropLast(2).trimmingCharacters(in: .whitespaces), line: number)
                continue
            }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else {
                    throw ConfigurationFileError(line: number, message: "expected a table header such as [sessions]")
                }
                settings += try entry?.settings() ?? []
                entry = nil
                table = line.dropFirst().dropLast().trimmingCharacters(in: .whitespaces)
                continue
            }
            guard let equals = line.firstIndex(of: "=") else {
                throw ConfigurationFileError(line: number, message: "expected key = value")
            }
            let name = line[..<equals].trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "\"", with: "")
            guard !name.isEmpty else { throw ConfigurationFileError(line: number, message: "a key is missing") }
            let key = table.isEmpty ? name : table + "." + name
            let text = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("[") && !balanced(text) {
                pending = (key, text, number)
                continue
            }
            add(Setting(key: key, value: try value(text, line: number), line: number))
        }
        if let pending { throw ConfigurationFileError(line: pending.line, message: "an array is not closed") }
        return settings + (try entry?.settings() ?? [])
    }

    /// One `[[array.of.tables]]` entry: its keys become `array.of.tables.NAME.key`, NAME being its
    /// `name` (so that entries read as the same flat settings as `[array.of.tables.NAME]` tables).
    struct ArrayEntry {
        var table: String
        var line: Int
        var keys: [Setting] = []

        func settings() throws(ConfigurationFileError) -> [Setting] {
            guard let name = keys.first(where: { $0.key == "name" })?.value, !name.isEmpty, !name.contains(".") else {
                throw ConfigurationFileError(line: line, message: "each [[\(table)]] entry needs a name (name = \"...\")")
            }
            return keys.map { Setting(key: "\(table).\(name).\($0.key)", value: $0.value, line: $0.line) }
        }
    }

    // MARK: YAML

    static func parseYAML(_ text: String) throws(ConfigurationFileError) -> [Setting] {
        var settings: [Setting] = []
        var path: [(indent: Int, key: String)] = []
        var list: (key: String, indent: Int, items: [String], line: Int)?
        func closeList() {
            if let open = list {
                settings.append(Setting(key: open.key, value: open.items.joined(separator: ","), line: open.line))
                list = nil
            }
        }
        for (offset, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = offset + 1
            let content = stripComment(String(raw))
            let trimmed = content.trimmingCharacters(in: .whitespaces)
            if trimmed.isEmpty || trimmed == "---" { continue }
            guard !content.hasPrefix("\t") else {
                throw ConfigurationFileError(line: number, message: "indent with spaces, not tabs")
            }
            let indent = content.prefix { $0 == " " }.count
            if trimmed.hasPrefix("- ") || trimmed == "-" {
                guard var open = list ?? path.last.map({ ($0.key, indent, [], number) }), indent >= open.indent else {
                    throw ConfigurationFileError(line: number, message: "a list item belongs under a key")
                }
                if list == nil { path.removeLast() }
                open.items.append(
                    try value(String(trimmed.dropFirst()).trimmingCharacters(in: .whitespaces), line: number))
                list = open
                continue
            }
            closeList()
            guard let colon = trimmed.firstIndex(of: ":") else {
                throw ConfigurationFileError(line: number, message: "expected key: value")
            }
            let name = trimmed[..<colon].trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "\"", with: "")
            while let last = path.last, last.indent >= indent { path.removeLast() }
            let key = (path.map(\.key).last.map { $0 + "." } ?? "") + name
            let text = trimmed[trimmed.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            if text.isEmpty {
                path.append((indent, key))  // a map (or a list) follows
            } else {
                settings.append(Setting(key: key, value: try value(text, line: number), line: number))
            }
        }
        closeList()
        return settings
    }

    // MARK: Values

    /// A scalar or an inline array, as setting text.
    static func value(_ text: String, line: Int) throws(ConfigurationFileError) -> String {
        if text.hasPrefix("[") {
            guard text.hasSuffix("]") else {
                throw ConfigurationFileError(line: line, message: "an array is not closed")
            }
            var items: [String] = []
            for item in splitItems(String(text.dropFirst().dropLast())) {
                items.append(try value(item, line: line))
            }
            return items.joined(separator: ",")
        }
        if text.hasPrefix("\"") {
            guard text.count >= 2, text.hasSuffix("\"") else {
                throw ConfigurationFileError(line: line, message: "a string is not closed")
            }
            var result = ""
            var escaping = false
            for character in text.dropFirst().dropLast() {
                if escaping {
                    switch character {
                    case "n": result.append("\n")
                    case "t": result.append("\t")
                    default: result.append(character)
                    }
                    escaping = false
                } else if character == "\\" {
                    escaping = true
                } else {
                    result.append(character)
                }
            }
            return result
        }
        if text.hasPrefix("'") {
            guard text.count >= 2, text.hasSuffix("'") else {
                throw ConfigurationFileError(line: line, message: "a string is not closed")
            }
            return String(text.dropFirst().dropLast())
        }
        return text
    }

    /// Removes a `#` comment that is not inside quotes.
    static func stripComment(_ line: String) -> String {
        var quote: Character?
        for (index, character) in zip(line.indices, line) {
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "\"" || character == "'" {
                quote = character
            } else if character == "#" {
                return String(line[..<index])
            }
        }
        return line
    }

    private static func balanced(_ text: String) -> Bool {
        text.filter { $0 == "[" }.count == text.filter { $0 == "]" }.count
    }

    /// Splits `a, "b,c", d` on commas outside quotes.
    private static func splitItems(_ text: String) -> [String] {
        var items: [String] = []
        var current = ""
        var quote: Character?
        for character in text {
            if let open = quote {
                if character == open { quote = nil }
                current.append(character)
            } else if character == "\"" || character == "'" {
                quote = character
                current.append(character)
            } else if character == "," {
                items.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        items.append(current)
        return items.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }
}
