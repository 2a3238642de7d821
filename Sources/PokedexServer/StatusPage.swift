import Foundation
import PokedexAssistant
import PokedexRecovery
import PokedexSessions
import PokedexTools

/// `GET /`: a server-rendered page for people — components, each tool's availability and recent
/// errors, session figures. No JavaScript; it reloads itself every 30 seconds.
enum StatusPage {
    static func render(_ deps: ServerDependencies) async -> String {
        let ready = deps.slot.ready
        let health = deps.recovery.healthReport()
        let statistics = try? await deps.store.statistics()
        var storeWritable = true
        do { try await deps.store.checkWritable() } catch { storeWritable = false }

        var components: [(String, Bool, String)] = [
            ("Session store", storeWritable, storeWritable ? "writable" : "cannot be written"),
            ("Assistant", ready != nil, ready != nil ? "ready" : "starting up"),
        ]
        if let ready {
            let model = ready.model.map { "\($0.provider), model \($0.model)" }
            components.append(
                (
                    "Language model", model != nil && deps.recovery.isAvailable(.llm),
                    model.map { deps.recovery.isAvailable(.llm) ? $0 : "\($0): out of service" }
                        ?? "none configured (degraded mode)"
                ))
        }
        if let websocket = deps.webexWebsocket?() {
            let summary = WebexStatusText.summary(websocket)
            components.append(("Webex", summary.fine, summary.text))
        } else if deps.webexWebhook != nil {
            components.append(("Webex", true, "webhook: Webex posts to /webhooks/webex"))
        }

        for server in ready?.tools.registry.mcpServers.map(\.status) ?? [] {
            components.append(("MCP server \(server.name)", server.connected, server.summary))
        }
        let embeddings = ready?.tools.registry.tools.lazy.compactMap { ($0 as? RunbookSearchTool)?.embeddings }.first
        if let embeddings {
            let mode = embeddings.mode()
            let hybrid = if case .hybrid = mode { true } else { false }
            components.append(("Runbook search", hybrid, embeddings.summary(of: mode)))
        }

        var rows = ""
        for (name, tool) in health.tools.sorted(by: { $0.key < $1.key }) {
            // Only what this installation has: its tools' services, and the model when there is one.
            let configured =
                name == ToolName.llm.rawValue
                ? ready?.model != nil
                : name == ToolName.embeddings.rawValue
                    ? embeddings != nil : ready?.tools.registry.tools.contains { $0.service.rawValue == name } ?? true
                    || ready?.tools.registry.mcpServers.contains { $0.definition.service.rawValue == name } == true
            if !configured { continue }
            let error = tool.lastError.map { "\(escape($0.message)) <small>(\(time($0.time)))</small>" } ?? "—"
            rows += """
                <tr class="\(tool.state.rawValue)"><td>\(escape(name))</td><td>\(badge(tool.state))\(tool.forced ? " <small>(forced)</small>" : "")</td>\
                <td>\(tool.failuresInWindow) / \(tool.threshold)</td><td>\(error)</td>\
                <td>\(tool.lastSuccess.map(time) ?? "—")</td><td>\(tool.nextProbe.map(time) ?? "—")</td></tr>

                """
        }
        for (name, reason) in (ready?.tools.disabled ?? [:]).sorted(by: { $0.key < $1.key }) {
            rows += """
                <tr class="off"><td>\(escape(name.rawValue))</td><td><span class="badge off">not configured</span></td>\
                <td colspan="4">\(escape(reason))</td></tr>

                """
        }
        let componentRows = components.map { name, fine, detail in
            "<tr><td>\(escape(name))</td><td><span class=\"badge \(fine ? "available" : "probing")\">\(fine ? "ok" : "attention")</span> \(escape(detail))</td></tr>"
        }.joined(separator: "\n")
        let sessions =
            statistics.map { stats in
                """
                <tr><td>Sessions</td><td>\(stats.totalSessions)</td></tr>
                <tr><td>Active in the last 24 hours</td><td>\(stats.activeSessions)</td></tr>
                <tr><td>Messages</td><td>\(stats.totalMessages)</td></tr>
                <tr><td>Newest message</td><td>\(stats.newestMessage.map(time) ?? "—")</td></tr>
                <tr><td>Database</td><td>\(escape(stats.database)) (\(stats.databaseSizeBytes / 1024) KiB)</td></tr>
                """
            } ?? "<tr><td colspan=\"2\">The session store cannot be read.</td></tr>"
        let allFine = components.allSatisfy(\.1) && health.tools.values.allSatisfy { $0.state == .available }

        return """
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta http-equiv="refresh" content="30">
            <title>Pokedex status</title>
            <style>
            body { font: 15px/1.45 system-ui, sans-serif; margin: 2rem auto; max-width: 68rem; padding: 0 1rem; color: #1d232a; }
            h1 { font-size: 1.5rem; margin-bottom: .2rem; } h2 { font-size: 1.1rem; margin-top: 2rem; }
            .summary { font-size: 1.05rem; } table { border-collapse: collapse; width: 100%; }
            th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid #e3e6ea; vertical-align: top; }
            th { background: #f4f6f8; font-weight: 600; } small { color: #66707a; }
            .badge { border-radius: 1rem; padding: .1rem .6rem; font-size: .85rem; font-weight: 600; }
            .badge.available { background: #dff5e3; color: #17692b; } .badge.unavailable { background: #fde2e1; color: #a1201a; }
            .badge.probing { background: #fff3cd; color: #7a5b00; } .badge.off { background: #eceff2; color: #4a545e; }
            footer { margin-top: 2rem; color: #66707a; font-size: .85rem; }
            </style>
            </head>
            <body>
            <h1>Pokedex</h1>
            <p class="summary">\(allFine ? "All systems working." : "Running degraded: see below.")</p>
            <h2>Components</h2>
            <table id="components"><tbody>
            \(componentRows)
            </tbody></table>
            <h2>Tools</h2>
            <table id="tools">
            <thead><tr><th>Tool</th><th>State</th><th>Failures (last hour) / limit</th><th>Last error</th><th>Last success</th><th>Next probe</th></tr></thead>
            <tbody>
            \(rows)</tbody></table>
            <h2>Sessions</h2>
            <table id="sessions"><tbody>
            \(sessions)
            </tbody></table>
            <footer>Updated \(time(health.timestamp)) · counters since \(time(health.lastReset)) · <a href="/metrics">metrics</a> · <a href="/api/v1/health/tools">health JSON</a></footer>
            </body>
            </html>

            """
    }

    private static func badge(_ state: ToolState) -> String {
        "<span class=\"badge \(state.rawValue)\">\(state.rawValue)</span>"
    }

    private static func time(_ date: Date) -> String {
        Timestamp.iso8601(date).replacingOccurrences(of: "T", with: " ")
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
