import Foundation
import Hummingbird
import NIOCore
import PokedexSessions

/// `/api/v1/sessions…`: one session's figures, export and deletion for whoever may manage that
/// user's sessions (the user, a front end, an admin); the whole store's figures, import and
/// cleanup for admins only. Every import, deletion and cleanup — and every refusal of one — is
/// written to the audit log, and an action whose record cannot be written is not carried out.
struct SessionRoutes {
    let deps: ServerDependencies

    /// - Parameters:
    ///   - group: `/api/v1/sessions` for any authenticated principal (each route checks the user).
    ///   - admin: the same path behind the administrator's gate.
    func add(to group: RouterGroup<PokedexRequestContext>, admin: RouterGroup<PokedexRequestContext>) {
        let deps = self.deps
        admin.get { _, _ -> Response in
            try HTTPSupport.json(try await storage { try await deps.store.statistics() })
        }
        group.get(":user/:room") { _, context -> Response in
            let key = try sessionKey(context)
            guard let stats = try await storage({ try await deps.store.statistics(for: key) }) else {
                throw APIError(.notFound, "no session for \(key)")
            }
            return try HTTPSupport.json(stats)
        }
        group.get(":user/:room/export") { _, context -> Response in
            let key = try sessionKey(context)
            guard let session = try await storage({ try await deps.store.archivedSession(key) }) else {
                throw APIError(.notFound, "no session for \(key)")
            }
            let data = try SessionArchive.encode([session], layout: .json)
            return Response(
                status: .ok, headers: [.contentType: "application/json; charset=utf-8"],
                body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
        group.delete(":user/:room") { _, context -> Response in
            let key = try sessionKey(context, action: "sessions.delete")
            try deps.audit("sessions.delete", "done", context, key: key)
            guard try await storage({ try await deps.store.delete(key) }) else {
                throw APIError(.notFound, "no session for \(key)")
            }
            return try HTTPSupport.json(["deleted": true])
        }
        admin.post("import") { request, context -> Response in
            let data = try await deps.body(request)
            let sessions: [ArchivedSession]
            do {
                sessions = try SessionArchiveReader.read(
                    data, maxMessageBytes: deps.store.configuration.maxMessageBytes)
            } catch {
                try? deps.audit("sessions.import", "refused_invalid", context, detail: "\(error)")
                throw APIError(.badRequest, "the archive was not imported: \(error)")
            }
            try deps.audit("sessions.import", "done", context, detail: "\(sessions.count) session(s)")
            let summary = try await storage { try await deps.store.importSessions(sessions) }
            return try HTTPSupport.json(summary)
        }
        admin.post("cleanup") { _, context -> Response in
            try deps.audit("sessions.cleanup", "done", context)
            return try HTTPSupport.json(["removed": try await storage { try await deps.store.cleanup() }])
        }
    }

    /// The session named by the path, if the principal may manage that user's sessions.
    private func sessionKey(_ context: PokedexRequestContext, action: String? = nil) throws -> SessionKey {
        let user = try ChatRoutes.checked(try HTTPSupport.segment(context.parameters.get("user"), "user"), field: "user")
        let room = try ChatRoutes.checked(try HTTPSupport.segment(context.parameters.get("room"), "room"), field: "room")
        let key = SessionKey(user: user, room: room)
        guard try context.requirePrincipal().mayManageSessions(of: user) else {
            if let action { try? deps.audit(action, "refused_forbidden", context, key: key) }
            throw APIError(.forbidden, "this credential may only use its own sessions", field: "user")
        }
        return key
    }

    /// Runs a store operation; its failure is a 503 with the store's own (SQL-free) message.
    private func storage<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let error as SessionStoreError {
            throw APIError(.serviceUnavailable, "\(error)")
        }
    }
}
