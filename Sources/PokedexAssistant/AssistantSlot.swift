import PokedexLLM
import PokedexTools
import Synchronization

/// The assistant, once it is ready. The server listens before the assistant is built (indexing
/// runbooks and finding the model take a moment), so early requests get a clear "starting up"
/// answer instead of a refused connection.
public final class AssistantSlot: Sendable {
    /// What is known once start-up has finished.
    public struct Ready: Sendable {
        public var assistant: Assistant
        public var tools: ToolSet
        public var model: (any ChatModel)?

        public init(assistant: Assistant, tools: ToolSet, model: (any ChatModel)?) {
            self.assistant = assistant
            self.tools = tools
            self.model = model
        }
    }

    private let value = Mutex<Ready?>(nil)

    public init(_ ready: Ready? = nil) { value.withLock { $0 = ready } }

    public var ready: Ready? { value.withLock { $0 } }

    public func fill(_ ready: Ready) { value.withLock { $0 = ready } }

    /// SPEC 5: the answer while the assistant is not ready.
    public static let startingUp = "🔄 I'm still starting up. Please try again in a moment."
}
