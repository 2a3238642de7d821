import Testing

@testable import PokedexTools

/// SPEC 3.2: what a question names decides which tool looks, whatever its verbs.
@Suite("Reading questions")
struct QuestionReadingTests {
    @Test(arguments: [
        ("is WS-1234 contained?", ["WS-1234"]),
        ("what OS is ws-5521 running", ["ws-5521"]),
        ("tell me about fs01.corp.example.com", ["fs01.corp.example.com"]),
        ("check mailgw.ad.local pls", ["mailgw.ad.local"]),
        ("has SRV-DB01 been cut off yet", ["SRV-DB01"]),
        ("when did we last hear from dc01?", ["dc01"]),
        ("status of WS-1234 and LAPTOP-77?", ["WS-1234", "LAPTOP-77"]),
        ("is the box FINANCE-PC quarantined", ["FINANCE-PC"]),
        ("host mail_gw reachable?", ["mail_gw"]),
        ("'WS-1234'?", ["WS-1234"]),
        ("her laptop is hr-lt-mbarros. is it isolated", ["hr-lt-mbarros"]),
        ("the box is called reception-kiosk, is it online", ["reception-kiosk"]),
        ("check nyc-fin-jdoe please", ["nyc-fin-jdoe"]),
        // A device code joined to a person's name, without a digit in it.
        ("is lt-pwisniewski contained", ["lt-pwisniewski"]), ("pls network contain mbp-jnovak", ["mbp-jnovak"]),
    ])
    func hostsAreFoundHoweverTheQuestionIsPhrased(question: String, hosts: [String]) {
        #expect(EntityReader.hosts(in: question) == hosts)
    }

    @Test(arguments: [
        "I'm on incident INC-4471, any update?", "is CVE-2024-3400 exploited here?", "T1059.001 detections?",
        "what counts as a sev1 or P1?", "page me at 3am", "do we still allow SMBv1 or TLS1.0?", "log4j again?",
        "is sha256 enough", "see ransomware-response.md", "are we on Win11 yet", "runbook for x64 builds",
        "is this a man-in-the-middle?", "seeing pass-the-hash attempts", "any living-off-the-land binaries?",
        "• Status: lift_containment_pending", "status is containment-pending-approval",
        "it got re-imaged yesterday", "un-isolate it", "need a sign-off first", "co-worker saw it", "ad-hoc scan?",
    ])
    func wordsOfThatShapeThatAreNotHosts(question: String) {
        #expect(EntityReader.hosts(in: question).isEmpty, "\(EntityReader.entities(in: question))")
    }

    @Test func indicatorsAreFoundByTheirShape() {
        let text = """
            saw 10.20.30.40 and fe80::1ff:fe23:4567:890a beaconing to evil-login.com, \
            see https://intel.example.net/x?id=1 from bob@example.org, hash \
            44d88612fea8a8f36de82e1278abb02f and 275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f
            """
        let found = EntityReader.entities(in: text)
        #expect(found.filter { $0.kind == .ip }.map(\.value) == ["10.20.30.40", "fe80::1ff:fe23:4567:890a"])
        #expect(found.filter { $0.kind == .domain }.map(\.value) == ["evil-login.com"])
        #expect(found.filter { $0.kind == .url }.count == 1)
        #expect(found.filter { $0.kind == .email }.map(\.value) == ["bob@example.org"])
        #expect(found.filter { $0.kind == .hash }.count == 2)
        #expect(found.filter { $0.kind == .host }.isEmpty)
        #expect(EntityReader.entities(in: "256.1.1.1 and 1.2.3").allSatisfy { $0.kind != .ip })
    }

    @Test(arguments: [
        ("temperature in Lisbon?", ["Lisbon"]),
        ("is it raining in São Paulo right now", ["São Paulo"]),
        ("do I need an umbrella in london today", ["london"]),
        ("Chicago weather?", ["Chicago"]),
        ("what's the forecast for tomorrow in Paris", ["Paris"]),
        ("how cold is it in Oslo and Helsinki", ["Oslo", "Helsinki"]),
        ("weather in Dublin, Ireland please", ["Dublin"]),
        ("is it cold outside?", []),
        ("how is the weather today?", []),
        ("our office in Denver needs a new firewall", []),
        ("flight to reykjavik just got pushed 4h, is it snowing there", ["reykjavik"]),
        ("montreal below freezing still?", ["montreal"]), ("need a coat for the zurich offsite? how cold is it", ["zurich"]),
        ("flying to Buenos Aires tmrw for the SOC offsite, do I need a jacket", ["Buenos Aires"]),
        ("hows salt lake city looking for skiing, cold enough?", ["salt lake city"]),
        ("Denver skies tonight?", ["Denver"]),
    ])
    func placesAreReadOnlyInQuestionsAboutTheWeather(question: String, places: [String]) {
        #expect(PlaceReader.places(in: question) == places)
    }

    static let earlier: [[Entity]] = [[Entity(.host, "WS-2001")], [Entity(.place, "Oslo")]]

    @Test(arguments: [
        ("and is it online?", [Entity(.host, "WS-2001")]),
        ("what OS does it run?", [Entity(.host, "WS-2001")]),
        ("and that box, still quarantined?", [Entity(.host, "WS-2001")]),
        ("is it cold there?", [Entity(.place, "Oslo")]),
        ("what about LAPTOP-77?", [Entity(.host, "LAPTOP-77")]),
        ("same for ws-3003", [Entity(.host, "ws-3003")]),
        ("ok and is it still talking to the cloud at least? need a shell", [Entity(.host, "WS-2001")]),
        ("did it drop off overnight", [Entity(.host, "WS-2001")]),
        ("when did it last phone home", [Entity(.host, "WS-2001")]),
    ])
    func followUpsResolveFromEarlierTurns(question: String, entities: [Entity]) {
        let reading = QuestionReading(question, earlier: Self.earlier)
        #expect(reading.entities == entities)
    }

    @Test func aPlaceFollowUpAfterTheWeather() {
        let reading = QuestionReading("what about Lisbon?", earlier: [[Entity(.place, "Oslo")]])
        #expect(reading.entities == [Entity(.place, "lisbon")])
        #expect(reading.followsUp)
    }

    @Test func hostsAreCalledByPartOfTheirNameOrByWhatTheyAre() {
        let earlier: [[Entity]] = [[Entity(.host, "LDN-SQL-0917"), Entity(.host, "mbp-design-03.corp.example.net")]]
        let aliases = ["mbp-design-03.corp.example.net": Set(["macos", "mac", "workstation"])]
        func read(_ question: String) -> [Entity] { QuestionReading(question, earlier: earlier, aliases: aliases).entities }
        #expect(read("is the sql one still up") == [Entity(.host, "LDN-SQL-0917")])
        #expect(read("sorry, 0917") == [Entity(.host, "LDN-SQL-0917")])
        #expect(read("when did the mac last check in") == [Entity(.host, "mbp-design-03.corp.example.net")])
        // A first label said alone is the full name said before.
        #expect(read("is mbp-design-03 online") == [Entity(.host, "mbp-design-03.corp.example.net")])
        #expect(read("last check-in + os?") == earlier[0])
    }

    @Test(arguments: [
        ("and london? got a layover there", "london"), ("ok last one, kaunas? might visit", "kaunas"),
        ("whats it doing down in Ushuaia, my cousin is there", "Ushuaia"), ("new york?", "new york"),
        ("Mexico City too? they're on the same carrier", "Mexico City"),
    ])
    func aPlaceAfterTheWeatherNeedsNoCueOfItsOwn(question: String, place: String) {
        #expect(QuestionReading(question, earlier: [[Entity(.place, "Oslo")]]).entities == [Entity(.place, place)])
    }

    @Test(arguments: [
        "thanks!", "tell me a joke", "what does EDR stand for?", "and what's the phishing runbook?",
        "lol the coffee machine on 3rd floor died again",
    ])
    func otherQuestionsDoNotReachBack(question: String) {
        #expect(QuestionReading(question, earlier: Self.earlier).entities.isEmpty)
    }

    /// What a question asks of a name makes it a host when its shape does not.
    @Test(arguments: [
        ("edigateway up?", ["edigateway"]), ("check pilotage-kiosk", ["pilotage-kiosk"]),
        ("is berthplanner back online yet?", ["berthplanner"]),
        ("quaycrane-hmi vs BERTHPLANNER, which one is isolated?", ["quaycrane-hmi", "BERTHPLANNER"]),
        ("buenas 👋 is gatehouse.vlp.australport.cl still isolated?", ["gatehouse.vlp.australport.cl"]),
        ("lift containment on gatehouse.vlp.australport.cl, INC-48190 is closed", ["gatehouse.vlp.australport.cl"]),
        ("mail passes SPF but DMARC fails and the domain is austra1port.cl 🤔 sus?", []),
        ("check dmarc for that sender", []), ("contain the outbreak now", []), ("status update please", []),
        ("is evil-login.com a phishing domain?", []),
    ])
    func aNameIsAHostByWhatIsAskedOfIt(question: String, hosts: [String]) {
        #expect(QuestionReading(question).entities(.host).map(\.value) == hosts)
    }

    @Test func theSecondOneIsTheSecondHostOfTheLastTurn() {
        let earlier: [[Entity]] = [[Entity(.host, "quaycrane-hmi"), Entity(.host, "BERTHPLANNER")]]
        #expect(QuestionReading("is the second one online?", earlier: earlier).entities == [Entity(.host, "BERTHPLANNER")])
        #expect(QuestionReading("and the former?", earlier: earlier).entities == [Entity(.host, "quaycrane-hmi")])
        // After a turn about one of them, "the first one" still means the first of the two.
        let later = [[Entity(.host, "BERTHPLANNER")]] + earlier
        #expect(QuestionReading("what about the first one", earlier: later).entities == [Entity(.host, "quaycrane-hmi")])
        #expect(QuestionReading("is that thing even online", earlier: later).entities == [Entity(.host, "BERTHPLANNER")])
    }

    @Test(arguments: [("lol and tromso?", "tromso"), ("compare w/ Hobart, tasmania", "Hobart")])
    func aWeatherFollowUpAfterChatWords(question: String, place: String) {
        #expect(QuestionReading(question, earlier: [[Entity(.place, "Gdansk")]]).entities == [Entity(.place, place)])
    }

    @Test func aQuestionAboutAHostStateIsNoPlaceAfterTheWeather() {
        let earlier: [[Entity]] = [[Entity(.host, "vpn-gw-fra1")], [Entity(.place, "Ostrava")]]
        #expect(QuestionReading("online?", earlier: earlier).entities == [Entity(.host, "vpn-gw-fra1")])
    }

    @Test func aHostCalledByPartOfItsNameIsFoundFurtherBackThanAPronounReaches() {
        let earlier: [[Entity]] = [
            [Entity(.place, "Gdansk")], [Entity(.place, "Poznan")], [Entity(.host, "VRC-KTW-DC02")],
            [Entity(.host, "dispatch-wro-07")], [Entity(.host, "dispatch-wro-07")],
        ]
        let reading = QuestionReading("wait what was the ticket nr for the wroclaw dispatch box", earlier: earlier)
        #expect(reading.entities == [Entity(.host, "dispatch-wro-07")])
    }

    @Test(arguments: [
        ("contain LAPTOP-77", "contain", "LAPTOP-77"),
        ("please isolate ws-5521 now", "contain", "ws-5521"),
        ("can you quarantine WS-1234?", "contain", "WS-1234"),
        ("pls network-contain srv-07", "contain", "srv-07"),
        ("lift containment on WS-1234", "lift", "WS-1234"),
        ("release WS-1234 from isolation", "lift", "WS-1234"),
        ("ok, un-isolate it", "lift", "WS-2001"),
        ("WS-1234 is beaconing to a C2, it needs to be contained asap", "contain", "WS-1234"),
        ("need ws-5521 isolated before the users log in", "contain", "ws-5521"),
        ("get srv-07 off the network", "contain", "srv-07"),
        ("cut LAPTOP-77 off", "contain", "LAPTOP-77"),
        ("could we quarantine WS-1234 pls", "contain", "WS-1234"),
        ("WS-1234 is rebuilt, put it back on the network", "lift", "WS-1234"),
        ("take WS-1234 out of isolation", "lift", "WS-1234"),
        ("lift the quarantine on WS-1234", "lift", "WS-1234"),
        ("mimikatz on it. I want that box isolated before anything else", "contain", "WS-2001"),
        ("k, lock that host down pls", "contain", "WS-2001"),
        ("it's beaconing every 60s. needs to come off the network asap", "contain", "WS-2001"),
        ("tier2 closed the case, free it", "lift", "WS-2001"),
        ("once it's rebuilt, lift containment on it", "lift", "WS-2001"),
    ])
    func requestsToActAreRecognised(message: String, action: String, host: String) throws {
        let reading = QuestionReading(message, earlier: Self.earlier)
        let request = try #require(reading.request(among: ContainmentTool.actions))
        #expect(request.action.arguments["action"] == .string(action))
        #expect(request.targets == [Entity(.host, host)])
    }

    @Test(arguments: [
        "is WS-1234 contained?", "has LAPTOP-77 been isolated", "should we contain WS-1234?",
        "what's the containment status of WS-1234", "how do I isolate a host?", "containment WS-1234",
        "isolate a host in falcon", "don't isolate WS-1234 yet, legal wants a look first",
        "WS-1234 was contained yesterday", "WS-1234 has been isolated since monday", "can I contain WS-1234?",
        "is it safe to isolate WS-1234?", "why was WS-1234 released?",
        "WS-1234 and LAPTOP-77 - both still cut off? and are they up", "wasnt WS-1234 already isolated last week?",
        "ok once WS-1234 is cut off can we still get a shell on it?",
        "the DBA is asking to isolate WS-1234 because of odd logins. am i allowed to do that myself",
        "jump-02.dmz.example.net — did the uncontain go through or is it still hanging",
        "handover: status of WS-1234 and LAPTOP-77 please, neither should be contained",
        "fs01.corp.example.net. has it been isolated",
        "if we ever had to isolate the prod db WS-1234, whose approval do we need",
        "once LAPTOP-77 is contained, who tells the owner",
        "it's a crane HMI WS-1234 tho, is it fine to contain OT kit or do i need approval for some types of boxes",
    ])
    func questionsAboutStateNeverStartAnAction(question: String) {
        #expect(QuestionReading(question, earlier: Self.earlier).request(among: ContainmentTool.actions) == nil)
    }
}
