import Foundation

/// One setting of a configuration section, declared once: its key in a file, its `POKEDEX_*`
/// variable, how its text becomes the value (with the bounds that make sense), how the value is
/// printed, and whether it is a secret. Setting a key, reading the environment, `config check`'s
/// list and the masking of secrets all derive from it, so they cannot drift apart.
public struct Setting<Section>: Sendable {
    /// The key in a file, e.g. `assistant.deadline` (or a field such as `max_retries` in a table
    /// whose keys carry a variable part).
    public let key: String
    /// The environment variable, or nil when the key has none.
    public let variable: String?
    /// Printed masked, never in clear.
    public let isSecret: Bool
    /// Applies a value's text; the key is passed for the error message.
    let parse: @Sendable (inout Section, String, String) throws(SettingError) -> Void
    /// The value as it would be written; nil for a key printed under other keys (or not at all).
    let format: (@Sendable (Section) -> String)?

    /// A setting with its own parser and formatter, for values the typed helpers do not cover.
    public init(
        _ key: String, _ variable: String?, secret: Bool = false,
        parse: @escaping @Sendable (inout Section, String, String) throws(SettingError) -> Void,
        format: (@Sendable (Section) -> String)?
    ) {
        self.key = key
        self.variable = variable
        self.isSecret = secret
        self.parse = parse
        self.format = format
    }

    /// A duration within `range` (``SettingParser/duration(_:key:in:)``).
    public static func duration(
        _ key: String, _ variable: String?, _ path: WritableKeyPath<Section, Duration> & Sendable,
        in range: ClosedRange<Duration> = SettingParser.durations
    ) -> Setting {
        Setting(
            key, variable, parse: { section, value, key throws(SettingError) in
                section[keyPath: path] = try SettingParser.duration(value, key: key, in: range)
            }, format: { SettingParser.text($0[keyPath: path]) })
    }

    /// A whole number within `range`.
    public static func integer(
        _ key: String, _ variable: String?, _ path: WritableKeyPath<Section, Int> & Sendable,
        in range: ClosedRange<Int> = 1...Int.max
    ) -> Setting {
        Setting(
            key, variable, parse: { section, value, key throws(SettingError) in
                section[keyPath: path] = try SettingParser.integer(value, key: key, in: range)
            }, format: { "\($0[keyPath: path])" })
    }

    /// A finite number within `range`.
    public static func number(
        _ key: String, _ variable: String?, _ path: WritableKeyPath<Section, Double> & Sendable,
        in range: ClosedRange<Double>
    ) -> Setting {
        Setting(
            key, variable, parse: { section, value, key throws(SettingError) in
                section[keyPath: path] = try SettingParser.number(value, key: key, in: range)
            }, format: { "\($0[keyPath: path])" })
    }

    /// `true` or `false`.
    public static func boolean(
        _ key: String, _ variable: String?, _ path: WritableKeyPath<Section, Bool> & Sendable
    ) -> Setting {
        Setting(
            key, variable, parse: { section, value, key throws(SettingError) in
                section[keyPath: path] = try SettingParser.boolean(value, key: key)
            }, format: { "\($0[keyPath: path])" })
    }

    /// One of a fixed set of words.
    public static func choice<Choice: RawRepresentable & CaseIterable>(
        _ key: String, _ variable: String?, _ path: WritableKeyPath<Section, Choice> & Sendable
    ) -> Setting where Choice.RawValue == String {
        Setting(
            key, variable, parse: { section, value, key throws(SettingError) in
                section[keyPath: path] = try SettingParser.choice(value, key: key, as: Choice.self)
            }, format: { $0[keyPath: path].rawValue })
    }

    /// Text, trimmed; `required` refuses an empty value.
    public static func text(
        _ key: String, _ variable: String?, _ path: WritableKeyPath<Section, String> & Sendable,
        required: Bool = false
    ) -> Setting {
        Setting(
            key, variable, parse: { section, value, key throws(SettingError) in
                let text = value.trimmingCharacters(in: .whitespaces)
                if required && text.isEmpty { throw SettingError(key: key, message: "must not be empty") }
                section[keyPath: path] = text
            }, format: { $0[keyPath: path] })
    }

    /// A secret: kept as a ``Secret``, printed masked.
    public static func secret(
        _ key: String, _ variable: String?, _ path: WritableKeyPath<Section, Secret> & Sendable
    ) -> Setting {
        Setting(
            key, variable, secret: true,
            parse: { section, value, _ in section[keyPath: path] = Secret(value.trimmingCharacters(in: .whitespaces)) },
            format: { $0[keyPath: path].revealed })
    }

    /// An http or https URL with a host, kept without a trailing slash.
    public static func url(
        _ key: String, _ variable: String?, _ path: WritableKeyPath<Section, String> & Sendable
    ) -> Setting {
        Setting(
            key, variable, parse: { section, value, key throws(SettingError) in
                section[keyPath: path] = try SettingParser.url(value, key: key)
            }, format: { $0[keyPath: path] })
    }

    /// A comma-separated list; `lowercased` for names compared without case (emails, domains).
    public static func list(
        _ key: String, _ variable: String?, _ path: WritableKeyPath<Section, [String]> & Sendable,
        lowercased: Bool = false, required: Bool = false
    ) -> Setting {
        Setting(
            key, variable, parse: { section, value, key throws(SettingError) in
                let items = SettingParser.list(value).map { lowercased ? $0.lowercased() : $0 }
                if required && items.isEmpty { throw SettingError(key: key, message: "must name at least one") }
                section[keyPath: path] = items
            }, format: { $0[keyPath: path].joined(separator: ",") })
    }
}

/// A configuration section's settings, in the order `config check` prints them.
public struct SettingsTable<Section>: Sendable {
    public let settings: [Setting<Section>]

    public init(_ settings: [Setting<Section>]) {
        self.settings = settings
    }

    /// The setting a key names, if this table has it.
    public func setting(_ key: String) -> Setting<Section>? {
        settings.first { $0.key == key }
    }

    /// Applies `key = value` when the key is in the table.
    /// - Parameter reportedKey: the key named in an error (a table of fields passes the whole key).
    /// - Returns: false when the table has no such key.
    public func set(
        _ key: String, to value: String, in section: inout Section, reportedKey: String? = nil
    ) throws(SettingError) -> Bool {
        guard let setting = setting(key) else { return false }
        try setting.parse(&section, value, reportedKey ?? key)
        return true
    }

    /// Applies every variable of the table that the environment sets to a non-empty value.
    public func apply(environment: [String: String], to section: inout Section) throws(SettingError) {
        for setting in settings {
            if let variable = setting.variable, let value = environment[variable], !value.isEmpty {
                try setting.parse(&section, value, setting.key)
            }
        }
    }

    /// Every printed key with its value, secrets masked.
    /// - Parameter prefix: put before each key (a table of fields passes `recovery.weather.`).
    public func values(of section: Section, prefix: String = "") -> [(key: String, value: String)] {
        settings.compactMap { setting in
            guard let format = setting.format else { return nil }
            let value = format(section)
            return (prefix + setting.key, setting.isSecret ? Secret(value).description : value)
        }
    }

    /// The environment variables the table reads.
    public var variables: [String] { settings.compactMap(\.variable) }
}
