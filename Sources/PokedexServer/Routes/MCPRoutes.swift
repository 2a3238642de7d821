import Foundation
import HTTPTypes
import Hummingbird
import MCP
import NIOCore
import PokedexAssistant
import PokedexMCP

/// `/mcp`: Pokedex's tools for MCP clients over Streamable HTTP (stateless, JSON responses), on
/// the official Swift SDK. Only inside the authenticated group: the caller is the principal, never
/// anyone a request body names; the local caller of a server without credentials is refused, so
/// there is no unauthenticated MCP access at all.
struct MCPRoutes {
    let deps: ServerDependencies
    let configuration: MCPConfiguration

    func add(to group: RouterGroup<PokedexRequestContext>) {
        let (deps, profile) = (deps, configuration.profile)
        let handler: @Sendable (Request, PokedexRequestContext) async throws -> Response = { request, context in
            let principal = try context.requirePrincipal()
            guard principal.name != "local" else {
                throw APIError(.unauthorized, "MCP needs a credential: configure a principal (server.principals)")
            }
            guard let ready = deps.slot.ready else { throw APIError(.serviceUnavailable, AssistantSlot.startingUp) }
            let body = request.method == .post ? try await deps.body(request) : Data()
            var headers: [String: String] = [:]
            for field in request.headers where field.name != .authorization && field.name != .cookie {
                headers[field.name.canonicalName] = field.value
            }
            let mcp = PokedexMCPServer(
                tools: ready.tools, assistant: ready.assistant, profile: profile, auditLog: deps.auditLog)
            // A fresh server per request: the transport is stateless, and the caller is this
            // request's principal.
            let server = await mcp.makeServer(
                user: principal.identity ?? principal.name, caller: principal.caller(channel: "mcp", context: context))
            let transport = StatelessHTTPServerTransport(
                validationPipeline: StandardValidationPipeline(validators: [
                    AcceptHeaderValidator(mode: .jsonOnly), ContentTypeValidator(), ProtocolVersionValidator(),
                ]))
            try await server.start(transport: transport)
            let answer = await transport.handleRequest(
                MCP.HTTPRequest(method: request.method.rawValue, headers: headers, body: body, path: "/mcp"))
            await server.stop()
            return Self.response(answer)
        }
        group.on("mcp", method: .post, use: handler)
        group.on("mcp", method: .get, use: handler)
        group.on("mcp", method: .delete, use: handler)
    }

    /// The SDK's answer as a Hummingbird response.
    static func response(_ answer: MCP.HTTPResponse) -> Response {
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let field = HTTPField.Name(name) { fields[field] = value }
        }
        let status = HTTPResponse.Status(code: answer.statusCode)
        switch answer {
        case .stream(let events, _):
            return Response(
                status: status, headers: fields,
                body: ResponseBody { writer in
                    for try await chunk in events { try await writer.write(ByteBuffer(bytes: chunk)) }
                    try await writer.finish(nil)
                })
        default:
            return Response(
                status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.bodyData ?? Data())))
        }
    }
}
