import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PokedexRecovery
import PokedexSettings

/// The HTTP exchange both clients share: a JSON POST whose answer is read whole or line by line
/// (NDJSON, server-sent events), with failures as ``ServiceFailure``s and error bodies read for
/// their message. Secrets (the API key) never appear in an error.
struct LLMHTTP: Sendable {
    let http: HTTPClient
    let apiKey: Secret?
    /// What the server is called in errors: the language model, or the embedding model.
    var subject = "the language model"

    /// The largest answer read, so a runaway server cannot exhaust memory.
    static let maxBody = 16 << 20

    /// POSTs `body` and hands each line of the answer to `line` (without its newline).
    func post(
        _ url: String, body: Data, timeLimit: Duration, line: (Substring) throws -> Void
    ) async throws {
        try await exchange(Self.postRequest(url, body: body), timeLimit: timeLimit, line: line)
    }

    /// POSTs `body` and decodes the whole answer as JSON.
    func postJSON<Answer: Decodable>(_ url: String, body: Data, timeLimit: Duration) async throws -> Answer {
        let data = try await whole(Self.postRequest(url, body: body), timeLimit: timeLimit)
        do {
            return try JSONDecoder().decode(Answer.self, from: data)
        } catch {
            throw ServiceFailure(.invalidResponse, "\(subject) sent an answer that could not be read")
        }
    }

    /// GETs `url` and returns its body.
    func get(_ url: String, timeLimit: Duration) async throws -> Data {
        try await whole(HTTPClientRequest(url: url), timeLimit: timeLimit)
    }

    private static func postRequest(_ url: String, body: Data) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        return request
    }

    /// The whole answer, its lines joined again.
    private func whole(_ request: HTTPClientRequest, timeLimit: Duration) async throws -> Data {
        var data = Data()
        try await exchange(request, timeLimit: timeLimit) { line in
            data.append(contentsOf: line.utf8)
            data.append(UInt8(ascii: "\n"))
        }
        return data
    }

    private func exchange(
        _ request: HTTPClientRequest, timeLimit: Duration, line: (Substring) throws -> Void
    ) async throws {
        guard timeLimit > .zero else { throw ServiceFailure(.timeout, "no time left for \(subject)") }
        var request = request
        request.headers.add(name: "Accept", value: "application/json, text/event-stream, application/x-ndjson")
        if let apiKey, !apiKey.isEmpty { request.headers.add(name: "Authorization", value: "Bearer \(apiKey.revealed)") }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .nanoseconds(Int64(timeLimit.seconds * 1e9)))
        } catch let error as HTTPClientError where [.deadlineExceeded, .readTimeout, .connectTimeout].contains(error) {
            throw ServiceFailure(.timeout, "\(subject) did not answer in time")
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw ServiceFailure(.connection, "cannot reach \(subject)")
        }
        let status = Int(response.status.code)
        guard (200..<300).contains(status) else {
            let body = (try? await response.body.collect(upTo: 1 << 20)).map { String(buffer: $0) } ?? ""
            throw ServiceFailure(
                .http(status: status), "\(subject) answered \(status): \(Self.errorMessage(body))",
                retryAfter: response.headers.first(name: "Retry-After").flatMap { RetryAfter.parse($0, now: Date()) })
        }
        var pending = Data()
        var total = 0
        do {
            for try await buffer in response.body {
                total += buffer.readableBytes
                guard total <= Self.maxBody else {
                    throw ServiceFailure(.invalidResponse, "\(subject)'s answer is too long")
                }
                pending.append(contentsOf: buffer.readableBytesView)
                while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                    try line(Substring(decoding: pending[pending.startIndex..<newline], as: UTF8.self))
                    pending.removeSubrange(pending.startIndex...newline)
                }
            }
        } catch let failure as ServiceFailure {
            throw failure
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as HTTPClientError where [.deadlineExceeded, .readTimeout].contains(error) {
            throw ServiceFailure(.timeout, "\(subject) did not finish in time")
        } catch {
            throw ServiceFailure(.connection, "\(subject)'s answer was cut off")
        }
        if !pending.isEmpty { try line(Substring(decoding: pending, as: UTF8.self)) }
    }

    /// The message of an error body (`{"error": "…"}` or `{"error": {"message": "…"}}`), shortened.
    static func errorMessage(_ body: String) -> String {
        struct Flat: Decodable { var error: String }
        struct Nested: Decodable {
            struct Inner: Decodable { var message: String }
            var error: Inner
        }
        let data = Data(body.utf8)
        let message =
            (try? JSONDecoder().decode(Flat.self, from: data).error)
            ?? (try? JSONDecoder().decode(Nested.self, from: data).error.message)
            ?? body.trimmingCharacters(in: .whitespacesAndNewlines)
        return message.isEmpty ? "no details" : String(message.prefix(300))
    }
}
