import Foundation
import Hummingbird
import Logging
import PokedexAssistant
import ServiceLifecycle

/// Placeholder until the Webex bot lands: refuses every webhook.
final class WebexBot: Service, Sendable {
    init(configuration: WebexConfiguration, slot: AssistantSlot, logger: Logger) {}
    func receive(_ body: Data, signature: String?) async -> HTTPResponse.Status { .notImplemented }
    func run() async throws { try? await gracefulShutdown() }
}
