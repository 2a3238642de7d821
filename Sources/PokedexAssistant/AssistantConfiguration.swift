import Foundation
import PokedexSettings

/// The assistant's settings (SPEC 3 and 7): the turn's limits, the bot's names, and which language
/// model to use.
public struct AssistantConfiguration: Sendable, Equatable {
    /// Which kind of server the language model runs on.
    public enum Provider: String, Sendable, CaseIterable {
        /// `ollama` when one answers at its default address, else `none`.
        case auto
        case ollama
        /// Any OpenAI-compatible server.
        case openai
        /// No model: degraded mode, questions go straight to the tools.
        case none
    }

    /// The time a user waits at most for an answer. `assistant.deadline`.
    public var deadline: Duration = .seconds(30)
    /// Longest question accepted, in characters. `assistant.max_input_chars`.
    public var maxInputCharacters = 5000
    /// Tool rounds per turn before the model must answer. `assistant.max_tool_rounds`.
    public var maxToolRounds = 5
    /// Lookups made for the things one question names (hosts, places, indicators) before the model
    /// is asked; more are left out and the answer says so. `assistant.max_lookups`.
    public var maxLookups = 5
    /// Names stripped from the start of a message. `assistant.bot_names`, `POKEDEX_BOT_NAMES`.
    public var botNames = ["pokedex"]
    /// `llm.provider`, `POKEDEX_LLM_PROVIDER`.
    public var provider = Provider.auto
    /// Base URL of the model's server; empty for the provider's default. `llm.url`, `POKEDEX_LLM_URL`.
    public var llmURL = ""
    /// `llm.model`, `POKEDEX_LLM_MODEL`.
    public var model = "qwen2.5:7b"
    /// Bearer key for OpenAI-compatible servers; a secret. `llm.api_key`, `POKEDEX_LLM_API_KEY`.
    public var apiKey = Secret("")
    /// The longest answer the model may write, in tokens. `llm.max_tokens`, `POKEDEX_LLM_MAX_TOKENS`.
    public var maxTokens = 512
    /// The model's context window, in tokens: the prompt is kept within it less `maxTokens`
    /// (oldest history first out). `llm.context_tokens`, `POKEDEX_LLM_CONTEXT_TOKENS`.
    public var contextTokens = 8192
    /// How long the status command waits for the model's answer before calling it unreachable
    /// (not a setting: the status answer must stay quick; tests on a loaded machine lengthen it).
    public var modelCheckTimeLimit = Duration.seconds(3)

    public init() {}

    public static let ollamaURL = "http://127.0.0.1:11434"
    public static let openAIURL = "https://api.openai.com/v1"

    /// Every `assistant.*` and `llm.*` setting, declared once.
    public static let settings = SettingsTable<AssistantConfiguration>([
        // A turn needs a second at least (the model and the tools share it); an hour is no chat.
        .duration("assistant.deadline", "POKEDEX_ASSISTANT_DEADLINE", \.deadline, in: .seconds(1)...(.seconds(3600))),
        .integer("assistant.max_input_chars", "POKEDEX_ASSISTANT_MAX_INPUT_CHARS", \.maxInputCharacters, in: 1...1_000_000),
        .integer("assistant.max_tool_rounds", "POKEDEX_ASSISTANT_MAX_TOOL_ROUNDS", \.maxToolRounds, in: 1...50),
        .integer("assistant.max_lookups", "POKEDEX_ASSISTANT_MAX_LOOKUPS", \.maxLookups, in: 1...50),
        .list("assistant.bot_names", "POKEDEX_BOT_NAMES", \.botNames, required: true),
        .choice("llm.provider", "POKEDEX_LLM_PROVIDER", \.provider),
        .url("llm.url", "POKEDEX_LLM_URL", \.llmURL),
        .text("llm.model", "POKEDEX_LLM_MODEL", \.model, required: true),
        .secret("llm.api_key", "POKEDEX_LLM_API_KEY", \.apiKey),
        .integer("llm.max_tokens", "POKEDEX_LLM_MAX_TOKENS", \.maxTokens, in: 1...1_000_000),
        .integer("llm.context_tokens", "POKEDEX_LLM_CONTEXT_TOKENS", \.contextTokens, in: 256...100_000_000),
    ])

    /// Checks that the values fit together.
    public func validate() throws(SettingError) {
        if contextTokens <= maxTokens {
            throw SettingError(
                key: "llm.context_tokens", message: "must be larger than llm.max_tokens (\(maxTokens)): the answer must fit too")
        }
    }

    public mutating func set(_ key: String, to value: String) throws(SettingError) {
        guard try Self.settings.set(key, to: value, in: &self) else {
            throw SettingError(key: key, message: "is not an assistant setting")
        }
    }

    /// Every key and its value as text, for `config check`.
    public var values: [(key: String, value: String)] { Self.settings.values(of: self) }
}
