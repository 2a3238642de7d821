/// Finds the places a question about the weather names (SPEC 3.2): "temperature in Lisbon", "is
/// it raining in São Paulo today", "do I need an umbrella in london", "Chicago weather?",
/// "forecast for Dublin and Warsaw". A place is only read where the question has a weather cue
/// (without one, "in Denver" is as likely an office as a forecast); the geocoder decides whether
/// it is a real place.
public enum PlaceReader {
    /// The places named, in order; none when the question has no weather cue.
    /// - Parameter weatherTalk: the conversation's last answer was the weather: a place after "in"
    ///   needs no cue of its own ("whats it doing down in ushuaia").
    public static func places(in text: String, weatherTalk: Bool = false) -> [String] {
        let words = tokens(text)
        if hasWeatherCue(text) { return places(in: words) }
        guard weatherTalk, words.count <= 12 else { return [] }
        // No cue, but the weather was the subject: "in" (or a comparison's "with", "vs") and a name
        // that is no everyday word.
        let lower = withWith(text.lowercased())
        return places(in: words).filter { place in
            ["in ", "with ", "vs ", "versus "].contains { lower.contains($0 + place.lowercased()) }
                && !place.lowercased().split(separator: " ").allSatisfy { CommonWords.english.contains($0) }
        }
    }

    /// Whether the question asks about the weather.
    public static func hasWeatherCue(_ text: String) -> Bool {
        let lower = text.lowercased().replacingOccurrences(of: "’", with: "'")
        return tokens(text).contains { isCue($0.lower) } || weatherPhrases.contains(where: lower.contains)
    }

    /// A name right after a follow-up's opening of `opening` words that ends where the sentence
    /// does ("and london? got a layover there").
    public static func place(after opening: Int, in text: String) -> String? {
        let words = tokens(text)
        guard opening > 0, opening < words.count, let name = phrase(words, from: opening),
            words[opening + name.split(separator: " ").count - 1].ends, !rejected.contains(name.lowercased())
        else { return nil }
        return name
    }

    /// A word asked about on its own ("ok last one, kaunas? might go", "new york?"): a name of one
    /// or two words between punctuation (or the start) and a question mark, no everyday word.
    public static func askedAlone(in text: String) -> String? {
        let words = tokens(text)
        for (index, token) in words.enumerated() where token.ends && text.contains(token.text + "?") {
            func standsAlone(_ first: Int) -> Bool { first == 0 || words[first - 1].ends }
            let name = standsAlone(index) ? [token] : index > 0 && standsAlone(index - 1) ? [words[index - 1], token] : []
            guard !name.isEmpty, name.allSatisfy(isPlaceWord), name.last!.lower.count >= 3,
                !name.allSatisfy({ CommonWords.english.contains(Substring($0.lower)) }), !rejected.contains(token.lower)
            else { continue }
            return name.map(\.text).joined(separator: " ")
        }
        return nil
    }

    /// A weather cue, or its plural ("storms").
    static func isCue(_ word: String) -> Bool {
        weatherCues.contains(word) || (word.hasSuffix("s") && weatherCues.contains(String(word.dropLast())))
    }

    /// A place named by words that follow a follow-up's opening ("what about Lisbon?"), when the
    /// conversation is about the weather: the words themselves, if they can be a place.
    public static func place(inFollowUp words: String) -> String? {
        let candidate = phrase(tokens(words), from: 0)
        return candidate.map { $0.lowercased() }.map(rejected.contains) == false ? candidate : nil
    }

    struct Token {
        var text: String
        var lower: String
        /// Punctuation (a comma, a question mark) came right after it: a place ends there.
        var ends: Bool
    }

    /// "w/" written out as "with" ("compare w/ Hobart").
    private static func withWith(_ text: String) -> String {
        text.replacing(/(?i)\bw\/\s*/, with: "with ")
    }

    static func tokens(_ text: String) -> [Token] {
        let text = withWith(text)
        var tokens: [Token] = []
        var current = ""
        func flush(ends: Bool) {
            if current.allSatisfy({ $0 == "-" }) {
                // A dash on its own separates ("cape town - shorts or jeans?").
                if !current.isEmpty, let last = tokens.indices.last { tokens[last].ends = true }
            } else {
                tokens.append(Token(text: current, lower: current.lowercased(), ends: ends))
            }
            current = ""
        }
        for character in text {
            if character.isLetter || character.isNumber || character == "-" || character == "'" || character == "’" {
                current.append(character == "’" ? "'" : character)
            } else if character.isWhitespace {
                flush(ends: false)
            } else {
                let hadWord = !current.isEmpty
                flush(ends: true)
                if !hadWord, let last = tokens.indices.last { tokens[last].ends = true }
            }
        }
        flush(ends: true)
        // "what's" → "what's", "lisbon's" → "lisbon" (a possessive is the place itself).
        return tokens.map { token in
            var token = token
            if token.lower.hasSuffix("'s") && !["what's", "it's", "that's", "there's", "how's", "who's", "where's"].contains(token.lower) {
                token.text = String(token.text.dropLast(2))
                token.lower = String(token.lower.dropLast(2))
            }
            return token
        }
    }

    /// The places a question about the weather names. Of the names after a preposition ("in",
    /// "to", "from"…) the likeliest place is taken — a name written as one, after "in", that is no
    /// everyday word: "flying to Buenos Aires for the SOC offsite" asks about Buenos Aires — with
    /// those joined to it ("Oslo and Helsinki"); else a name before or after a cue ("Lisbon
    /// weather?"); else a name the question opens with ("cape town - shorts or jeans?", "Cape Town
    /// vs Edinburgh, which is warmer?"); else names written as names.
    private static func places(in words: [Token]) -> [String] {
        var candidates: [(places: [String], score: Int)] = []
        var index = 0
        while index < words.count {
            guard prepositions.contains(words[index].lower), !words[index].ends else {
                index += 1
                continue
            }
            var start = index + 1
            while start < words.count, articles.contains(words[start].lower), !words[start].ends { start += 1 }
            guard let place = phrase(words, from: start) else {
                index += 1
                continue
            }
            let (joinedPlaces, next) = joined(place, words, after: start + place.split(separator: " ").count)
            let group = joinedPlaces.filter(isPlace)
            if !group.isEmpty {
                candidates.append((group, (group.map(likelihood).max() ?? 0) + (words[index].lower == "in" ? 1 : 0)))
            }
            index = next
        }
        // "how's salt lake city looking?": the frame names the place.
        for (index, word) in words.enumerated() where ["how's", "hows"].contains(word.lower) || (word.lower == "how" && index + 1 < words.count && words[index + 1].lower == "is") {
            let start = index + (word.lower == "how" ? 2 : 1)
            if let place = phrase(words, from: start), start + place.split(separator: " ").count < words.count,
                ["looking", "doing"].contains(words[start + place.split(separator: " ").count].lower), isPlace(place)
            {
                candidates.append(([place], 4))
            }
        }
        // The likeliest; of equals, the first named.
        if let best = candidates.enumerated().max(by: { ($0.element.score, -$0.offset) < ($1.element.score, -$1.offset) }) {
            return best.element.places
        }
        var found: [String] = []
        func add(_ place: String?) {
            guard let place, isPlace(place), !found.contains(where: { $0.lowercased() == place.lowercased() }) else { return }
            found.append(place)
        }
        // Before or after a cue: "Lisbon weather?", "the chicago forecast", "weather dublin"; before
        // any other cue only a name written as one, or in a question of a few words ("dublin cold?").
        for (position, word) in words.enumerated() where isCue(word.lower) {
            var start = position
            while start > 0, start > position - 3, !words[start - 1].ends, isPlaceWord(words[start - 1]) { start -= 1 }
            let named = placeCues.contains(word.lower) || words.count <= 3
                || words[start..<position].allSatisfy { $0.text.first?.isUppercase == true }
            if start < position, named { add(words[start..<position].map(\.text).joined(separator: " ")) }
            guard placeCues.contains(word.lower) else { continue }
            // After it only a name written as one: "forecast Chicago", not "weather nice".
            if found.isEmpty, !word.ends, position + 1 < words.count, words[position + 1].text.first?.isUppercase == true {
                add(phrase(words, from: position + 1))
            }
        }
        if !found.isEmpty { return found }
        leading(words).forEach(add)
        if !found.isEmpty { return found }
        // Names written as names, anywhere but the question's first word.
        var position = 1
        while position < words.count {
            if words[position].text.first?.isUppercase == true, !words[position - 1].ends || position == 1,
                let name = phrase(words, from: position), name.split(separator: " ").allSatisfy({ $0.first?.isUppercase == true })
            {
                add(name)
                position += name.split(separator: " ").count
            } else {
                position += 1
            }
        }
        return found
    }

    /// The names a question opens with when it is about a place ("Mexico City too?", "cape town -
    /// shorts or jeans?", "Cape Town vs Edinburgh, which is warmer?"): words that can be a place, up
    /// to a separator or a joiner, or written as a name.
    public static func leadingName(in text: String) -> String? {
        leading(tokens(text)).first
    }

    private static func leading(_ words: [Token]) -> [String] {
        guard let first = phrase(words, from: 0) else { return [] }
        let count = first.split(separator: " ").count
        guard count < words.count || words[count - 1].ends,
            words[count - 1].ends || (count < words.count && joiners.contains(words[count].lower))
                || first.first?.isUppercase == true || count < words.count && !isPlaceWord(words[count]),
            // Written as a name, or no everyday words ("Mexico City" is both everyday and a name).
            first.first?.isUppercase == true
                || !first.split(separator: " ").allSatisfy({ CommonWords.english.contains(Substring($0.lowercased())) })
        else { return [] }
        return joined(first, words, after: count).0.filter(isPlace)
    }

    /// A place and those joined to it ("… and Boston", "… vs Edinburgh"; "Dublin, Ireland" is one
    /// place: a comma does not start another), and where the words after them start.
    private static func joined(_ place: String, _ words: [Token], after start: Int) -> ([String], Int) {
        var group = [place]
        var next = start
        while next + 1 < words.count, joiners.contains(words[next].lower), let more = phrase(words, from: next + 1) {
            group.append(more)
            next += 1 + more.split(separator: " ").count
        }
        return (group, next)
    }

    /// How likely words after a preposition name a place: written as a name (2; in capitals, 1),
    /// and not everyday words (1).
    private static func likelihood(_ place: String) -> Int {
        let words = place.split(separator: " ")
        let named = words.allSatisfy { $0.first?.isUppercase == true }
        let capitals = words.allSatisfy { $0.allSatisfy { !$0.isLetter || $0.isUppercase } }
        let everyday = words.allSatisfy { CommonWords.english.contains(Substring($0.lowercased())) }
        return (named ? (capitals ? 1 : 2) : 0) + (everyday ? 0 : 1)
    }

    /// Whether the words can be a place at all (not "k", not "the office", not "general").
    private static func isPlace(_ place: String) -> Bool {
        place.filter(\.isLetter).count >= 3 && !rejected.contains(place.lowercased())
    }

    /// Up to four words from `start` that can be a place, ending at punctuation or at a word
    /// that is not part of a place ("today", "right now", "please").
    static func phrase(_ words: [Token], from start: Int) -> String? {
        var end = start
        // A name written as one ends at the first word that is not ("Mexico City crew" is Mexico
        // City), bar the small words inside names ("Rio de Janeiro").
        let named = start < words.count && words[start].text.first?.isUppercase == true
        while end < words.count, end - start < 4, isPlaceWord(words[end]) {
            if named, end > start, words[end].text.first?.isUppercase != true, !nameConnectors.contains(words[end].lower) { break }
            // Unwritten as a name, a place goes on only with words places are named with ("salt
            // lake city", "new york"), not everyday ones ("reykjavik just got pushed").
            if !named, end > start, CommonWords.english.contains(Substring(words[end].lower)),
                !nameWords.contains(words[end].lower)
            {
                break
            }
            end += 1
            if words[end - 1].ends { break }
        }
        guard end > start else { return nil }
        // "Portland OR", "Paris FR": the code is not part of the name the geocoder knows.
        if end - start > 1, words[end - 1].text.count == 2, words[end - 1].text.allSatisfy(\.isUppercase) { end -= 1 }
        return words[start..<end].map(\.text).joined(separator: " ")
    }

    private static func isPlaceWord(_ word: Token) -> Bool {
        word.text.first?.isLetter == true && !notPlace.contains(word.lower) && !isCue(word.lower)
    }

    /// Words that mean the question is about the weather.
    static let weatherCues: Set<String> = [
        "weather", "temperature", "temperatures", "temp", "temps", "forecast", "forecasts", "rain", "raining",
        "rainy", "snow", "snowing", "snowy", "cold", "colder", "hot", "hotter", "warm", "warmer", "chilly",
        "freezing", "umbrella", "sunny", "cloudy", "windy", "wind", "humid", "humidity", "degrees", "celsius",
        "fahrenheit", "storm", "stormy", "thunderstorm", "foggy", "fog", "jacket", "coat", "sunscreen", "drizzle",
        "hail", "sleet", "icy", "heatwave", "conditions", "outside", "overcast", "weather's", "pouring", "muggy",
        "lightning", "thunder", "drizzling", "showers", "humid", "sweltering", "frosty", "snowstorm", "typhoon",
        "hurricane", "monsoon", "shorts", "jeans", "sweater", "hoodie", "layers", "boots", "gloves", "scarf",
        "sunglasses", "wet", "breezy", "gusty", "warmest", "coldest", "hottest", "storming", "storms", "snowfall",
        "wear", "sky", "skies", "clouds", "sun", "raincoat", "snowed", "rained", "frost",
    ]

    /// Phrases that ask about the weather.
    static let weatherPhrases = [
        "how's it looking", "hows it looking", "what's it like", "whats it like", "what is it like", "like outside",
        "like out there", "what's it doing", "whats it doing", "nice out", "is it nice",
    ]

    /// Cues a place may stand right before or after ("Lisbon weather?", "forecast Dublin").
    private static let placeCues: Set<String> = ["weather", "forecast", "temperature", "temp", "temps", "weather's"]

    private static let joiners: Set<String> = ["and", "or", "vs", "versus"]
    private static let nameConnectors: Set<String> = ["de", "da", "do", "del", "la", "le", "los", "las", "upon", "am", "sur"]
    /// Everyday words that are also parts of place names.
    private static let nameWords: Set<String> = Set([
        "city", "town", "lake", "beach", "springs", "river", "falls", "bay", "port", "new", "san", "santa", "saint",
        "st", "fort", "mount", "island", "islands", "valley", "hills", "park", "heights", "north", "south", "east",
        "west", "upper", "lower", "great", "little", "long", "palm", "green", "grand", "key", "cape", "point",
        "harbor", "harbour", "coast", "salt", "rock", "york", "jersey", "hampshire", "wales", "land", "sea",
    ]).union(nameConnectors)
    private static let prepositions: Set<String> = [
        "in", "for", "at", "near", "around", "over", "across", "to", "from", "through", "via", "into", "with", "vs",
        "versus",
    ]
    private static let articles: Set<String> = ["the", "downtown", "central"]

    /// Words that end a place or cannot start one.
    static let notPlace: Set<String> = [
        "today", "tonight", "tomorrow", "now", "right", "currently", "this", "next", "the", "a", "an", "please", "pls",
        "plz", "and", "or", "is", "it", "it's", "there", "here", "like", "be", "was", "will", "going", "gonna", "at",
        "in", "on", "for", "to", "of", "with", "my", "our", "your", "me", "i", "we", "you", "what", "what's", "how",
        "whats", "does", "do", "did", "should", "would", "need", "moment", "morning", "afternoon", "evening", "night",
        "weekend", "week", "hour", "hours", "minute", "degrees", "f", "c", "celsius", "fahrenheit", "thanks",
        "thank", "too", "as", "well", "also", "then", "than", "rn", "atm", "asap", "later", "soon", "outside",
        "general", "there's", "so", "any", "if", "when", "that", "vs", "versus", "by", "from", "up", "down",
        "really", "very", "pretty", "quite", "super", "bit", "getting", "still", "not", "no", "how", "why", "where",
        "who", "which", "are", "am", "can", "could", "might", "get", "gets", "feel", "feels", "looks", "look",
        "ok", "okay", "cool", "great", "nice", "thx", "ty", "perfect", "awesome", "yes", "yep", "nope", "hmm", "lol",
        "bye", "hi", "hello", "hey", "good", "bad", "fine", "same", "again", "more", "tmrw", "tmr", "tmw", "2moro",
        "tonite", "tomoz", "shortly", "crew", "team", "office", "trip", "offsite", "onsite", "dc", "datacenter",
        "site", "hq", "campus", "branch", "conference", "meeting", "summit", "airport", "hotel", "standup", "audit",
        "visit", "event", "flight", "layover", "hows", "wheres", "looking", "below", "above", "under", "tho",
        "though", "lol", "wknd", "weekend", "next", "ski", "skiing", "hiking", "running", "run", "golf", "surfing",
        "walk", "commute", "drive",
    ]

    /// What follows "in" or "for" in a weather question without being a place.
    static let rejected: Set<String> = [
        "it", "there", "here", "town", "the office", "office", "my area", "the area", "the city", "general",
        "celsius", "fahrenheit", "degrees", "a bit", "case", "short", "sure", "fact", "real", "total", "advance",
    ]
}
