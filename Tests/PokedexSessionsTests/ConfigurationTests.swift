import Foundation
import PokedexSessions
import Testing

@Suite("Sessions configuration")
struct ConfigurationTests {
    @Test func defaultsAreTheSpecificationsNumbers() {
        let configuration = SessionsConfiguration()
        #expect(configuration.maxMessages == 30)
        #expect(configuration.timeout == .seconds(86_400))
        #expect(configuration.contextMessages == 20)
        #expect(configuration.contextCharacters == 4000)
        #expect(configuration.cleanupInterval == .seconds(600))
        #expect(configuration.durability == .full)
        #expect(configuration.database == "./.pokedex/pokedex.db")
    }

    @Test func environmentVariablesOverrideDefaults() throws {
        var configuration = SessionsConfiguration()
        try configuration.apply(environment: [
            "POKEDEX_DATABASE": "/tmp/x.db", "POKEDEX_SESSIONS_MAX_MESSAGES": "50", "POKEDEX_SESSIONS_TIMEOUT": "12h",
            "POKEDEX_SESSIONS_CLEANUP_INTERVAL": "90s", "POKEDEX_SESSIONS_DURABILITY": "normal",
            "POKEDEX_SESSIONS_BUSY_TIMEOUT": "1500ms", "UNRELATED": "x",
        ])
        #expect(configuration.database == "/tmp/x.db")
        #expect(configuration.maxMessages == 50)
        #expect(configuration.timeout == .seconds(12 * 3600))
        #expect(configuration.cleanupInterval == .seconds(90))
        #expect(configuration.durability == .normal)
        #expect(configuration.busyTimeout == .milliseconds(1500))
    }

    @Test(arguments: [
        ("POKEDEX_SESSIONS_MAX_MESSAGES", "zero", "sessions.max_messages"),
        ("POKEDEX_SESSIONS_MAX_MESSAGES", "-3", "sessions.max_messages"),
        ("POKEDEX_SESSIONS_TIMEOUT", "soon", "sessions.timeout"),
        ("POKEDEX_SESSIONS_DURABILITY", "maybe", "sessions.durability"),
        ("POKEDEX_SESSIONS_CONTEXT_MESSAGES", "31", "sessions.context_messages"),
    ])
    func invalidValuesNameTheirKey(variable: String, value: String, key: String) {
        var configuration = SessionsConfiguration()
        #expect {
            try configuration.apply(environment: [variable: value])
        } throws: { error in
            "\(error)".contains(key)
        }
    }
}
