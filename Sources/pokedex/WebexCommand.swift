import ArgumentParser
import Foundation
import PokedexWebex

/// `pokedex webex register --url URL`: creates or updates the bot's webhook, with its secret.
struct WebexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webex", abstract: "Manage the Webex bot.", subcommands: [Register.self])

    struct Register: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create or update the bot's messages:created webhook (signed with webex.webhook_secret).")
        @OptionGroup var global: GlobalOptions
        @Option(help: "The public HTTPS URL of this server's /webhooks/webex.") var url: String
        @Option(help: "The webhook's name.") var name = "pokedex"

        func run() async throws {
            let configuration = try global.loadConfiguration().webex
            guard configuration.enabled else { throw CommandError("no Webex bot token (POKEDEX_WEBEX_TOKEN)") }
            guard !configuration.webhookSecret.isEmpty else {
                throw CommandError("no webhook secret (POKEDEX_WEBEX_WEBHOOK_SECRET): unsigned webhooks are refused")
            }
            let client = WebexClient(baseURL: configuration.baseURL, token: configuration.token)
            do {
                let webhook = try await client.registerWebhook(
                    name: name, targetURL: url, secret: configuration.webhookSecret.revealed)
                emit("Webhook '\(webhook.name)' (\(webhook.id)) → \(webhook.targetUrl), \(webhook.status ?? "active")")
            } catch {
                throw CommandError("could not register the webhook: \(error)")
            }
        }
    }
}
