import Foundation
import Hummingbird
import NIOCore
import PokedexSessions
import PokedexSettings

/// An error with the status and message a client sees. Nothing internal (no SQL, no stack, no
/// secret) goes into `message`.
struct APIError: Error {
    var status: HTTPResponse.Status
    var message: String
    /// The request field at fault, when one is (`user`, `room`).
    var field: String?

    init(_ status: HTTPResponse.Status, _ message: String, field: String? = nil) {
        self.status = status
        self.message = message
        self.field = field
    }
}

extension APIError: HTTPResponseError {
    /// The JSON answer a client reads, with the headers its status calls for: an error renders itself.
    func response(from request: Request, context: some RequestContext) throws -> Response {
        var response = HTTPSupport.error(status, message, field: field)
        if status == .serviceUnavailable { response.headers[.retryAfter] = "2" }
        if status == .unauthorized { response.headers[.wwwAuthenticate] = "Bearer" }
        return response
    }
}

enum HTTPSupport {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(Timestamp.iso8601(date))
        }
        return encoder
    }()

    static func json(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try encoder.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func text(_ text: String, contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }

    /// `{"error": {"message": …, "type": …, "param": …}}`, the shape OpenAI clients understand too.
    static func error(_ status: HTTPResponse.Status, _ message: String, field: String? = nil) -> Response {
        struct Body: Encodable {
            struct Detail: Encodable {
                var message: String
                var type: String
                var code: Int
                var param: String?
            }
            var error: Detail
        }
        let type =
            switch status {
            case .unauthorized: "authentication_error"
            case .forbidden: "permission_error"
            default: status.code >= 500 ? "server_error" : "invalid_request_error"
            }
        let body = Body(error: .init(message: message, type: type, code: Int(status.code), param: field))
        return (try? json(body, status: status)) ?? Response(status: status)
    }

    /// The body, at most `limit` bytes and whole within `timeLimit`, as valid UTF-8 text.
    /// - Throws: ``APIError`` 413 when larger, 408 when it trickles in too slowly, 400 when not UTF-8.
    static func body(_ request: Request, limit: Int, timeLimit: Duration) async throws -> Data {
        let buffer: ByteBuffer
        do {
            buffer = try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
                group.addTask { try await request.body.collect(upTo: limit) }
                group.addTask {
                    try await Task.sleep(for: timeLimit)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let buffer = first else {
                    throw APIError(.requestTimeout, "the request body did not arrive within \(timeLimit)")
                }
                return buffer
            }
        } catch let error as APIError {
            throw error
        } catch is NIOTooManyBytesError {
            throw APIError(.contentTooLarge, "the request body is larger than \(limit) bytes")
        } catch {
            // The client stopped sending before its Content-Length, or the connection broke.
            throw APIError(.badRequest, "the request body could not be read completely")
        }
        let data = Data(buffer.readableBytesView)
        guard String(validating: data, as: UTF8.self) != nil else {
            throw APIError(.badRequest, "the request body is not valid UTF-8")
        }
        return data
    }

    /// Decodes a JSON body, with an error that says which field is wrong.
    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        guard !data.isEmpty else { throw APIError(.badRequest, "the request body is empty; a JSON object is expected") }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw APIError(.badRequest, "the field '\(fieldPath(context.codingPath + [key]))' is missing")
        } catch let DecodingError.typeMismatch(_, context) where context.codingPath.isEmpty {
            throw APIError(.badRequest, "the request body must be a JSON object")
        } catch let DecodingError.typeMismatch(expected, context) {
            throw APIError(.badRequest, "the field '\(fieldPath(context.codingPath))' must be \(describe(expected))")
        } catch let DecodingError.valueNotFound(_, context) {
            throw APIError(.badRequest, "the field '\(fieldPath(context.codingPath))' must not be null")
        } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
            // A lone surrogate (`"\ud800"`) decodes to no string: the field is named, not the library's words.
            throw APIError(.badRequest, "the field '\(fieldPath(context.codingPath))' is not valid text or value")
        } catch {
            throw APIError(.badRequest, "the request body is not valid JSON")
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Bool.Type: "true or false"
        case is Int.Type, is Double.Type: "a number"
        case is [Any].Type: "a list"
        default: "an object"
        }
    }

    /// A path segment, percent-decoded.
    static func segment(_ raw: String?, _ name: String) throws -> String {
        guard let raw, let decoded = raw.removingPercentEncoding, !decoded.isEmpty else {
            throw APIError(.badRequest, "the \(name) in the path is missing or not percent-encoded properly")
        }
        return decoded
    }
}
