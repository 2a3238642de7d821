import AsyncHTTPClient
import Foundation
import Logging
import MCP
import NIOCore
import PokedexRecovery

/// An MCP server reached over Streamable HTTP: each message is POSTed to its URL, and the answer
/// comes back as a JSON body or as a stream of server-sent events.
///
/// Not the SDK's `HTTPClientTransport`: on Linux it hands a server-sent-event answer to the client
/// undecoded (most servers answer with events). This one reads both, on the HTTP client Pokedex
/// uses for every service; sends the bearer token read from its file at each connection (so a
/// rotated token is picked up), the session id the server assigns and the protocol version agreed;
/// and reports refusals and failures as ``ServiceFailure``s recovery can judge. The server's own
/// event stream (GET) is not opened: a changed tool list is read on the next connection.
actor StreamableHTTPTransport: Transport {
    nonisolated let logger: Logger
    private let url: String
    private let tokenFile: String?
    private let http: HTTPClient
    private let messages: AsyncThrowingStream<Data, Error>
    private let continuation: AsyncThrowingStream<Data, Error>.Continuation
    private var token: String?
    private var sessionID: String?
    private var protocolVersion: String?

    /// The largest answer read (a JSON body or one event).
    static let messageLimit = 16 << 20

    init(url: String, tokenFile: String?, http: HTTPClient, logger: Logger) {
        self.url = url
        self.tokenFile = tokenFile
        self.http = http
        self.logger = logger
        (messages, continuation) = AsyncThrowingStream.makeStream()
    }

    func connect() throws {
        guard let tokenFile else { return }
        guard let data = FileManager.default.contents(atPath: tokenFile),
            let text = String(data: data, encoding: .utf8)?.trimmingCharacters(in: .whitespacesAndNewlines),
            !text.isEmpty
        else {
            throw ServiceFailure(.invalidRequest, "its token file \(tokenFile) cannot be read or is empty")
        }
        token = text
    }

    func disconnect() async {
        continuation.finish()
        // Ends the session on the server (best effort: it expires it anyway).
        if let sessionID {
            var request = HTTPClientRequest(url: url)
            request.method = .DELETE
            request.headers.add(name: "Mcp-Session-Id", value: sessionID)
            if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
            _ = try? await http.execute(request, timeout: .seconds(2))
        }
        sessionID = nil
    }

    func send(_ data: Data) async throws {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "Accept", value: "application/json, text/event-stream")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let sessionID { request.headers.add(name: "Mcp-Session-Id", value: sessionID) }
        if let protocolVersion { request.headers.add(name: "MCP-Protocol-Version", value: protocolVersion) }
        request.body = .bytes(ByteBuffer(bytes: data))
        let response: HTTPClientResponse
        do {
            // Recovery's attempt limit cancels a call that takes too long; this is only a backstop.
            response = try await http.execute(request, timeout: .minutes(10))
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw ServiceFailure(.connection, "cannot reach the MCP server")
        }
        let status = Int(response.status.code)
        if let assigned = response.headers.first(name: "Mcp-Session-Id") { sessionID = assigned }
        switch status {
        case 202: return  // a notification or a response, accepted
        case 200: break
        case 401, 403: throw ServiceFailure(.http(status: status), "the MCP server refused Pokedex's token")
        case 404 where sessionID != nil:
            throw ServiceFailure(.connection, "the MCP server no longer knows the session")
        default: throw ServiceFailure(.http(status: status), "the MCP server answered HTTP \(status)")
        }
        let type = response.headers.first(name: "Content-Type")?.lowercased() ?? ""
        if type.hasPrefix("text/event-stream") {
            try await readEvents(response.body)
        } else if type.hasPrefix("application/json") {
            let body: ByteBuffer
            do {
                body = try await response.body.collect(upTo: Self.messageLimit)
            } catch {
                throw ServiceFailure(.invalidResponse, "the MCP server's answer is too large or broken off")
            }
            deliver(Data(body.readableBytesView))
        } else {
            throw ServiceFailure(.invalidResponse, "the MCP server answered with content of type '\(type)'")
        }
    }

    nonisolated func receive() -> AsyncThrowingStream<Data, Error> { messages }

    /// Each event's data is one message (`data:` lines joined by newlines; events end with an
    /// empty line; comments and other fields are skipped).
    private func readEvents(_ body: HTTPClientResponse.Body) async throws {
        var pending = Data()
        var eventData: Data?
        do {
            for try await chunk in body {
                pending.append(contentsOf: chunk.readableBytesView)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    var line = pending[pending.startIndex..<newline]
                    pending.removeSubrange(pending.startIndex...newline)
                    if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
                    if line.isEmpty {
                        if let event = eventData { deliver(event) }
                        eventData = nil
                    } else if line.starts(with: Array("data:".utf8)) {
                        var value = line.dropFirst(5)
                        if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
                        if eventData != nil { eventData!.append(UInt8(ascii: "\n")) }
                        eventData = (eventData ?? Data()) + value
                    }
                    if (eventData?.count ?? 0) > Self.messageLimit {
                        throw ServiceFailure(.invalidResponse, "the MCP server sent an event larger than \(Self.messageLimit) bytes")
                    }
                }
                if pending.count > Self.messageLimit {
                    throw ServiceFailure(.invalidResponse, "the MCP server sent a line larger than \(Self.messageLimit) bytes")
                }
            }
        } catch let failure as ServiceFailure {
            throw failure
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw ServiceFailure(.connection, "the MCP server's event stream broke off")
        }
        if let event = eventData { deliver(event) }
    }

    /// Hands a message to the client; the protocol version the server agreed to is sent with every
    /// later request, as the specification asks.
    private func deliver(_ message: Data) {
        if protocolVersion == nil,
            let object = try? JSONSerialization.jsonObject(with: message) as? [String: Any],
            let result = object["result"] as? [String: Any], let version = result["protocolVersion"] as? String
        {
            protocolVersion = version
        }
        continuation.yield(message)
    }
}
