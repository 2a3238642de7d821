import Foundation
import PokedexTesting
import PokedexTools

/// A scenario file of `pokedex-bench fidelity`: the simulators' hosts and places, and the
/// conversations, each turn with what its answer must carry.
struct ScenarioFile: Decodable {
    struct Host: Decodable {
        var hostname: String
        var status: String
        var online: String
        var os: String
        var product_type: String?
        var last_seen: String?
        var tags: [String]

        func simulated(number: Int) -> FalconSimulator.Host {
            var details = ["os_version": os]
            details["product_type_desc"] = product_type
            details["last_seen"] = last_seen
            return FalconSimulator.Host(
                id: String(format: "%032x", number + 1), hostname: hostname,
                status: status, online: online, details: details, tags: tags)
        }
    }

    struct Place: Decodable {
        var name: String
        var country: String
        var latitude: Double
        var longitude: Double
        var celsius: Double
        var humidity: Int
        var code: Int

        var simulated: OpenMeteoSimulator.Place {
            OpenMeteoSimulator.Place(
                name: name, country: country, latitude: latitude, longitude: longitude, temperatureCelsius: celsius,
                feelsLikeCelsius: celsius, humidity: humidity, weatherCode: code, windKilometresPerHour: 10,
                windDirection: 90)
        }
    }

    struct Conversation: Decodable {
        var name: String
        var turns: [ScenarioTurn]
    }

    var hosts: [Host]
    var places: [Place]
    var conversations: [Conversation]

    /// What Falcon says of each host now (lower-cased name), as the tool words it.
    func truths(_ falcon: FalconSimulator) -> [String: [String]] {
        var truths: [String: [String]] = [:]
        for (number, host) in hosts.enumerated() {
            guard let name = try? FalconHostname(host.hostname) else { continue }
            let status = falcon.status(of: host.simulated(number: number).id) ?? host.status
            truths[host.hostname.lowercased()] = [
                FalconReply.containment(name, status: status), FalconReply.online(name, state: host.online),
                FalconReply.details(name, FalconDevice(status: status, osVersion: host.os)),
            ]
        }
        return truths
    }
}

/// One question and what its answer must carry.
struct ScenarioTurn: Decodable {
    var ask: String
    /// What kind of question it is (`host-check`, `weather`, `follow-up`, `contain`, …), for the
    /// figures by kind.
    var kind: String?
    /// The tool a grounded answer needs, and the arguments it must get (hosts, a city): each of
    /// them must be looked up.
    var tool: String?
    var arguments: [String]?
    /// Each inner list: one of these must be in the reply's text.
    var facts: [[String]]
    /// Texts the reply must not contain.
    var absent: [String]?
    /// Answered from earlier turns of the conversation.
    var memory: Bool?
}
