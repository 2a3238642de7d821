import Foundation
import PokedexWebex

/// The Webex channel's state in words, the same on `/ready`, the status page and in metrics.
enum WebexStatusText {
    /// Fields for `/ready` (and `pokedex health`, which reads it).
    static func fields(_ status: WebexConnectionStatus) -> [String: String] {
        var fields = [
            "mode": "websocket", "state": status.state.rawValue, "reconnects": "\(status.reconnects)",
            "caught_up": "\(status.caughtUp)",
        ]
        fields["connected_since"] = status.connectedSince.map(iso)
        fields["last_event"] = status.lastEvent.map(iso)
        fields["last_error"] = status.lastError
        return fields
    }

    /// One line for the status page's components.
    static func summary(_ status: WebexConnectionStatus) -> (fine: Bool, text: String) {
        var text =
            switch status.state {
            case .connected: "websocket connected since \(status.connectedSince.map(iso) ?? "—")"
            case .connecting: "websocket connecting"
            case .standby: "websocket held by another replica (this one serves HTTP)"
            case .unauthorized: "Webex refused the bot token"
            case .stopped: "websocket closed"
            }
        text += "; last event \(status.lastEvent.map(iso) ?? "—"), \(status.reconnects) reconnects, \(status.caughtUp) messages caught up"
        if let error = status.lastError, status.state != .connected { text += "; last error: \(error)" }
        return ([.connected, .standby].contains(status.state), text)
    }

    private static func iso(_ date: Date) -> String {
        date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: false))
    }
}
