import Foundation
import PokedexTools

/// The specific things a text states that an analyst could act on — hostnames, addresses,
/// domains, URLs, e-mail addresses, file names, versions, dates and times, amounts with a unit,
/// products — found in code, not by a model (SPEC 3.1). An answer may state one only when the
/// turn's tool results, the question or the conversation backs it (``Support``).
struct Specific: Sendable, Equatable, CustomStringConvertible {
    enum Kind: Sendable, Equatable { case entity, file, version, time, amount(Amount), product }

    var text: String
    var kind: Kind

    var description: String { text }

    /// A number with its unit, in a form two texts can be compared by (`41 °F` = `41°F`).
    struct Amount: Sendable, Hashable {
        var value: Double
        var unit: String
    }

    /// Every specific in a text, in order.
    static func find(in text: String) -> [Specific] {
        var found: [Specific] = []
        func add(_ text: String, _ kind: Kind) {
            if !found.contains(where: { $0.text.lowercased() == text.lowercased() }) { found.append(Specific(text: text, kind: kind)) }
        }
        for entity in EntityReader.entities(in: text) where entity.kind != .place { add(entity.value, .entity) }
        for word in EntityReader.words(in: text) where EntityReader.isFileName(word) { add(word, .file) }
        let lower = text.lowercased()
        for match in lower.matches(of: product) { add(String(match.0), .product) }
        for brand in brands where lower.contains(brand) { add(brand, .product) }
        for match in lower.matches(of: dateOrTime) { add(String(match.0), .time) }
        for match in lower.matches(of: version) where !EntityReader.isIPv4(String(match.1)) {
            add(String(match.1), .version)
        }
        for (text, amount) in amounts(in: lower) { add(text, .amount(amount)) }
        return found
    }

    /// The amounts a lower-cased text states, each with the words that state it.
    static func amounts(in lower: String) -> [(String, Amount)] {
        var amounts: [(String, Amount)] = []
        for match in lower.matches(of: amount) {
            guard let value = Double(match.1.replacingOccurrences(of: ",", with: "")) else { continue }
            amounts.append((String(match.0).trimmingCharacters(in: .whitespaces), Amount(value: value, unit: unit(String(match.2)))))
        }
        for match in lower.matches(of: money) {
            guard let value = Double(match.1.replacingOccurrences(of: ",", with: "")) else { continue }
            amounts.append((String(match.0), Amount(value: value, unit: "usd")))
        }
        return amounts
    }

    /// A unit's spellings as one name.
    private static func unit(_ text: String) -> String {
        let word = text.replacingOccurrences(of: " ", with: "")
        switch word {
        case "°f", "°fahrenheit", "fahrenheit", "degreesfahrenheit", "degreefahrenheit": return "f"
        case "°c", "°celsius", "celsius", "degreescelsius", "degreecelsius": return "c"
        case "°", "degree", "degrees": return "degrees"
        case "%", "percent": return "%"
        case "km/h", "kph", "kmh": return "km/h"
        case "ms", "millisecond", "milliseconds": return "ms"
        case "s", "sec", "secs", "second", "seconds": return "s"
        case "min", "mins", "minute", "minutes": return "min"
        case "h", "hr", "hrs", "hour", "hours": return "h"
        case "day", "days": return "d"
        case "week", "weeks": return "w"
        case "month", "months": return "mo"
        case "year", "years": return "y"
        case "byte", "bytes": return "b"
        default: return word
        }
    }

    // No lookbehind in Swift's regular expressions: "not after a letter, digit or dot" is a
    // character (or the start) before the number.
    nonisolated(unsafe) private static let amount =
        /(?:^|[^\w.])(-?\d[\d,]*(?:\.\d+)?)\s?-?(°\s?(?:f|c|fahrenheit|celsius)?|degrees?(?:\s(?:fahrenheit|celsius))?|fahrenheit|celsius|%|percent|mph|km\/h|kph|kmh|milliseconds?|ms|seconds?|secs?|minutes?|mins?|min|hours?|hrs?|hr|days?|weeks?|months?|years?|kib|mib|gib|tib|kb|mb|gb|tb|bytes?|ghz|mhz|mbps|gbps|s|h)(?![\w])/
    nonisolated(unsafe) private static let money = /\$\s?(\d[\d,]*(?:\.\d+)?)/
    nonisolated(unsafe) private static let version = /(?:^|[^\w.])(v?\d+(?:\.\d+){1,3})(?![\w.]*\w)/
    nonisolated(unsafe) private static let dateOrTime =
        /\b\d{4}-\d{2}-\d{2}(?:[t ]\d{2}:\d{2}(?::\d{2})?z?)?\b|\b\d{1,2}:\d{2}(?::\d{2})?(?:\s?[ap]m)?\b/
    nonisolated(unsafe) private static let product =
        /\b(?:windows(?: server)?|win|macos|mac os x?|os x|ubuntu|debian|rhel|red hat enterprise linux|centos|fedora|ios|android|sql server|exchange(?: server)?)\s\d+(?:\.\d+)*(?:\s?(?:h[12]|r2|sp\d|lts))?\b/

    /// Security products an answer might name: named only when something in the turn did.
    static let brands = [
        "sentinelone", "microsoft defender", "defender for endpoint", "carbon black", "splunk", "qradar",
        "microsoft sentinel", "cortex xdr", "palo alto", "fortinet", "fortigate", "okta", "zscaler", "tanium",
        "rapid7", "tenable", "qualys", "mimecast", "proofpoint", "servicenow", "pagerduty", "opsgenie", "virustotal",
        "sysmon", "velociraptor", "wireshark", "nessus", "metasploit", "cobalt strike", "mimikatz", "bloodhound",
        "darktrace", "vectra", "cisco umbrella", "jira", "slack", "microsoft teams", "knowbe4", "abnormal security",
    ]
}

/// What may back an answer's specifics: the turn's tool results, the question, the
/// conversation, and Pokedex's own words to the model (its instructions, its tools' descriptions).
struct Support: Sendable {
    private var text = ""
    private var words = Set<String>()
    private var amounts = Set<Specific.Amount>()

    init(_ texts: [String]) {
        for text in texts { add(text) }
    }

    mutating func add(_ text: String) {
        let lower = text.lowercased()
        self.text += "\n" + lower
        for word in EntityReader.words(in: lower) { words.insert(word) }
        for (_, amount) in Specific.amounts(in: lower) {
            amounts.insert(amount)
            // A temperature in one scale backs the same temperature in the other, to the degree.
            switch amount.unit {
            case "f": amounts.insert(.init(value: ((amount.value - 32) * 5 / 9).rounded(), unit: "c"))
            case "c": amounts.insert(.init(value: (amount.value * 9 / 5 + 32).rounded(), unit: "f"))
            default: break
            }
        }
    }

    /// Whether something in the turn states `specific`.
    func backs(_ specific: Specific) -> Bool {
        let lower = specific.text.lowercased()
        switch specific.kind {
        case .amount(let amount):
            if amounts.contains(amount) { return true }
            let rounded = Specific.Amount(value: amount.value.rounded(), unit: amount.unit)
            if amount.unit == "degrees" {
                return ["f", "c", "degrees"].contains { amounts.contains(.init(value: rounded.value, unit: $0)) }
            }
            return amounts.contains(rounded) || (["f", "c"].contains(amount.unit) && amounts.contains(.init(value: rounded.value, unit: "degrees")))
        case .entity, .file:
            return words.contains(lower) || text.contains(lower)
        case .version, .time, .product:
            return text.contains(lower)
        }
    }
}

/// The grounding rules of answers, for measuring them from outside (`pokedex-bench fidelity`).
public enum Grounding {
    /// The specifics of `text` (hostnames, addresses, files, versions, times, amounts, products)
    /// that none of `backing` states.
    public static func unsupportedSpecifics(in text: String, backedBy backing: [String]) -> [String] {
        let support = Support(backing)
        return Specific.find(in: text).filter { !support.backs($0) }.map(\.text)
    }
}
