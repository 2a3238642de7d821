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
        if words.contains(where: { isCue($0.lower) }) { return places(in: words) }
        guard weatherTalk, words.count <= 12 else { return [] }
        // No cue, but the weather was the subject: "in" and a name that is no everyday word.
        return places(in: words).filter { place in
            text.lowercased().contains("in " + place.lowercased())
                && !place.lowercased().split(separator: " ").allSatisfy { CommonWords.english.contains($0) }
        }
    }

    /// Whether the question asks about the weather.
    public static func hasWeatherCue(_ text: String) -> Bool {
        tokens(text).contains { isCue($0.lower) }
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

    static func tokens(_ text: String) -> [Token] {
        var tokens: [Token] = []
        var current = ""
        func flush(ends: Bool) {
            if !current.isEmpty { tokens.append(Token(text: current, lower: current.lowercased(), ends: ends)) }
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

    private static func places(in words: [Token]) -> [String] {
        var found: [String] = []
        func add(_ place: String?) {
            guard let place, !rejected.contains(place.lowercased()),
                !found.contains(where: { $0.lowercased() == place.lowercased() })
            else { return }
            found.append(place)
        }
        // After a preposition: "in Lisbon", "for New York and Boston".
        var index = 0
        while index < words.count {
            if prepositions.contains(words[index].lower), !words[index].ends {
                var start = index + 1
                while start < words.count, articles.contains(words[start].lower), !words[start].ends { start += 1 }
                if let place = phrase(words, from: start) {
                    add(place)
                    var next = start + place.split(separator: " ").count
                    // "… and Boston" ("Dublin, Ireland" is one place: a comma does not start another).
                    while next + 1 < words.count, joiners.contains(words[next].lower), let more = phrase(words, from: next + 1) {
                        add(more)
                        next += 1 + more.split(separator: " ").count
                    }
                    index = next
                    continue
                }
            }
            index += 1
        }
        guard found.isEmpty else { return found }
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
        return found
    }

    /// Up to four words from `start` that can be a place, ending at punctuation or at a word
    /// that is not part of a place ("today", "right now", "please").
    static func phrase(_ words: [Token], from start: Int) -> String? {
        var end = start
        while end < words.count, end - start < 4, isPlaceWord(words[end]) {
            end += 1
            if words[end - 1].ends { break }
        }
        guard end > start else { return nil }
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
        "hurricane", "monsoon",
    ]

    /// Cues a place may stand right before or after ("Lisbon weather?", "forecast Dublin").
    private static let placeCues: Set<String> = ["weather", "forecast", "temperature", "temp", "temps", "weather's"]

    private static let joiners: Set<String> = ["and", "or", "vs", "versus"]
    private static let prepositions: Set<String> = ["in", "for", "at", "near", "around", "over", "across"]
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
        "bye", "hi", "hello", "hey", "good", "bad", "fine", "same", "again", "more",
    ]

    /// What follows "in" or "for" in a weather question without being a place.
    static let rejected: Set<String> = [
        "it", "there", "here", "town", "the office", "office", "my area", "the area", "the city", "general",
        "celsius", "fahrenheit", "degrees", "a bit", "case", "short", "sure", "fact", "real", "total", "advance",
    ]
}
