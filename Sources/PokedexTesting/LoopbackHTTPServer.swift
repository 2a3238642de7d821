import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// A real HTTP/1.1 server on 127.0.0.1 (an ephemeral port), answering from a handler: the base of
/// the simulators that stand in for third-party services, so that the production HTTP clients are
/// what the tests exercise. A ``FaultInjector`` can make it fail the way real services do.
public final class LoopbackHTTPServer: Sendable {
    /// A request as the handler sees it.
    public struct Request: Sendable {
        public var method: String
        public var path: String
        /// Decoded query parameters; a name may repeat (`ids=a&ids=b`).
        public var query: [(name: String, value: String)]
        public var headers: [(name: String, value: String)]
        public var body: Data

        public func queryValue(_ name: String) -> String? { query.first { $0.name == name }?.value }
        public func queryValues(_ name: String) -> [String] { query.filter { $0.name == name }.map(\.value) }
        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }
    }

    /// The handler's answer.
    public struct Response: Sendable {
        public var status: Int
        public var headers: [(name: String, value: String)]
        public var body: Data
        /// When set, the body is sent in these pieces, each flushed on its own (chunked transfer):
        /// a streamed answer as a real server writes it.
        public var parts: [Data]?
        /// Never answer (the client must give up by itself).
        public var hangs = false

        public init(
            status: Int = 200, headers: [(name: String, value: String)] = [], body: Data = Data(), parts: [Data]? = nil
        ) {
            self.status = status
            self.headers = headers
            self.body = body
            self.parts = parts
        }

        /// No answer at all.
        public static var noAnswer: Response {
            var response = Response()
            response.hangs = true
            return response
        }

        /// A JSON answer.
        public static func json(
            _ text: String, status: Int = 200, headers: [(name: String, value: String)] = []
        ) -> Response {
            Response(status: status, headers: [("Content-Type", "application/json")] + headers, body: Data(text.utf8))
        }
    }

    public typealias Handler = @Sendable (Request) async -> Response

    private let channel: any Channel
    private let connections: Locked<[ObjectIdentifier: any Channel]>
    /// The port the server listens on.
    public let port: Int
    /// `http://127.0.0.1:<port>`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }
    /// Connections clients still hold open.
    public var openConnections: Int { connections.read { $0.count } }

    private init(channel: any Channel, connections: Locked<[ObjectIdentifier: any Channel]>, port: Int) {
        self.channel = channel
        self.connections = connections
        self.port = port
    }

    /// Starts a server.
    /// - Parameters:
    ///   - faults: decides, request by request, whether to fail instead of calling the handler.
    ///   - handler: the service's behaviour.
    public static func start(
        faults: FaultInjector = FaultInjector(), _ handler: @escaping Handler
    ) async throws
        -> LoopbackHTTPServer
    {
        let connections = Locked<[ObjectIdentifier: any Channel]>([:])
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.backlog, value: 64)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                let id = ObjectIdentifier(channel)
                connections.update { $0[id] = channel }
                channel.closeFuture.whenComplete { _ in connections.update { $0[id] = nil } }
                return channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(RequestHandler(handler: handler, faults: faults))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return LoopbackHTTPServer(channel: channel, connections: connections, port: channel.localAddress?.port ?? 0)
    }

    /// Stops listening and closes open connections, as a server going away does.
    public func stop() async throws {
        try await channel.close()
        for connection in connections.read({ Array($0.values) }) {
            try? await connection.close()
        }
    }
}

/// Gathers a request, asks the handler (or the fault plan), writes the response.
private final class RequestHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let handler: LoopbackHTTPServer.Handler
    private let faults: FaultInjector
    private var head: HTTPRequestHead?
    private var body = Data()

    init(handler: @escaping LoopbackHTTPServer.Handler, faults: FaultInjector) {
        self.handler = handler
        self.faults = faults
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body = Data()
        case .body(var buffer):
            body.append(contentsOf: buffer.readBytes(length: buffer.readableBytes) ?? [])
        case .end:
            guard let head else { return }
            respond(to: head, body: body, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, body: Data, context: ChannelHandlerContext) {
        let components = URLComponents(string: "http://simulator" + head.uri)
        let request = LoopbackHTTPServer.Request(
            method: head.method.rawValue, path: components?.path ?? head.uri,
            query: (components?.queryItems ?? []).map { ($0.name, $0.value ?? "") },
            headers: head.headers.map { ($0.name, $0.value) }, body: body)
        let channel = context.channel
        let (latency, fault) = faults.nextRequest()
        let handler = self.handler
        Task {
            if latency > .zero { try? await Task.sleep(for: latency) }
            let response: LoopbackHTTPServer.Response
            switch fault {
            case nil:
                response = await handler(request)
            case .status(let status, let retryAfter)?:
                response = .json(
                    #"{"errors":[{"code":\#(status),"message":"simulated failure"}]}"#, status: status,
                    headers: retryAfter.map { [("Retry-After", $0)] } ?? [])
            case .rateLimited(let header, let value)?:
                response = .json(
                    #"{"errors":[{"code":429,"message":"API rate limit exceeded"}]}"#, status: 429,
                    headers: [(header, value)])
            case .malformedBody?:
                response = LoopbackHTTPServer.Response(
                    headers: [("Content-Type", "application/json")], body: Data("{\"truncated\": [1, 2".utf8))
            case .hang?:
                return  // never answer; the client must give up by itself
            case .connectionReset?:
                channel.close(promise: nil)
                return
            }
            if response.hangs { return }
            var headers = HTTPHeaders(response.headers.map { ($0.name, $0.value) })
            if let parts = response.parts {
                headers.replaceOrAdd(name: "Transfer-Encoding", value: "chunked")
                let responseHead = HTTPResponseHead(
                    version: head.version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
                channel.writeAndFlush(HTTPServerResponsePart.head(responseHead), promise: nil)
                for part in parts {
                    channel.writeAndFlush(
                        HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: part))), promise: nil)
                }
                channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
                return
            }
            headers.replaceOrAdd(name: "Content-Length", value: "\(response.body.count)")
            let responseHead = HTTPResponseHead(
                version: head.version, status: HTTPResponseStatus(statusCode: response.status), headers: headers)
            channel.write(HTTPServerResponsePart.head(responseHead), promise: nil)
            channel.write(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: response.body))), promise: nil)
            channel.writeAndFlush(HTTPServerResponsePart.end(nil), promise: nil)
        }
    }
}
