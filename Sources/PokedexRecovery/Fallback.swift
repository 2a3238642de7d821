/// The reply a user gets when a service cannot answer (SPEC 2.4): specific, with what to do instead.
public enum Fallback: String, Sendable, Codable, CaseIterable {
    case deviceStatus = "device_status"
    case deviceDetails = "device_details"
    case weather
    case documentSearch = "document_search"
    case general

    /// The exact text shown to the user.
    public var text: String {
        switch self {
        case .deviceStatus:
            "⚠️ Unable to retrieve device status at this time. Please check CrowdStrike Falcon console directly or try again later."
        case .deviceDetails:
            "⚠️ Unable to retrieve device details at this time. Please check CrowdStrike Falcon console directly for device information."
        case .weather:
            "⚠️ Weather information is temporarily unavailable. Please check a reliable weather service directly."
        case .documentSearch:
            "⚠️ Document search is temporarily unavailable. Please refer to your local SOC documentation or contact your security team."
        case .general:
            "⚠️ This service is temporarily unavailable. Please try again later or contact support if the issue persists."
        }
    }

    /// The fallback for a tool that failed, given the question being answered (never the history).
    public static func forTool(_ tool: ToolName, question: String) -> Fallback {
        let text = question.lowercased()
        switch tool {
        case .crowdstrike:
            if mentions(text, ["detail", "info"]) { return .deviceDetails }
            if mentions(text, ["status", "contain", "online"]) { return .deviceStatus }
            return .general
        case .weather: return .weather
        case .documentSearch: return .documentSearch
        default: return .general
        }
    }

    /// The fallback when the language model itself failed, chosen from the current question only.
    public static func forQuestion(_ question: String) -> Fallback {
        let text = question.lowercased()
        if mentions(text, ["status", "contain"]) { return .deviceStatus }
        if mentions(text, ["weather"]) { return .weather }
        if mentions(text, ["document", "search", "how to", "procedure"]) { return .documentSearch }
        return .general
    }

    private static func mentions(_ text: String, _ words: [String]) -> Bool {
        words.contains { text.contains($0) }
    }
}
