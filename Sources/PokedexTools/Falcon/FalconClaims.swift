/// What the model says of a host, against this turn's Falcon results (SPEC 3.1): a sentence about
/// a host (the hosts it names, else those the question names or refers to) that states a
/// containment or online state, or an operating system, that no result *for that host* says is
/// refused — a state of a host Falcon did not find, or did not look up, has nothing behind it.
/// The facts an answer must carry are the host's name, its states, OS and last contact, or that
/// it was not found.
public struct FalconClaims: ClaimRule {
    public init() {}

    public let unfoundedText =
        "⚠️ I could not check that in Falcon, so I cannot tell you the host's state. Ask me again, or check the Falcon console."

    public func contradicts(_ sentence: String, subjects: [Entity], results: [String]) -> Bool {
        let lower = sentence.lowercased()
        let containment = Self.containment(in: lower)
        let online = Self.online(in: lower)
        let system = Self.system(in: lower)
        guard containment != nil || online != nil || system != nil else { return false }
        let named = EntityReader.hosts(in: sentence)
        let hosts = named.isEmpty ? subjects.filter { $0.kind == .host }.map(\.value) : named
        guard !hosts.isEmpty else { return false }
        func backed(_ host: String) -> Bool {
            let lines = results.flatMap { $0.split(separator: "\n").map(String.init) }
                .filter { Self.host(of: $0) == host.lowercased() }
            if let containment,
                !lines.contains(where: { $0.hasPrefix("Containment status for") && Self.containment(in: $0.lowercased()) == containment })
            {
                return false
            }
            if let online, !lines.contains(where: { $0.hasPrefix("Online status for") && Self.online(in: $0.lowercased()) == online }) {
                return false
            }
            if let system,
                !Self.osLines(results, host: host).contains(where: { line in system.contains { line.lowercased().contains($0) } })
            {
                return false
            }
            return true
        }
        // A sentence that names hosts speaks of each; one that names none, of one of the question's.
        return named.isEmpty ? !hosts.contains(where: backed) : !hosts.allSatisfy(backed)
    }

    public func facts(in result: String) -> [String] {
        var facts: [String] = []
        for line in result.split(separator: "\n").map(String.init) {
            if let host = Self.host(of: line), !facts.contains(host) { facts.append(host) }
            if line.hasPrefix("Containment status for") || line.hasPrefix("Online status for"),
                let colon = line.range(of: "': ")
            {
                facts.append(String(line[colon.upperBound...]))
            } else if line.contains("was not found in CrowdStrike") {
                facts.append("not found")
            }
            for field in ["• OS Version: ", "• Last Seen: "] where line.hasPrefix(field) {
                let value = String(line.dropFirst(field.count))
                if value != "Unknown" { facts.append(value) }
            }
        }
        return facts.isEmpty ? [result] : facts
    }

    /// The host a result line is about (`… for 'WS-1234': …`, `Hostname 'X' was not found`), lower-cased.
    static func host(of result: String) -> String? {
        guard let open = result.firstIndex(of: "'") else { return nil }
        let rest = result[result.index(after: open)...]
        guard let close = rest.firstIndex(of: "'") else { return nil }
        return rest[..<close].lowercased()
    }

    /// The OS Version lines of a host's details.
    private static func osLines(_ results: [String], host: String) -> [String] {
        results.filter { $0.contains("Device Details for '\(host.uppercased())'") }
            .flatMap { $0.split(separator: "\n").map(String.init) }.filter { $0.hasPrefix("• OS Version: ") }
    }

    enum Containment { case contained, notContained, pending }
    enum Online { case online, offline }

    // Swift parses a regex literal each time it is evaluated: these are built once. A `Regex` is
    // not `Sendable`, but matching never changes it.
    nonisolated(unsafe) private static let notContained =
        /(not|n't|no longer|un)[\s-]*(be(en)?\s+)?(contained|isolated|quarantined)|normal - device/
    nonisolated(unsafe) private static let contained =
        /\b(is|are|was|been|currently|remains?|still)\s+(\w+\s+)?(contained|isolated|quarantined)\b|contained - device/
    nonisolated(unsafe) private static let offline =
        /\b(offline|not (currently )?(online|connected|reachable|up)|disconnected|unreachable|(is|are) down)\b/
    nonisolated(unsafe) private static let isOnline =
        /\b(is|are|currently|now)\s+(\w+\s+)?(online|connected|reachable|up\b(?!\s+to))/
    nonisolated(unsafe) private static let operatingSystem =
        /\b(windows|macos|mac os|ubuntu|debian|rhel|red hat|centos|fedora|linux|android|ios)\b/

    /// The containment state a text states, if any ("not contained" before "contained").
    static func containment(in lower: String) -> Containment? {
        guard lower.contains("contain") || lower.contains("isolat") || lower.contains("quarantin") else { return nil }
        if lower.contains("pending") { return .pending }
        if lower.firstMatch(of: notContained) != nil { return .notContained }
        if lower.firstMatch(of: contained) != nil { return .contained }
        return nil
    }

    /// The online state a text states, if any.
    static func online(in lower: String) -> Online? {
        guard ["online", "connected", "reachable", " up", "down", "offline"].contains(where: lower.contains) else { return nil }
        if lower.firstMatch(of: offline) != nil { return .offline }
        if lower.firstMatch(of: isOnline) != nil { return .online }
        return nil
    }

    /// The operating system a sentence names, if any, as the words an OS Version line may give
    /// it by (Falcon's `RHEL 9.3` is "Red Hat", any Linux distribution is "Linux").
    static func system(in lower: String) -> [String]? {
        guard let match = lower.firstMatch(of: operatingSystem) else { return nil }
        switch String(match.1) {
        case "macos", "mac os": return ["macos", "mac os", "os x"]
        case "rhel", "red hat": return ["rhel", "red hat"]
        case "linux": return ["linux", "ubuntu", "debian", "rhel", "red hat", "centos", "fedora", "suse", "amazon"]
        case let name: return [name]
        }
    }
}
