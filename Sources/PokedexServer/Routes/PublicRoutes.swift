import Foundation
import Hummingbird
import NIOCore

/// The routes anyone may call: liveness, readiness, metrics, the status page (no secret and no
/// message text on any of them) and the Webex webhook, which proves itself by its signature.
struct PublicRoutes {
    let deps: ServerDependencies

    func add(to group: RouterGroup<PokedexRequestContext>) {
        let deps = self.deps
        group.get("health") { _, _ -> Response in
            try HTTPSupport.json(["status": "alive"])
        }
        group.get("ready") { _, _ -> Response in
            var problems: [String] = []
            if deps.slot.ready == nil { problems.append("the assistant is starting up") }
            do {
                try await deps.store.checkWritable()
            } catch {
                problems.append("the session store cannot be written")
            }
            var webex: [String: String]?
            if let websocket = deps.webexWebsocket?() {
                if websocket.state == .unauthorized { problems.append("Webex refused the bot token") }
                webex = WebexStatusText.fields(websocket)
            }
            struct Readiness: Encodable {
                var status: String
                var reason: String?
                var webex: [String: String]?
            }
            return try HTTPSupport.json(
                Readiness(
                    status: problems.isEmpty ? "ready" : "not ready",
                    reason: problems.isEmpty ? nil : problems.joined(separator: "; "), webex: webex),
                status: problems.isEmpty ? .ok : .serviceUnavailable)
        }
        group.get("metrics") { _, _ -> Response in
            let statistics = try? await deps.store.statistics()
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: ResponseBody(
                    byteBuffer: ByteBuffer(
                        bytes: deps.metrics.exposition(statistics: statistics, webex: deps.webexWebsocket?()))))
        }
        group.get("/") { _, _ -> Response in
            HTTPSupport.text(await StatusPage.render(deps), contentType: "text/html; charset=utf-8")
        }
        group.post("webhooks/webex") { request, _ -> Response in
            guard let webhook = deps.webexWebhook else { throw APIError(.notFound, "the Webex bot is not configured") }
            let data = try await deps.body(request)
            let status = await webhook(data, request.headers[.init("X-Spark-Signature")!])
            return Response(status: status)
        }
    }
}
