import ArgumentParser
import Foundation
import PokedexAssistant
import PokedexAudit

/// `pokedex ask "question"`: one turn, the reply on standard output.
struct AskCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ask", abstract: "Ask one question; the answer goes to standard output.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "The user (default: the OS user).") var user: String?
    @Option(help: "The room.") var room = "cli"
    @Flag(help: "Print the reply and its metadata as JSON.") var json = false
    @Argument(help: "The question.") var question: String

    func run() async throws {
        CommandLogging.bootstrap()
        let context = try await AssistantContext.start(global)
        let user = user ?? defaultUser
        let reply = await context.assistant.respond(
            Turn(user: user, room: room, message: question, caller: terminalCaller(user: user)))
        emit(json ? try jsonText(reply) : reply.textWithEvidence)
    }
}
