import Foundation
import PokedexSettings

/// A question as runbook search reads it: its words (lowercased, without stop words), each with
/// the words a SOC runbook may use for it instead ("isolate" → "contain", "at night" → "outside
/// business hours"), a misspelt word replaced by the index's nearest term, and how much of the
/// question the index knows — so that a question no runbook answers gets no answer rather than
/// the least-bad section.
struct RunbookQuery {
    /// One word of the question and its alternatives; the group matches when any of them does.
    struct Group: Equatable {
        var words: [String]
        /// Not the question's own word but what its form implies ("who" → a roster): it ranks, it
        /// does not count towards how much of the question the runbooks know.
        var implied = false
    }

    var groups: [Group]

    init(_ question: String) {
        let words = Self.words(question)
        var groups: [Group] = []
        var seen = Set<String>()
        var index = 0
        while index < words.count {
            // Two-word phrases first ("post mortem", "after hours").
            if index + 1 < words.count, let synonyms = Self.thesaurus["\(words[index]) \(words[index + 1])"] {
                groups.append(Group(words: synonyms))
                index += 2
                continue
            }
            let word = words[index]
            index += 1
            guard word.count > 1 || word.first?.isNumber == true, !Self.stopWords.contains(word),
                seen.insert(word).inserted
            else { continue }
            // "2am", "11pm": the night, as runbooks say it.
            let night = word.wholeMatch(of: /\d{1,2}(am|pm)/) != nil ? Self.thesaurus["night"] : nil
            groups.append(Group(words: [word] + (Self.alternatives(of: word) ?? night ?? [])))
        }
        // "Who is…", "who's…", "ok whos…": people are listed in tables (``RunbookIndex/cues(_:)``).
        if words.prefix(3).contains(where: ["who", "whom", "whos"].contains), !groups.isEmpty {
            groups.append(Group(words: ["roster"], implied: true))
        }
        self.groups = groups
    }

    /// What an everyday English word the runbooks do not know weighs against a rare one.
    static let everydayWeight = 0.3

    /// Every word to look for.
    var allWords: [String] {
        var seen = Set<String>()
        return groups.flatMap(\.words).filter { seen.insert($0).inserted }
    }

    /// How much of the question the index knows: the weight (inverse document frequency) of the
    /// groups found in it over that of all groups, a group found nowhere weighing as much as the
    /// rarest word found — or, when it is an everyday English word ("getting", "weird"), a
    /// ``everydayWeight`` of that. A question half about something no runbook mentions ("the
    /// vacation policy") scores below one half; one in which only one everyday word is found ("how's
    /// your day going") scores 0.
    /// - Parameters:
    ///   - found: in how many chunks each word is (0 or absent: nowhere).
    ///   - chunks: how many chunks the index holds.
    func coverage(found: [String: Int], chunks: Int) -> Double {
        func weight(_ count: Int) -> Double {
            log(1 + (Double(chunks) - Double(count) + 0.5) / (Double(count) + 0.5))
        }
        var known = 0.0
        var unknown = 0.0
        var topical = 0  // words found that are the runbooks' own (or several everyday ones)
        for group in groups where !group.implied {
            let count = group.words.map { found[$0] ?? 0 }.max() ?? 0
            if count > 0 {
                known += weight(count)
                topical += group.words.count > 1 || !CommonWords.english.contains(Substring(group.words[0])) ? 2 : 1
            } else {
                // As heavy as the rarest word, unless it is an everyday word around the subject.
                unknown += weight(1) * (CommonWords.english.contains(Substring(group.words[0])) ? Self.everydayWeight : 1)
            }
        }
        // One everyday word found ("how's your day going"): small talk, not a runbook question.
        return known + unknown == 0 || topical < 2 ? 0 : known / (known + unknown)
    }

    /// The question's words, lowercased, split at anything that is not a letter or digit.
    static func words(_ question: String) -> [String] {
        question.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
    }

    /// Words too common to rank on.
    static let stopWords: Set<String> = [
        "a", "about", "all", "also", "am", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by", "can",
        "come", "could", "did", "do", "does", "done", "for", "from", "get", "got", "had", "has", "have", "he", "her",
        "here", "his", "how", "i", "if", "in", "into", "is", "it", "its", "just", "let", "may", "me", "mean", "means",
        "might", "must", "my", "need", "now", "of", "on", "or", "our", "out", "please", "s", "she", "should", "so",
        "some", "still", "than", "that", "the", "their", "them", "then", "there", "these", "they", "this", "those",
        "to", "up", "us", "was", "we", "were", "what", "whats", "when", "where", "which", "whether", "who", "whos", "why", "hows", "wheres", "whens",
        "will", "with", "would", "you", "your",
        // Chat shorthand that asks nothing of a runbook.
        "ok", "okay", "pls", "plz", "thx", "ty", "btw", "lol", "hey", "hi", "yo", "u", "ur", "im", "rn", "atm", "tho",
        "ya", "gonna", "wanna", "quick", "again", "right",
    ]

    /// A word's entry in the thesaurus, or that of its stem ("reimaged" → "reimage", "beacons" →
    /// "beacon").
    static func alternatives(of word: String) -> [String]? {
        if let entry = thesaurus[word] { return entry }
        for ending in ["ing", "ed", "es", "s", "d"] where word.count > ending.count + 2 && word.hasSuffix(ending) {
            if let entry = thesaurus[String(word.dropLast(ending.count))] { return entry }
        }
        return nil
    }

    /// What SOC runbooks call things that analysts ask about in other words. Kept small and
    /// general (no runbook's own wording): `pokedex-bench retrieval` shows what each entry earns.
    static let thesaurus: [String: [String]] = [
        "isolate": ["contain", "containment"], "isolation": ["containment"], "isolated": ["contained"],
        "quarantine": ["contain", "containment"], "uncontain": ["lift", "containment"],
        "unisolate": ["lift", "containment"], "release": ["lift"],
        "machine": ["host"], "box": ["host"], "computer": ["host"], "endpoint": ["host"], "device": ["host"],
        "workstation": ["host"], "pc": ["host"], "server": ["host"],
        "edr": ["falcon", "crowdstrike"], "av": ["falcon"],
        "ic": ["incident", "commander"], "ir": ["incident", "response"],
        "night": ["outside", "business", "hours", "pager"], "overnight": ["outside", "business", "hours", "pager"],
        "tonight": ["night", "outside", "business", "hours", "pager"],
        "weekend": ["outside", "business", "hours", "pager"], "after hours": ["outside", "business", "hours"],
        "call": ["page", "phone"], "phone": ["call"], "reach": ["page", "call"],
        "contact": ["escalate", "page"], "contacts": ["escalation"],
        "postmortem": ["lessons", "learned", "review"], "post mortem": ["lessons", "learned", "review"],
        "retrospective": ["lessons", "learned"], "retro": ["lessons", "learned"],
        "signs": ["recognise"], "symptoms": ["recognise"], "indicators": ["recognise"],
        "recognize": ["recognise"], "detect": ["recognise", "detections"], "identify": ["recognise"],
        "spoofing": ["headers", "dmarc", "spf"], "spoofed": ["headers", "dmarc"], "link": ["url"], "links": ["urls"],
        "email": ["mail", "message"], "mail": ["email", "message"],
        "recover": ["restore", "rebuild"], "recovery": ["restore", "rebuild"],
        "owns": ["owner"], "responsible": ["owner"],
        "notification": ["notify"], "breach": ["notification", "legal"],
        "leadership": ["executive"], "management": ["leadership"],
        "encrypted": ["encryption"], "infected": ["affected"],
        "first steps": ["first", "steps"], "first step": ["first", "steps"], "initial": ["first"],
        "immediately": ["first"], "know": ["recognise"], "tell": ["recognise"], "allowed": ["may"],
        "permitted": ["may"], "see": ["check", "status"], "state": ["status"], "runbook": ["first", "steps"],
        "playbook": ["runbook", "first", "steps"], "procedure": ["steps"], "process": ["steps"],
        // SOC shorthand: severities, products, jargon (general, not any one runbook's wording).
        "sev1": ["p1"], "sev2": ["p2"], "sev3": ["p3"], "critical": ["p1"], "cs": ["crowdstrike", "falcon"],
        "c2": ["command", "control"],
        "beacon": ["command", "control"], "beaconing": ["command", "control"], "phish": ["phishing"],
        "phished": ["phishing"], "creds": ["credentials", "password"], "cred": ["credentials"],
        "password": ["credentials"], "wipe": ["rebuild"], "reimage": ["rebuild"], "nuke": ["rebuild"],
        "crypto": ["ransom", "pay"], "bitcoin": ["ransom", "pay"], "unplug": ["contain"], "disconnect": ["contain"],
        "reconnect": ["lift"], "unquarantine": ["lift"], "lawyer": ["legal"], "lawyers": ["legal"],
        "regulator": ["notification", "legal"], "gdpr": ["notification", "privacy"], "exec": ["executive"],
        "execs": ["executive", "leadership"], "ciso": ["executive", "leadership"], "cio": ["executive"],
        "snapshots": ["backups", "shadow"], "vss": ["shadow", "copies"], "pir": ["lessons", "review"],
        "aar": ["lessons", "review"], "dfir": ["incident", "response", "evidence"], "ioc": ["indicators"],
        "iocs": ["indicators"], "sha256": ["hashes"], "md5": ["hashes"], "oncall": ["call", "page"],
        "pager": ["page"], "rtr": ["real", "time", "response"], "shell": ["response"], "dc": ["domain", "controllers"],
        "db": ["databases"], "approve": ["approval"], "signoff": ["approval"], "zip": ["archives", "attachments"],
        // Office files with macros and other mail-borne file types: an attachment.
        "docm": ["attachments", "macros"], "xlsm": ["attachments", "macros"], "pptm": ["attachments", "macros"],
        "docx": ["attachments"], "xlsx": ["attachments"], "rar": ["archives", "attachments"],
        "7z": ["archives", "attachments"], "lnk": ["attachments"],
        "attachment": ["attachments"], "lock": ["disable"], "wire": ["network"], "let back": ["lift"],
        "back on": ["lift"], "cut off": ["contain"], "pw": ["password", "credentials"], "pwd": ["password"],
        "btc": ["ransom", "pay"], "cfo": ["executive", "finance"], "ceo": ["executive"], "ea": ["executive", "assistant"],
        "yank": ["power"], "shutdown": ["power"], "tinyurl": ["shortened", "links", "url"],
        "bitly": ["shortened", "links", "url"], "shortlink": ["shortened", "links"], "fake": ["phishing", "lookalike"],
        "typed": ["entered"], "mgmt": ["leadership", "executive"], "ppl": ["people"], "midnight": ["outside", "business", "hours", "pager"],
        // Undoing containment however it is written ("un-isolate", "give it its network back").
        "un isolate": ["lift", "containment"], "un contain": ["lift", "containment"],
        "un quarantine": ["lift", "containment"], "network back": ["lift"], "deisolate": ["lift", "containment"],
        "immediate": ["first"], "right now": ["first"], "asap": ["first"],
        "blast radius": ["scope"], "spread": ["scope"], "extent": ["scope"], "lateral": ["scope"],
        "paperwork": ["record", "ticket"], "resolved": ["close"], "resolve": ["close"], "wrap up": ["close"],
        "forged": ["spoofed", "headers"], "impersonating": ["lookalike", "headers"], "tkt": ["ticket"],
        "tix": ["tickets"],
        // Chat words for what runbooks say in full.
        "ack": ["acknowledgement"], "acked": ["acknowledgement"], "unacked": ["acknowledgement"],
        "popped": ["compromised"], "pwned": ["compromised"], "owned": ["compromised"], "hacked": ["compromised"],
        "login": ["sign", "logged"], "logins": ["sign", "logged"], "logon": ["sign", "logged"],
        "logons": ["sign", "logged"], "newsletter": ["spam", "benign"], "marketing": ["spam", "benign"],
        "junk": ["spam"], "negotiate": ["contact", "attackers"], "ransom": ["pay"],
    ]

    /// The term of `vocabulary` nearest to a word that the index does not know, when one is
    /// near enough to be a typing mistake: one edit for words up to seven letters, two for longer
    /// ones (transposed letters count as one edit). Terms are the index's stems ("ransomwar"), so a
    /// word is compared with each term and its usual endings ("ransomware", "phishing").
    static func correction(of word: String, in vocabulary: [(term: String, chunks: Int)]) -> String? {
        guard word.count >= 4, word.allSatisfy(\.isLetter) else { return nil }
        let allowed = word.count <= 7 ? 1 : 2
        let letters = Array(word)
        var best: (term: String, distance: Int, chunks: Int)?
        for (term, chunks) in vocabulary where term.count >= 3 && term.count <= word.count + allowed {
            // A stemmer's final "i" stands for a "y" ("nobodi" for "nobody").
            let stems = term.hasSuffix("i") ? [term, term.dropLast() + "y"] : [term]
            for stem in stems {
                for ending in endings where abs(stem.count + ending.count - word.count) <= allowed {
                    let distance = editDistance(letters, Array(stem + ending))
                    guard distance <= allowed else { continue }
                    if best == nil || distance < best!.distance || (distance == best!.distance && chunks > best!.chunks) {
                        best = (term, distance, chunks)
                    }
                }
            }
        }
        return best?.term
    }

    /// What a stemmer takes off words, to compare a word with the stem of its correct spelling.
    static let endings = ["", "e", "s", "es", "ed", "ing", "er", "ers", "ion", "ions", "ment", "ments", "ly", "y", "al"]
}
