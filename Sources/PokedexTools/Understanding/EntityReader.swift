import Foundation

/// Finds the hostnames and indicators a text names, by the shape of its words (SPEC 3.2): not by
/// the verbs around them, so "what OS is ws-5521 running" and "tell me about fs01.corp.example.com"
/// name a host as plainly as "is WS-1234 contained?".
///
/// A word is a host when it is a valid hostname with letters and digits together (`WS-1234`,
/// `dc01`, `lt-qa-5512`), a dotted name inside the estate (a label such as `corp`, `ad`, `local`
/// or `internal`, or digits in its first label), an upper-case hyphenated name (`FINANCE-PC`), a
/// hyphenated name of three parts with a short code among them and none English
/// (`hr-lt-mbarros`), a device code joined to a name (`mbp-jnovak`), or a name right after
/// "host", "machine", "laptop"… ("her laptop is …") that could only be one. Words of that shape
/// that are something else — ticket numbers (`INC-4471`), CVEs, ATT&CK ids, severities (`sev1`,
/// `P1`), times (`3am`), versions and protocol names (`sha256`, `win11`, `x64`) — are not hosts.
/// Dotted names outside the estate are domains; file names are neither.
public enum EntityReader {
    /// Every entity the text names, in order, each once (whatever its case).
    public static func entities(in text: String) -> [Entity] {
        var found: [Entity] = []
        var before: [String] = []  // the words before, lower-cased, nearest last
        for word in words(in: text) {
            // "her laptop is hr-lt-mbarros", "the box is called …": a host noun, then words that name it.
            let naming = before.suffix(3).reversed().prefix { ["is", "called", "named", "="].contains($0) }.count
            let noun = before.dropLast(naming).last ?? ""
            let named = naming > 0 && (hostNouns.contains(noun) || webNouns.contains(noun))
            let previous = named ? noun : before.last ?? ""
            if let entity = entity(word, after: previous), !found.contains(where: { $0.sameAs(entity) }) {
                found.append(entity)
            }
            before.append(word.lowercased())
        }
        return found
    }

    /// The hosts the text names, in order.
    public static func hosts(in text: String) -> [String] {
        entities(in: text).filter { $0.kind == .host }.map(\.value)
    }

    /// The words of a text as entities are written: split at spaces and at punctuation that never
    /// occurs inside a hostname, address or URL, with sentence punctuation trimmed from the ends.
    public static func words(in text: String) -> [String] {
        text.split(whereSeparator: { $0.isWhitespace || separators.contains($0) }).compactMap { raw in
            let word = raw.trimmingCharacters(in: trimmed)
            return word.isEmpty ? nil : word
        }
    }

    private static let separators: Set<Character> = [",", ";", "!", "?", "(", ")", "[", "]", "{", "}", "<", ">", "\"", "'", "`", "‘", "’", "“", "”", "*", "|"]
    private static let trimmed = CharacterSet(charactersIn: ".:-_/#@")

    /// What one word names, if anything; `previous` is the word before it, lower-cased.
    static func entity(_ word: String, after previous: String) -> Entity? {
        let lower = word.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") || lower.hasPrefix("hxxp://") || lower.hasPrefix("hxxps://") {
            return word.count > 10 ? Entity(.url, word) : nil
        }
        if word.wholeMatch(of: email) != nil { return Entity(.email, word) }
        if isIPv4(word) || isIPv6(word) { return Entity(.ip, word) }
        if [32, 40, 64].contains(word.count), word.allSatisfy(\.isHexDigit), word.contains(where: \.isNumber) {
            return Entity(.hash, word)
        }
        guard word.count >= 3, word.contains(where: \.isLetter), (try? FalconHostname(word)) != nil else { return nil }
        if word.contains(".") { return dotted(word, lower: lower, after: previous) }
        if word.contains(where: \.isNumber) {
            return lower.wholeMatch(of: notHost) == nil && !notHostWords.contains(lower) ? Entity(.host, word) : nil
        }
        let upperCase = word.allSatisfy { !$0.isLetter || $0.isUppercase }
        let parts = word.split(whereSeparator: { $0 == "-" || $0 == "_" })
        if upperCase, parts.count >= 2, parts.allSatisfy({ $0.count >= 2 }), word.count >= 6, !acronyms.contains(lower) {
            return Entity(.host, word)
        }
        if hostNouns.contains(previous), parts.count >= 2 || (upperCase && word.count >= 4) {
            return Entity(.host, word)
        }
        // Three or more parts joined by hyphens, as naming conventions build them — a short code
        // among them (site, department, type) and none an English word: `hr-lt-mbarros`; not
        // `man-in-the-middle`, `pass-the-hash`, nor a state such as `lift_containment_pending`.
        let hyphenated = word.split(separator: "-")
        if isCodeAndName(hyphenated), !acronyms.contains(lower) { return Entity(.host, word) }
        if hyphenated.count >= 3, hyphenated.contains(where: { $0.count <= 3 }),
            hyphenated.allSatisfy({ $0.count >= 2 && $0.allSatisfy(\.isLetter) && !CommonWords.english.contains($0.lowercased()[...]) }),
            !acronyms.contains(lower)
        {
            return Entity(.host, word)
        }
        return nil
    }

    /// Two parts as naming conventions join a device code to a person or a place: `mbp-jnovak`,
    /// `lt-mkowalska` — a code of two or three letters and a name of four or more that is no
    /// English word; not a prefixed word (`re-imaged`, `un-isolate`, `co-worker`).
    private static func isCodeAndName(_ parts: [Substring]) -> Bool {
        guard parts.count == 2, parts.allSatisfy({ $0.allSatisfy(\.isLetter) }) else { return false }
        let (code, name) = parts[0].count <= 3 ? (parts[0], parts[1]) : (parts[1], parts[0])
        return (2...3).contains(code.count) && !wordPrefixes.contains(code.lowercased()) && name.count >= 4
            && !CommonWords.english.contains(name.lowercased()[...])
    }

    /// Prefixes written with a hyphen before an English word.
    private static let wordPrefixes: Set<String> = [
        "re", "un", "de", "co", "pre", "non", "ex", "sub", "mid", "mis", "dis", "bi", "tri", "in", "out", "off", "on",
        "up", "e", "x", "anti", "self", "pro", "semi", "auto", "web", "all", "ad", "no", "opt", "log", "set", "pop",
    ]

    /// A dotted name: a host inside the estate, a domain outside it, or a file name (nothing).
    /// Named as a domain, sender or site ("the domain is austra1port.cl"), it is a domain.
    private static func dotted(_ word: String, lower: String, after previous: String) -> Entity? {
        let labels = lower.split(separator: ".").map(String.init)
        guard labels.count >= 2, let last = labels.last, last.allSatisfy(\.isLetter) else { return nil }
        if labels.count == 2, fileExtensions.contains(last) { return nil }
        if webNouns.contains(previous) { return Entity(.domain, word) }
        if labels.contains(where: internalLabels.contains) || labels[0].contains(where: \.isNumber)
            || hostNouns.contains(previous)
        {
            return Entity(.host, word)
        }
        return last.count >= 2 ? Entity(.domain, word) : nil
    }

    /// Words just before a name that say it is a host's.
    static let hostNouns: Set<String> = [
        "host", "hostname", "machine", "endpoint", "workstation", "laptop", "server", "box", "device", "computer",
        "pc", "asset", "vm", "sensor",
    ]

    /// Words just before a name that say it is a domain on the web or in mail.
    static let webNouns: Set<String> = ["domain", "sender", "site", "website", "url", "link"]

    /// Labels of names inside an organisation's own networks.
    static let internalLabels: Set<String> = [
        "corp", "ad", "local", "lan", "internal", "intranet", "intra", "int", "private", "localdomain", "home",
        "office", "prod", "dmz", "mgmt", "priv", "domain",
    ]

    /// Whether a word names a file (`invoice.exe`, `ransomware-response.md`), not a domain.
    public static func isFileName(_ word: String) -> Bool {
        guard let dot = word.lastIndex(of: "."), dot != word.startIndex else { return false }
        let ending = word[word.index(after: dot)...].lowercased()
        return fileExtensions.contains(ending) && word[..<dot].contains(where: { $0.isLetter || $0.isNumber })
    }

    /// Endings of file names (a file, not a domain: `ransomware-response.md`, `invoice.exe`).
    static let fileExtensions: Set<String> = [
        "exe", "dll", "sys", "bat", "cmd", "ps1", "psm1", "vbs", "js", "jse", "hta", "lnk", "msi", "iso", "img",
        "zip", "rar", "7z", "gz", "tar", "tgz", "doc", "docx", "docm", "xls", "xlsx", "xlsm", "ppt", "pptx", "pdf",
        "txt", "log", "csv", "json", "xml", "yml", "yaml", "md", "html", "htm", "eml", "msg", "dit", "evtx", "pcap",
        "pcapng", "ini", "cfg", "conf", "sh", "py", "rb", "pl", "php", "jar", "apk", "dmg", "pkg", "bin", "dat",
        "db", "sqlite", "reg", "tmp", "bak", "key", "pem", "crt", "cer", "pfx", "p12", "ova", "vmdk", "vhd",
        "vhdx", "one", "iqy", "scr", "cpl", "ocx", "png", "jpg", "jpeg", "gif", "svg", "mp4", "wav", "swift",
    ]

    /// Letters and digits together that are not hosts: tickets, CVEs, Windows releases (`23H2`),
    /// ATT&CK ids, numbers with a unit, severities and priorities, algorithms, versions and protocols.
    nonisolated(unsafe) private static let notHost =
        /(?:inc|chg|req|ritm|task|prb|sr|case|ticket|tkt|jira|sec|alert|rule|ir|sir)[-_#]?\d+|cve-\d{4}-\d{3,}|\d{2}h\d|(?:t|ta|s|g|m)\d{4}(?:\.\d{3})?|\d+(?:am|pm|st|nd|rd|th|s|m|h|d|ms|min|mins|hr|hrs|gb|mb|kb|tb|k|x|fps|ghz|mhz|mbps|gbps|fa|g|p|xx)|(?:sev|p|pri|priority|tier|level|lvl|q|h|fy|cvss|phase|step|stage|day|week|layer|l|v|ver|version|rev)[-_]?\d+[a-z]?|(?:sha|sha-|md|rc|aes|rsa|utf|utf-|ipv|win|windows|x|arm|amd|tls|tlsv|ssl|sslv|http|smb|smbv|ntlm|ntlmv|o|m|ms|office|ec|s|e|k|b|ps|py|python|java|php|node|net|mp|wpa|wpa-|dns|iso|soc|nist|pci|base|rot|sys|win|system|syswow|h|vt|log|spring|kerberos|oauth|saml|x509|pkcs)\d+[a-z]?/
        .ignoresCase()

    /// Single words of that shape that are not hosts.
    static let notHostWords: Set<String> = [
        "log4j", "log4j2", "log4shell", "spring4shell", "k8s", "i18n", "l10n", "p2p", "b2b", "b2c", "24x7", "x509",
        "covid19", "y2k", "web3", "mp3", "mp4", "h264", "3des", "gpt4", "gpt-4", "gpt-3", "gpt-4o", "sev-1", "sev-2",
        "sev-3", "p-1", "p-2", "tier-1", "tier-2", "tier-3", "level-1", "level-2", "wpa2", "wpa3",
    ]

    /// Upper-case hyphenated words that are standards, not hosts.
    static let acronyms: Set<String> = [
        "pci-dss", "iso-iec", "nist-csf", "aes-gcm", "rsa-pss", "cis-cat", "wi-fi", "e-mail", "non-prod", "pre-prod",
        "x-forwarded-for", "follow-up", "sign-in", "log-in", "opt-in", "opt-out", "read-only", "no-op",
    ]

    nonisolated(unsafe) private static let email = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/

    public static func isIPv4(_ word: String) -> Bool {
        let parts = word.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4
            && parts.allSatisfy { $0.count <= 3 && !$0.isEmpty && $0.allSatisfy(\.isASCII) && Int($0).map { $0 <= 255 } == true }
    }

    static func isIPv6(_ word: String) -> Bool {
        guard word.filter({ $0 == ":" }).count >= 2, word.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else {
            return false
        }
        var address = in6_addr()
        return inet_pton(AF_INET6, word, &address) == 1
    }
}
