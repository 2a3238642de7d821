import ArgumentParser
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PokedexAssistant
import PokedexHTTP

/// `--url` and `--token`, for the commands that ask a running server (`health`, `tools`).
struct ServerConnection: ParsableArguments {
    @Option(help: "The server (default: http://server.host:server.port of the configuration).") var url: String?
    @Option(help: "An API token (default: the first principal's token given in clear or in a file).")
    var token: String?

    /// The server's base URL and the token to send.
    func resolve(_ configuration: PokedexConfiguration) -> (base: String, token: String?) {
        let base = url ?? "http://\(configuration.server.host):\(configuration.server.port)"
        let token =
            token
            ?? configuration.server.access.principals.lazy.compactMap { principal -> String? in
                if case .token(let secret)? = principal.credential { return secret.revealed }
                return nil
            }.first
        return (base, token)
    }

    /// One request; a server that cannot be reached is one clear error.
    static func send(
        _ url: String, method: HTTPMethod = .GET, token: String?, json: String? = nil
    ) async throws -> (status: Int, body: Data) {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let json {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: json))
        }
        do {
            let response = try await HTTPClient.services.execute(request, timeout: .seconds(5))
            let body = try await response.body.collect(upTo: 1 << 20)
            return (Int(response.status.code), Data(body.readableBytesView))
        } catch {
            throw CommandError("cannot reach the server at \(url)")
        }
    }

    /// The server's own error message, for a refusal.
    static func message(_ body: Data) -> String {
        struct Failure: Decodable {
            struct Detail: Decodable { var message: String }
            var error: Detail
        }
        return (try? JSONDecoder().decode(Failure.self, from: body))?.error.message ?? "no details"
    }
}
