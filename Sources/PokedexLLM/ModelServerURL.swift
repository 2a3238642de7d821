/// How a model server's configured address reads: both clients of each wire format (chat and
/// embeddings) and the provider choice share one reading.
public enum ModelServerURL {
    /// The address without a trailing slash.
    public static func root(_ url: String) -> String {
        url.hasSuffix("/") ? String(url.dropLast()) : url
    }

    /// An OpenAI-compatible server's API base: the address with its `/v1`, added when missing.
    public static func openAIBase(_ url: String) -> String {
        let base = root(url)
        return base.hasSuffix("/v1") ? base : base + "/v1"
    }

    /// Whether an address names an OpenAI-compatible server by its shape (it ends in `/v1`);
    /// otherwise it is read as Ollama's.
    public static func looksOpenAICompatible(_ url: String) -> Bool {
        root(url).hasSuffix("/v1")
    }
}
