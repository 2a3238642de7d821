import Foundation
import PokedexSessions
import PokedexTesting
import Testing

/// The behaviour every ``SessionStore`` must have (SPEC section 1), run against each backend.
@Suite("SessionStore conformance")
struct SessionStoreConformanceTests {
    @Test(arguments: StoreKind.allCases)
    func sessionsAreIsolatedByStructuredKey(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let first = SessionKey(user: "a_b", room: "c")
        let second = SessionKey(user: "a", room: "b_c")
        let swapped = SessionKey(user: "c", room: "a_b")
        try await store.append(.user, "one", to: first)
        try await store.append(.user, "two", to: second)
        try await store.append(.user, "three", to: swapped)

        #expect(try await store.history(of: first).map(\.content) == ["one"])
        #expect(try await store.history(of: second).map(\.content) == ["two"])
        #expect(try await store.history(of: swapped).map(\.content) == ["three"])
        #expect(try await store.statistics().totalSessions == 3)
    }

    @Test(arguments: StoreKind.allCases)
    func aTurnIsStoredTogetherInOrderOrNotAtAll(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let key = SessionKey(user: "alice", room: "soc")
        let stored = try await store.append([(.user, "question"), (.assistant, "answer")], to: key)
        #expect(stored.map(\.content) == ["question", "answer"])
        #expect(stored[0].sequence < stored[1].sequence)
        let oversized = String(repeating: "x", count: store.configuration.maxMessageBytes + 1)
        await #expect(throws: SessionStoreError.self) {
            try await store.append([(.user, "second question"), (.assistant, oversized)], to: key)
        }
        #expect(try await store.history(of: key).map(\.content) == ["question", "answer"])
    }

    @Test(arguments: StoreKind.allCases)
    func orderFollowsSequenceEvenWithEqualTimestamps(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        for index in 0..<10 {
            try await fixture.store.append(index.isMultiple(of: 2) ? .user : .assistant, "m\(index)", to: .alice)
        }
        let history = try await fixture.store.history(of: .alice)
        #expect(history.map(\.content) == (0..<10).map { "m\($0)" })
        #expect(zip(history, history.dropFirst()).allSatisfy { $0.sequence < $1.sequence })
        #expect(Set(history.map(\.timestamp)).count == 1)
    }

    @Test(arguments: StoreKind.allCases)
    func capKeepsTheNewestUnderAFrozenClock(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        for index in 0..<45 {
            try await store.append(.user, "m\(index)", to: .alice)
        }
        let history = try await store.history(of: .alice)
        #expect(history.map(\.content) == (15..<45).map { "m\($0)" })
        #expect(try await store.statistics(for: .alice)?.messageCount == 30)
        #expect(try await store.statistics().totalMessages == 30)
        #expect(try await store.archivedSession(.alice)?.messages.count == 30)
    }

    @Test(arguments: StoreKind.allCases)
    func concurrentReadsNeverSeeMoreThanTheCap(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind) {
            $0.maxMessages = 5; $0.contextMessages = 5
        }
        defer { fixture.remove() }
        let store = fixture.store
        try await withThrowingTaskGroup(of: [Int].self) { group in
            for writer in 0..<4 {
                group.addTask {
                    for index in 0..<25 { try await store.append(.user, "w\(writer)-\(index)", to: .alice) }
                    return []
                }
            }
            for _ in 0..<4 {
                group.addTask {
                    var sizes: [Int] = []
                    for _ in 0..<25 { sizes.append(try await store.history(of: .alice).count) }
                    return sizes
                }
            }
            for try await sizes in group {
                #expect(sizes.allSatisfy { $0 <= 5 })
            }
        }
        let history = try await store.history(of: .alice)
        #expect(history.count == 5)
        // The five kept are the five highest sequence numbers ever assigned.
        #expect(history.last!.sequence - history.first!.sequence == 4)
    }

    /// Many writers on a few shared sessions, each visiting them in its own order, and an import
    /// of the same sessions in reverse order at the same moment: every turn is stored once, whole
    /// (question right before its answer) and in each writer's order — and nothing deadlocks.
    @Test(arguments: StoreKind.allCases)
    func concurrentWritersOfSharedSessionsLoseNothingAndKeepTurnsWhole(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind) { $0.maxMessages = 1_000 }
        defer { fixture.remove() }
        let store = fixture.store
        let sessions = (0..<4).map { SessionKey(user: "shared-\($0)", room: "r") }
        let (writers, turns) = (32, 6)
        let archive = sessions.reversed().map {
            ArchivedSession(
                user: $0.user, room: $0.room,
                messages: [ArchivedMessage(role: .user, content: "imported", timestamp: fixture.clock.currentDate)])
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<writers {
                group.addTask {
                    for turn in 0..<turns {
                        try await store.append(
                            [(.user, "w\(writer) t\(turn) q"), (.assistant, "w\(writer) t\(turn) a")],
                            to: sessions[(writer + turn) % sessions.count])
                    }
                }
            }
            group.addTask { _ = try await store.importSessions(archive) }
            try await group.waitForAll()
        }
        var stored: Set<String> = []
        for session in sessions {
            let history = try await store.history(of: session)
            #expect(zip(history, history.dropFirst()).allSatisfy { $0.sequence < $1.sequence })
            #expect(history.filter { $0.content == "imported" }.count == 1)
            let turnsStored = history.map(\.content).filter { $0 != "imported" }
            #expect(turnsStored.count == writers * turns * 2 / sessions.count)
            for pair in stride(from: 0, to: turnsStored.count - 1, by: 2) {
                #expect(turnsStored[pair].hasSuffix(" q"))
                #expect(turnsStored[pair + 1] == turnsStored[pair].dropLast(2) + " a")
            }
            for writer in 0..<writers {
                let own = turnsStored.filter { $0.hasPrefix("w\(writer) ") && $0.hasSuffix(" q") }
                #expect(own == own.sorted { $0.split(separator: " ")[1] < $1.split(separator: " ")[1] })
            }
            stored.formUnion(turnsStored)
        }
        #expect(stored.count == writers * turns * 2)
    }

    @Test(arguments: StoreKind.allCases)
    func aHeldValueIsTakenOnceByAnyInstanceUntilItExpires(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let other = try await fixture.reopen()  // another process or replica
        let now = fixture.clock.currentDate
        let later = now.addingTimeInterval(300)
        try await store.hold(Data("first".utf8), as: "containment", for: .alice, until: later)
        try await store.hold(Data("second".utf8), as: "containment", for: .alice, until: later)
        try await store.hold(Data("a note".utf8), as: "note", for: .alice, until: later)
        #expect(try await other.takeHeld("containment", for: .bob, at: now) == nil)
        #expect(try await other.takeHeld("containment", for: .alice, at: now) == Data("second".utf8))
        #expect(try await store.takeHeld("containment", for: .alice, at: now) == nil)
        #expect(try await store.takeHeld("note", for: .alice, at: later) == nil)  // expired

        try await store.hold(Data("raced".utf8), as: "containment", for: .alice, until: later)
        let takers = [store, other, store, other]
        let won = try await withThrowingTaskGroup(of: Int.self) { group in
            for taker in takers {
                group.addTask { try await taker.takeHeld("containment", for: .alice, at: now) == nil ? 0 : 1 }
            }
            return try await group.reduce(0, +)
        }
        #expect(won == 1)

        // Cleanup removes what expired without being taken.
        try await store.hold(Data("stale".utf8), as: "containment", for: .bob, until: now.addingTimeInterval(1))
        fixture.clock.advance(by: .seconds(2))
        try await store.cleanup()
        #expect(try await store.takeHeld("containment", for: .bob, at: now) == nil)
        await #expect(throws: SessionStoreError.self) {
            try await store.hold(Data(), as: "containment", for: SessionKey(user: "", room: "r"), until: later)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func aDeliveryIsClaimedOnceByAnyInstanceUntilItExpires(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let now = fixture.clock.currentDate
        let later = now.addingTimeInterval(3600)
        #expect(try await store.claimDelivery("message-1", until: later, at: now))
        #expect(try await !store.claimDelivery("message-1", until: later, at: now))
        #expect(try await store.claimDelivery("message-2", until: later, at: now))

        // Another process or replica, after a restart: still claimed.
        let other = try await fixture.reopen()
        #expect(try await !other.claimDelivery("message-1", until: later, at: now))
        let claims = try await withThrowingTaskGroup(of: Int.self) { group in
            for claimer in [store, other, store, other] {
                group.addTask { try await claimer.claimDelivery("raced", until: later, at: now) ? 1 : 0 }
            }
            return try await group.reduce(0, +)
        }
        #expect(claims == 1)

        // Once expired, the id may be claimed again; cleanup removes expired claims.
        #expect(try await other.claimDelivery("message-1", until: later.addingTimeInterval(60), at: later))
        fixture.clock.advance(by: .seconds(7200))
        try await store.cleanup()
        #expect(try await store.claimDelivery("message-2", until: later, at: now))
    }

    /// One holder among processes sharing the store: renewed by its holder, refused to others
    /// while live, taken over once expired, given up at once by a release.
    @Test(arguments: StoreKind.allCases)
    func aLeaseHasOneHolderUntilItExpires(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let (store, other) = (fixture.store, try await fixture.reopen())
        let now = fixture.clock.currentDate
        let soon = now.addingTimeInterval(15)
        #expect(try await store.holdLease("websocket", holder: "a", until: soon, at: now))
        #expect(try await !other.holdLease("websocket", holder: "b", until: soon, at: now))
        #expect(try await store.holdLease("websocket", holder: "a", until: soon.addingTimeInterval(10), at: now.addingTimeInterval(5)))
        #expect(try await other.holdLease("another lease", holder: "b", until: soon, at: now))
        // Still a's at 20 s (renewed to 25 s); b's at 25 s, when a stopped renewing.
        #expect(try await !other.holdLease("websocket", holder: "b", until: soon, at: now.addingTimeInterval(20)))
        #expect(try await other.holdLease("websocket", holder: "b", until: now.addingTimeInterval(40), at: now.addingTimeInterval(25)))
        #expect(try await !store.holdLease("websocket", holder: "a", until: now.addingTimeInterval(50), at: now.addingTimeInterval(26)))
        // Racing for an expired lease: one wins.
        let later = now.addingTimeInterval(100)
        let won = try await withThrowingTaskGroup(of: Int.self) { group in
            for (claimer, holder) in [(store, "c"), (other, "d"), (store, "e"), (other, "f")] {
                group.addTask { try await claimer.holdLease("websocket", holder: holder, until: later.addingTimeInterval(15), at: later) ? 1 : 0 }
            }
            return try await group.reduce(0, +)
        }
        #expect(won == 1)
        // A release by someone else changes nothing; by the holder, frees it at once.
        try await store.releaseLease("websocket", holder: "someone else")
        #expect(try await !other.holdLease("websocket", holder: "g", until: later.addingTimeInterval(15), at: later))
        for holder in ["c", "d", "e", "f"] { try await store.releaseLease("websocket", holder: holder) }
        #expect(try await other.holdLease("websocket", holder: "g", until: later.addingTimeInterval(15), at: later))
    }

    @Test(arguments: StoreKind.allCases)
    func contextIsChronologicalAndBounded(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        for index in 0..<26 {
            try await fixture.store.append(index.isMultiple(of: 2) ? .user : .assistant, "turn \(index)", to: .alice)
        }
        let context = try await fixture.store.context(for: .alice)
        #expect(context.map(\.content) == (6..<26).map { "turn \($0)" })
        #expect(context.first?.role == .user)
    }

    @Test(arguments: StoreKind.allCases)
    func oversizedNewestMessageIsTruncatedNotDropped(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        try await fixture.store.append(.user, "earlier question", to: .alice)
        let huge = String(repeating: "é", count: 9_000)
        try await fixture.store.append(.assistant, huge, to: .alice)
        let context = try await fixture.store.context(for: .alice)
        #expect(context.count == 1)
        #expect(context[0].role == .assistant)
        #expect(context[0].content.count == 4_000)
        #expect(context[0].content.hasPrefix(String(repeating: "é", count: 100)))
        #expect(context[0].content.hasSuffix(ContextWindow.truncationMarker))
        // The stored message itself is untouched.
        #expect(try await fixture.store.history(of: .alice).last?.content == huge)
    }

    @Test(arguments: StoreKind.allCases)
    func fallbacksAreStoredButKeptOutOfContext(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        try await fixture.store.append(.user, "is WS-1 contained?", to: .alice)
        try await fixture.store.append(.fallback, "⚠️ Unable to retrieve device status", to: .alice)
        #expect(try await fixture.store.history(of: .alice).map(\.role) == [.user, .fallback])
        #expect(try await fixture.store.context(for: .alice).map(\.role) == [.user])
    }

    @Test(arguments: StoreKind.allCases)
    func expiredMessagesAreNeitherRecalledNorKept(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        try await store.append(.user, "old", to: .alice)
        try await store.append(.user, "bob's only", to: .bob)
        fixture.clock.advance(by: .seconds(23 * 3600))
        try await store.append(.user, "recent", to: .alice)
        fixture.clock.advance(by: .seconds(3600) + .milliseconds(1))

        #expect(try await store.history(of: .alice).map(\.content) == ["recent"])
        #expect(try await store.context(for: .alice).map(\.content) == ["recent"])
        #expect(try await store.history(of: .bob).isEmpty)
        #expect(try await store.cleanup() == 2)
        #expect(try await store.statistics().totalMessages == 1)
        // Bob's session had nothing left and was idle: it is gone too.
        #expect(try await store.statistics().totalSessions == 1)
        #expect(try await store.statistics(for: .bob) == nil)
        #expect(try await store.cleanup() == 0)
    }

    @Test(arguments: StoreKind.allCases)
    func cleanupWorksInBatches(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind) { $0.cleanupBatchSize = 7 }
        defer { fixture.remove() }
        for session in 0..<10 {
            for index in 0..<10 {
                try await fixture.store.append(.user, "m\(index)", to: SessionKey(user: "u\(session)", room: "r"))
            }
        }
        fixture.clock.advance(by: .seconds(25 * 3600))
        try await fixture.store.append(.user, "fresh", to: .alice)
        #expect(try await fixture.store.cleanup() == 100)
        let stats = try await fixture.store.statistics()
        #expect(stats.totalMessages == 1)
        #expect(stats.totalSessions == 1)
    }

    @Test(arguments: StoreKind.allCases)
    func exportImportRoundTripIsIdentical(_ kind: StoreKind) async throws {
        let source = try await StoreFixture(kind)
        defer { source.remove() }
        let contents = [
            "plain", "emoji 👩🏽‍💻🛡️", "combining e\u{301} vs é", "NUL\u{0}inside", "line\nbreak \"quoted\" \\ /",
            "", "日本語のテキスト",
        ]
        for (index, text) in contents.enumerated() {
            try await source.store.append(index.isMultiple(of: 2) ? .user : .assistant, text, to: .alice)
            source.clock.advance(by: .milliseconds(1234))
        }
        try await source.store.append(.toolCall, "{\"name\":\"x\"}", to: .bob)
        try await source.store.append(.fallback, "⚠️ fallback", to: .bob)

        for layout in SessionArchive.Layout.allCases {
            let exported = try await exportData(source.store, layout: layout)
            let target = try await StoreFixture(kind)
            defer { target.remove() }
            let sessions = try SessionArchiveReader.read(exported, maxMessageBytes: 1 << 20)
            let summary = try await target.store.importSessions(sessions)
            #expect(summary.imported == contents.count + 2)
            #expect(try await exportData(target.store, layout: layout) == exported)
            #expect(try await target.store.history(of: .alice).map(\.content) == contents)
        }
    }

    @Test(arguments: StoreKind.allCases)
    func importIsIdempotent(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        try await fixture.store.append(.user, "hello", to: .alice)
        try await fixture.store.append(.assistant, "hi", to: .alice)
        let exported = try await exportData(fixture.store, layout: .json)
        let sessions = try SessionArchiveReader.read(exported, maxMessageBytes: 1 << 20)

        let again = try await fixture.store.importSessions(sessions)
        #expect(again.imported == 0)
        #expect(again.duplicates == 2)
        #expect(try await exportData(fixture.store, layout: .json) == exported)
    }

    @Test(arguments: StoreKind.allCases)
    func importMergesOlderMessagesInTimeOrder(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let start = fixture.clock.currentDate
        fixture.clock.advance(by: .seconds(60))
        try await fixture.store.append(.user, "stored later", to: .alice)
        let archive = [
            ArchivedSession(
                key: .alice,
                messages: [
                    StoredMessage(sequence: 0, role: .user, content: "imported earlier", timestamp: start),
                    StoredMessage(sequence: 0, role: .user, content: "imported last", timestamp: start + 120),
                ])
        ]
        let summary = try await fixture.store.importSessions(archive)
        #expect(summary.imported == 2)
        #expect(
            try await fixture.store.history(of: .alice).map(\.content) == [
                "imported earlier", "stored later", "imported last",
            ])
    }

    @Test(arguments: StoreKind.allCases)
    func brokenImportFilesChangeNothing(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        try await fixture.store.append(.user, "keep me", to: .alice)
        let before = try await exportData(fixture.store, layout: .json)
        let valid = try await exportData(fixture.store, layout: .jsonl)
        let broken: [Data] = [
            before.prefix(before.count / 2),  // truncated
            Data(
                #"{"format":"pokedex-sessions","version":1,"sessions":[{"user":"x","room":"y","messages":[{"role":"robot","content":"a","timestamp":"2026-01-01T00:00:00Z"}]}]}"#
                    .utf8),
            Data(#"{"format":"pokedex-sessions","version":2,"sessions":[]}"#.utf8),
            Data(#"{"format":"something-else","version":1,"sessions":[]}"#.utf8),
            valid
                + Data(
                    #"{"user":"x","room":"y","messages":[{"role":"user","content":"a","timestamp":"yesterday"}]}"#.utf8),
            valid + Data([0xFF, 0xFE, 0x0A]),
            Data(),
        ]
        for data in broken {
            #expect(throws: SessionArchiveError.self) {
                try SessionArchiveReader.read(data, maxMessageBytes: 1 << 20)
            }
        }
        // A store-level rejection (bad key) in the middle of an otherwise valid archive.
        let archive = [
            ArchivedSession(
                user: "new", room: "room",
                messages: [ArchivedMessage(role: .user, content: "x", timestamp: fixture.clock.currentDate)]),
            ArchivedSession(user: "", room: "room", messages: []),
        ]
        await #expect(throws: SessionStoreError.self) { try await fixture.store.importSessions(archive) }
        #expect(try await exportData(fixture.store, layout: .json) == before)
    }

    @Test(arguments: StoreKind.allCases)
    func unusualTextIsStoredExactly(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let texts = [
            "🛡️🔥👩🏽‍💻", "e\u{301}\u{302}\u{303}", "before\u{0}after\u{0}", "\u{FEFF}bom", "tab\tand\r\nCRLF",
            String(repeating: "x", count: fixture.store.configuration.maxMessageBytes),
        ]
        for text in texts {
            try await fixture.store.append(.user, text, to: .alice)
        }
        let reopened = try await fixture.reopen()
        #expect(try await reopened.history(of: .alice).map(\.content) == texts)
    }

    @Test(arguments: StoreKind.allCases)
    func messagesOverTheLimitAreRefusedClearly(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let tenMegabytes = String(repeating: "a", count: 10 * 1024 * 1024)
        await #expect(throws: SessionStoreError.messageTooLarge(bytes: 10 * 1024 * 1024, limit: 1_048_576)) {
            try await fixture.store.append(.user, tenMegabytes, to: .alice)
        }
        #expect(try await fixture.store.statistics().totalMessages == 0)
    }

    @Test(arguments: StoreKind.allCases)
    func invalidKeysAreRefused(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let keys = [
            SessionKey(user: "", room: "r"), SessionKey(user: "u", room: ""),
            SessionKey(user: "nul\u{0}", room: "r"), SessionKey(user: "u", room: "line\nbreak"),
            SessionKey(user: String(repeating: "u", count: 513), room: "r"),
        ]
        for key in keys {
            await #expect(throws: SessionStoreError.self) { try await fixture.store.append(.user, "x", to: key) }
        }
        // Unusual but legitimate identifiers work.
        let odd = SessionKey(user: "O'Brien; DROP TABLE session;--", room: "Y2lzY29zcGFyazovL3VzL1JPT00v/thread%20")
        try await fixture.store.append(.user, "x", to: odd)
        #expect(try await fixture.store.history(of: odd).count == 1)
        #expect(try await fixture.store.statistics().totalMessages == 1)
    }

    @Test(arguments: StoreKind.allCases)
    func statisticsReportRealFigures(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let empty = try await store.statistics()
        #expect(empty.totalSessions == 0 && empty.totalMessages == 0 && empty.oldestMessage == nil)

        let first = fixture.clock.currentDate
        try await store.append(.user, "old question", to: .bob)
        fixture.clock.advance(by: .seconds(25 * 3600))
        for index in 0..<7 {
            try await store.append(index.isMultiple(of: 2) ? .user : .assistant, "m\(index)", to: .alice)
            fixture.clock.advance(by: .seconds(1))
        }
        let stats = try await store.statistics()
        #expect(stats.totalSessions == 2)
        #expect(stats.totalMessages == 8)
        #expect(stats.activeSessions == 1)
        #expect(stats.oldestMessage == first)
        #expect(stats.newestMessage == first + 25 * 3600 + 6)
        #expect(stats.databaseSizeBytes > 0)

        let alice = try #require(try await store.statistics(for: .alice))
        #expect(alice.messageCount == 7)
        #expect(alice.firstMessage == first + 25 * 3600)
        #expect(alice.recentMessages.map(\.content) == ["m2", "m3", "m4", "m5", "m6"])
        #expect(try await store.statistics(for: SessionKey(user: "nobody", room: "x")) == nil)

        let listing = try await store.sessions(after: nil, limit: 10)
        #expect(listing.map(\.user) == ["alice@example.com", "bob@example.com"])
        #expect(listing.map(\.messageCount) == [7, 0])
        #expect(try await store.sessions(after: listing[0].key, limit: 10).map(\.user) == ["bob@example.com"])
    }

    @Test(arguments: StoreKind.allCases)
    func clearKeepsTheSessionAndDeleteRemovesIt(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        try await store.append(.user, "a", to: .alice)
        try await store.append(.assistant, "b", to: .alice)
        try await store.append(.user, "c", to: .bob)

        #expect(try await store.clear(.alice) == 2)
        #expect(try await store.clear(.alice) == 0)
        #expect(try await store.history(of: .alice).isEmpty)
        #expect(try await store.statistics(for: .alice)?.messageCount == 0)
        #expect(try await store.history(of: .bob).count == 1)

        #expect(try await store.delete(.bob))
        #expect(try await store.delete(.bob) == false)
        #expect(try await store.statistics(for: .bob) == nil)
        #expect(try await store.statistics().totalMessages == 0)
    }

    @Test(arguments: StoreKind.allCases)
    func historySurvivesRestart(_ kind: StoreKind) async throws {
        let fixture = try await StoreFixture(kind)
        defer { fixture.remove() }
        try await fixture.store.append(.user, "Hello", to: .alice)
        try await fixture.store.append(.assistant, "Hi! How can I help?", to: .alice)
        let restarted = try await fixture.reopen()
        #expect(try await restarted.context(for: .alice).map(\.content) == ["Hello", "Hi! How can I help?"])
    }
}

/// An export of everything in memory.
func exportData(_ store: any SessionStore, layout: SessionArchive.Layout) async throws -> Data {
    let buffer = ByteBuffer()
    try await store.export(layout: layout) { buffer.append($0) }
    return buffer.data
}

/// Collects bytes from a sink closure.
final class ByteBuffer: @unchecked Sendable {
    private(set) var data = Data()
    func append(_ more: Data) { data.append(more) }
}

extension SessionSummary {
    var key: SessionKey { SessionKey(user: user, room: room) }
}
