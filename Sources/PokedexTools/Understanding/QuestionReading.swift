import Foundation

/// What a question names and asks (SPEC 3.2): its entities — hosts, indicators, places in a
/// weather question — or, for a follow-up ("and is it online?", "what about Lisbon?", "the sql
/// one?"), those of the conversation's earlier turns; and whether it asks to act ("contain
/// WS-1234", in `QuestionReading+Request`) or asks about something (a question never starts an
/// action).
public struct QuestionReading: Sendable {
    /// The question as the user wrote it.
    public var text: String
    /// What it names, in order (hosts and indicators, then places).
    public var entities: [Entity]
    /// True when ``entities`` come from earlier turns (the question referred back to them).
    public var followsUp: Bool
    /// True when it reads as a question (it asks one, or opens like one), not a request.
    public var isQuestion: Bool
    /// True when it asks for what was asked last time, again ("same for the dc", "now the mac",
    /// "same deal"): a request to act then applies to what it names.
    public var repeatsEarlier: Bool

    /// - Parameters:
    ///   - earlier: the entities of the conversation's earlier turns, newest turn first (from the
    ///     evidence stored with them).
    ///   - aliases: words that describe an earlier entity besides its name (a host's OS, product
    ///     type and tags: "the mac", "the dc"), by its lower-cased value.
    public init(_ text: String, earlier: [[Entity]] = [], aliases: [String: Set<String>] = [:]) {
        self.text = text
        let words = Self.lowerWords(text)
        let opening = Self.opening(words)
        isQuestion = text.contains("?") || Self.opensAsQuestion(words)
        // "same deal", "now the mac"; and "also X", "X too" when they ask to see nothing ("can you
        // check that one too" asks for a lookup).
        let lower = text.lowercased()
        repeatsEarlier = words.first == "now" || Self.repeats.contains { lower.contains($0) }
            || ((opening > 0 || Self.additions.contains { lower.contains($0) }) && !text.contains("?")
                && !words.contains(where: Self.lookupVerbs.contains))
        let weatherTalk = earlier.prefix(2).contains { $0.contains { $0.kind == .place } }
        var entities = EntityReader.entities(in: text).map { Self.fullName(of: $0, earlier: earlier) }
        if !PlaceReader.hasWeatherCue(text) { entities = Self.hostsByFrame(entities, text: text) }
        entities += PlaceReader.places(in: text, weatherTalk: weatherTalk).map { Entity(.place, $0) }
            .filter { place in !entities.contains { $0.value.lowercased() == place.value.lowercased() } }
        followsUp = false
        if entities.isEmpty,
            let referred = Self.referredTo(words, opening: opening, text: text, earlier: earlier, aliases: aliases)
        {
            entities = referred
            followsUp = true
        }
        self.entities = entities
    }

    /// The entities of one kind.
    public func entities(_ kind: EntityKind) -> [Entity] { entities.filter { $0.kind == kind } }

    /// A host named by the first part of a full name said earlier (`sqlprd03` for
    /// `sqlprd03.fin.example.net`) is that host.
    private static func fullName(of entity: Entity, earlier: [[Entity]]) -> Entity {
        guard entity.kind == .host, !entity.value.contains(".") else { return entity }
        let short = entity.value.lowercased()
        return earlier.lazy.flatMap { $0 }.first {
            $0.kind == .host && $0.value.lowercased().split(separator: ".").first.map(String.init) == short
                && $0.value.contains(".")
        } ?? entity
    }

    /// What a question asks of a name decides what it is, when its shape does not (SPEC 3.2): a
    /// dotted name asked about as a host ("is gatehouse.vlp.example.cl still isolated?") is one,
    /// unless the question is about mail or the web; a machine-like word that a host's verb acts
    /// on ("check pilotage-kiosk", "contain edigateway"), that a host's state is said of
    /// ("edigateway up?", "is berthplanner back online"), or that is joined to a host
    /// ("quaycrane-hmi vs BERTHPLANNER") is a host.
    private static func hostsByFrame(_ entities: [Entity], text: String) -> [Entity] {
        let tokens = EntityReader.words(in: text)
        let lower = tokens.map { $0.lowercased() }
        let asksOfAHost = lower.contains(where: hostFrameWords.contains)
        guard asksOfAHost || entities.contains(where: { $0.kind == .host }) else { return entities }
        let aboutTheWeb = lower.contains(where: webWords.contains)
        var found = entities.map { entity in
            entity.kind == .domain && asksOfAHost && !aboutTheWeb ? Entity(.host, entity.value) : entity
        }
        func isHost(_ index: Int) -> Bool {
            lower.indices.contains(index) && found.contains { $0.kind == .host && $0.value.lowercased() == lower[index] }
        }
        /// The nearest word before or after, over words that only colour ("the", "still", "back").
        func neighbour(of index: Int, step: Int) -> String? {
            var other = index + step
            while lower.indices.contains(other), colouring.contains(lower[other]) { other += step }
            return lower.indices.contains(other) ? lower[other] : nil
        }
        for (index, word) in lower.enumerated() where couldNameAMachine(word) {
            let named = found.contains { $0.value.lowercased() == word || $0.value.lowercased().hasPrefix(word + ".") }
            guard !named else { continue }
            let actedOn = neighbour(of: index, step: -1).map(hostVerbs.contains) ?? false
            let stated = neighbour(of: index, step: 1).map(hostStates.contains) ?? false
            let joined = [-2, 2].contains { step in isHost(index + step) && joiners.contains(lower[index + step / 2]) }
            if actedOn || stated || joined { found.append(Entity(.host, tokens[index])) }
        }
        return found
    }

    /// Verbs whose object is a host ("check X", "containment on X").
    private static let hostVerbs: Set<String> = [
        "check", "contain", "isolate", "quarantine", "lift", "release", "uncontain", "unisolate", "un-isolate", "ping",
        "unquarantine", "reconnect",
    ]
    /// States said of a host ("X up?", "is X still isolated").
    private static let hostStates: Set<String> = hostStateCues.union([
        "up", "down", "alive", "responding", "reachable", "pingable", "running", "healthy",
    ])
    /// Words that only colour what is said of a host.
    private static let colouring: Set<String> = [
        "the", "box", "host", "machine", "still", "back", "even", "currently", "already", "now", "yet", "really",
        "containment", "on", "for", "pls", "please", "btw", "also",
    ]

    /// A word that can only be a machine's name: a valid hostname of five or more characters, no
    /// everyday word, no word of the runbooks' thesaurus, no word that asks about a host.
    private static func couldNameAMachine(_ word: String) -> Bool {
        word.count >= 5 && word.first?.isLetter == true && !word.contains(".") && (try? FalconHostname(word)) != nil
            && !CommonWords.english.contains(Substring(word)) && !hostCues.contains(word)
            && !hostFrameWords.contains(word) && !colouring.contains(word) && !webWords.contains(word)
            && RunbookQuery.thesaurus[word] == nil && !notNames.contains(word)
    }

    /// Words that ask something of a host: its verbs, its states, its system.
    static let hostFrameWords: Set<String> = hostVerbs.union(hostStates).union(["distro", "version"])
    /// Words that join two names ("X vs Y", "X + Y").
    private static let joiners: Set<String> = ["and", "vs", "or", "&", "+", "versus", "plus"]
    /// Words of a question about mail or the web.
    private static let webWords: Set<String> = EntityReader.webNouns.union([
        "mail", "email", "e-mail", "phish", "phishing", "dmarc", "spf", "dkim", "whois", "dns", "resolve", "resolves",
        "registered", "typosquat", "lookalike", "headers",
    ])
    /// Chat words, and what incidents are made of, of machine-name shape ("contain the outbreak"),
    /// five letters or more (shorter words are never taken for a name).
    private static let notNames: Set<String> = [
        "incident", "outbreak", "malware", "ransomware", "infection", "attacker", "attackers", "threat", "threats",
        "payload", "exploit", "trojan", "virus", "backdoor", "webshell", "implant", "persistence", "credentials",
        "mailbox", "printer", "firewall", "endpoint", "endpoints", "device", "devices", "machines", "hosts",
        "servers", "laptops", "workstations", "sensor", "agent", "falcon", "crowdstrike", "detection", "alert",
        "alerts", "traffic", "process", "service", "script", "subnet", "segment", "users", "thanks", "cheers",
        "hello", "buenas", "gracias", "alright", "dunno", "gonna", "wanna", "gotta", "kinda", "sorta", "lemme",
        "gimme", "anyway", "anyways",
    ]

    // MARK: - Follow-ups

    /// The earlier entities a follow-up refers to:
    /// - after the weather, a place in the rest of a continuation ("and london?", "what about
    ///   Lisbon", "kaunas?");
    /// - a host called by part of its name or what it is ("the sql one", "0917", "the mac", "the
    ///   dc");
    /// - with a word that points back ("it", "that jump box", "there", "both") or an opening that
    ///   continues ("and …?"), those of the kind the question asks about (a host's state or
    ///   system, the weather) from the last few turns, else — in a short question — those of the
    ///   last turn.
    private static func referredTo(
        _ words: [String], opening: Int, text: String, earlier: [[Entity]], aliases: [String: Set<String>]
    ) -> [Entity]? {
        guard let latest = earlier.first else { return nil }
        let rest = Array(words.dropFirst(opening))
        let lower = text.lowercased()
        // "the sql box", "that jump box"; in a remark ("the coffee machine died again") only
        // when it asks something of a host (a question, a state, an action).
        let asksSomething = text.contains("?") || opensAsQuestion(words)
            || words.contains { hostCues.contains($0) && !hostNouns.contains($0) && !EntityReader.hostNouns.contains($0) }
        let points = words.contains(where: pointers.contains) || (pointsToAHost(words) && asksSomething)
            || pointerPhrases.contains { lower.contains($0) }
        // A question about a host's state ("online?") is no place, even after the weather.
        let asksAboutAHost = words.contains(where: hostStateCues.contains) && !PlaceReader.hasWeatherCue(text)
        if !asksAboutAHost, earlier.prefix(2).contains(where: { $0.contains { $0.kind == .place } }),
            let place = placeInFollowUp(text, words: words, rest: rest, opening: opening, points: points)
        {
            return [Entity(.place, place)]
        }
        // A host called by part of its name may be further back than a pronoun reaches.
        if let named = earlier.prefix(10).lazy.compactMap({ turn in
            turn.filter { $0.kind == .host && Self.calls(words, $0, aliases: aliases[$0.value.lowercased()] ?? []) }.nilIfEmpty
        }).first {
            return named
        }
        // "the second one", "the latter": a host of the last turn that named several, by its place in it.
        if let position = ordinal(words),
            let hosts = earlier.prefix(3).lazy.map({ $0.filter { $0.kind == .host } }).first(where: { $0.count >= 2 }),
            position < hosts.count
        {
            return [hosts[position]]
        }
        let recent = earlier.prefix(3)
        let wanted: EntityKind? =
            PlaceReader.hasWeatherCue(text) || words.contains("there")
            ? .place : words.contains(where: hostCues.contains) ? .host : nil
        // A few words asking about a host or the weather ("last check-in + os?") reach back; without
        // such a cue, only a short question that points back or continues ("and now?", "is it?").
        let asks = wanted != nil && words.count <= 4
        guard points || opening > 0 || asks, wanted != nil || words.count - opening <= 3 else { return nil }
        guard let wanted else { return latest.isEmpty ? nil : latest }
        // A few turns back at most: "is it online?" after a runbook question still means the host before it.
        return recent.lazy.map { $0.filter { $0.kind == wanted } }.first { !$0.isEmpty }
    }

    /// Which of several a question picks by its place ("the second one", "the 1st box", "the
    /// latter"), from 0.
    private static func ordinal(_ words: [String]) -> Int? {
        if words.contains("former") { return 0 }
        if words.contains("latter") { return 1 }
        for (index, word) in words.enumerated() where index + 1 < words.count && hostNouns.contains(words[index + 1]) {
            if let position = ["first", "second", "third", "1st", "2nd", "3rd"].firstIndex(of: word) { return position % 3 }
        }
        return nil
    }

    /// A place a follow-up to the weather names: the words right after its opening ("and
    /// london?", "what about Lisbon"), the whole of a short one ("lisbon?"), or a word asked
    /// about on its own ("ok last one, kaunas? might go").
    private static func placeInFollowUp(
        _ text: String, words: [String], rest: [String], opening: Int, points: Bool
    ) -> String? {
        if opening > 0 || words.count <= 2, !(points && rest.count > 3),
            let place = PlaceReader.place(inFollowUp: rest.joined(separator: " "))
        {
            return place
        }
        if let place = PlaceReader.place(after: opening, in: text) ?? PlaceReader.askedAlone(in: text) { return place }
        // A name it opens with: written as one, or the question is only a few words ("bikini bottom next lol").
        guard let leading = PlaceReader.leadingName(in: text),
            leading.first?.isUppercase == true || words.count <= 5 || PlaceReader.hasWeatherCue(text)
        else { return nil }
        return leading
    }

    /// Whether the question calls a host by a part of its name (`sql` or `0917` of
    /// `LDN-SQL-0917`) or by what it is (its OS, product type or tags: "the mac", "the dc").
    private static func calls(_ words: [String], _ host: Entity, aliases: Set<String>) -> Bool {
        let parts = host.value.lowercased().split { $0 == "-" || $0 == "." || $0 == "_" }.map(String.init)
            .filter { $0.count >= 2 && !everyday.contains($0) }
        return words.indices.contains { index in
            let word = words[index]
            if parts.contains(word) { return true }
            if let first = parts.first, first.hasPrefix(word), word.count >= 3, word.allSatisfy(\.isLetter) { return true }
            // What it is: a word only it is ("the mac", "the dc"); a generic one ("a laptop") only
            // after "the", "that" or "this".
            guard aliases.contains(word) else { return false }
            return !hostNouns.contains(word) || (index > 0 && ["the", "that", "this"].contains(words[index - 1]))
        }
    }

    /// "that jump box", "the sql box", "this node": a pointing word and a host noun within three words.
    private static func pointsToAHost(_ words: [String]) -> Bool {
        for (index, word) in words.enumerated() where ["that", "this", "the", "those", "these"].contains(word) {
            if words[(index + 1)..<min(words.count, index + 4)].contains(where: hostNouns.contains) { return true }
        }
        return false
    }

    /// How many words open the question as a continuation ("and", "what about", "same for"), 0 if
    /// none do.
    private static func opening(_ words: [String]) -> Int {
        // After filler ("ok whatever, how about zurich").
        let filler = words.prefix { fillers.contains($0) }.count
        for opening in continuations {
            let parts = opening.split(separator: " ").map(String.init)
            if words.count >= filler + parts.count, Array(words[filler..<(filler + parts.count)]) == parts {
                return filler + parts.count
            }
        }
        return 0
    }

    private static let fillers: Set<String> = [
        "ok", "okay", "whatever", "so", "hmm", "alright", "fine", "cool", "k", "well", "right", "lol", "haha", "oh", "ah",
        "btw", "oki", "kk",
    ]

    static func lowerWords(_ text: String) -> [String] {
        text.lowercased().replacingOccurrences(of: "’", with: "'")
            .split { !$0.isLetter && !$0.isNumber && $0 != "'" && $0 != "-" }.map(String.init)
    }

    /// Openings that continue the conversation, longest first.
    private static let continuations = [
        "and what about", "and how about", "ok what about", "ok and", "okay and", "what about", "how about",
        "same for", "same with", "same thing for", "do the same for", "and also", "and", "also", "now",
        "what abt", "how abt", "and wbu",
    ]

    /// Phrases that ask for the same as last time.
    private static let repeats = ["same deal", "same for", "same thing", "do the same", "same with", "likewise"]
    /// Words that add to what was asked ("X too").
    private static let additions = [" too", "as well"]
    /// Words that ask to see something rather than to do it again.
    private static let lookupVerbs: Set<String> = ["check", "look", "see", "show", "tell", "status", "find", "lookup", "what", "is"]

    /// Words that point back to something already discussed.
    private static let pointers: Set<String> = [
        "it", "its", "it's", "them", "they", "their", "they're", "both", "those", "these", "there",
    ]
    private static let pointerPhrases = [
        "same host", "same box", "same machine", "that city", "that place", "same place", "same city", "the same",
        "that one", "this one", "the other",
    ]

    /// Nouns for a host, after "that", "the", "this" ("that jump box").
    static let hostNouns: Set<String> = [
        "host", "box", "machine", "device", "server", "laptop", "workstation", "endpoint", "node", "vm", "pc", "mac",
        "dc", "one", "instance", "thing",
    ]

    /// Parts of host names too common to call one host by.
    private static let everyday: Set<String> = ["the", "it", "on", "is", "in", "at", "an", "corp", "com", "net", "local", "internal", "ad", "org"]

    /// What a question about a host asks (its state, reachability, system, last contact, an
    /// action on it): which earlier entity "it" means when the conversation had both hosts and places.
    static let hostCues: Set<String> = [
        "online", "offline", "up", "down", "reachable", "unreachable", "connected", "disconnected", "contained",
        "containment", "isolated", "isolation", "quarantined", "quarantine", "status", "state", "os", "system",
        "windows", "linux", "mac", "macos", "version", "patch", "patched", "seen", "check-in", "checked", "details",
        "detail", "info", "tags", "tag", "id", "product", "chassis", "model", "running", "run", "runs", "alive",
        "healthy", "network", "cut", "sensor", "agent", "falcon", "crowdstrike", "host", "hostname", "box",
        "machine", "device", "server", "laptop", "responding", "pingable", "ping", "live", "check", "hear", "heard",
        "contain", "isolate", "lift", "release", "uncontain", "unisolate", "free", "stuck", "pending", "node",
        "talking", "reporting", "cloud", "drop", "dropped", "connectivity", "heartbeat", "beaconing", "patched",
        "uptime", "rebooted", "reboot", "last", "phone", "phoned", "phones", "contact",
    ]

    /// Words that ask about a host's state and never about the weather.
    static let hostStateCues: Set<String> = [
        "online", "offline", "reachable", "unreachable", "contained", "containment", "isolated", "quarantined", "status",
        "os", "pingable", "connected", "disconnected", "patched",
    ]

    /// Words a question opens with.
    static let questionWords: Set<String> = [
        "is", "am", "are", "was", "were", "has", "have", "had", "does", "do", "did", "can", "could", "should", "would",
        "may", "shall",
        "will", "what", "what's", "whats", "when", "where", "which", "who", "who's", "whos", "why", "how", "how's",
        "any", "anything", "isn't", "aren't", "hasn't", "didn't", "doesn't", "isnt", "arent", "hasnt", "didnt",
        "doesnt", "wasnt", "wasn't", "werent", "weren't",
    ]
}

extension Array {
    /// nil when empty.
    var nilIfEmpty: Self? { isEmpty ? nil : self }
}
