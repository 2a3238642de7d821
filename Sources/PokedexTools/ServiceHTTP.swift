import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import PokedexRecovery
import PokedexSettings

/// One HTTP exchange with a vendor's service, within a time limit, with transport failures
/// reported as ``ServiceFailure`` (timeout or connection) so that recovery can decide about them.
/// Shared by every tool client.
struct ServiceHTTP: Sendable {
    let http: HTTPClient
    /// The service's name for messages, e.g. "Falcon".
    let service: String

    /// - Returns: the status, headers and whole body (at most `maxBody` bytes).
    func send(
        _ request: HTTPClientRequest, timeLimit: Duration, maxBody: Int = 8 << 20
    ) async throws
        -> (status: Int, headers: HTTPHeaders, body: Data)
    {
        guard timeLimit > .zero else { throw ServiceFailure(.timeout, "no time left for \(service)") }
        do {
            let response = try await http.execute(request, timeout: .nanoseconds(Int64(timeLimit.seconds * 1e9)))
            let body = try await response.body.collect(upTo: maxBody)
            return (Int(response.status.code), response.headers, Data(body.readableBytesView))
        } catch let error as HTTPClientError where [.deadlineExceeded, .readTimeout, .connectTimeout].contains(error) {
            throw ServiceFailure(.timeout, "\(service) did not answer in time")
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw ServiceFailure(.connection, "cannot reach \(service)")
        }
    }
}

extension String {
    /// Percent-encoded for a query string value (so `+` stays a plus, `'` and `[` survive).
    var queryEncoded: String {
        addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(CharacterSet(charactersIn: "-._~"))) ?? self
    }
}
