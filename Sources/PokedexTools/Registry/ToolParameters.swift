import PokedexRecovery

/// A tool's parameters as the JSON Schema object the model is shown.
public struct ToolParameters: Sendable, Codable, Equatable {
    /// One parameter.
    public struct Property: Sendable, Codable, Equatable {
        /// The JSON type.
        public enum Kind: String, Sendable, Codable {
            case string, integer, number, boolean

            /// "a string", "an integer", … for error messages.
            var withArticle: String { self == .integer ? "an integer" : "a \(rawValue)" }
        }

        public var type: Kind
        public var description: String
        /// The only values allowed, if the parameter is a choice.
        public var `enum`: [String]?

        public init(_ type: Kind, _ description: String, oneOf choices: [String]? = nil) {
            self.type = type
            self.description = description
            self.enum = choices
        }
    }

    public var type = "object"
    public var properties: [String: Property]
    public var required: [String]

    public init(_ properties: [String: Property], required: [String]) {
        self.properties = properties
        self.required = required
    }
}

/// An argument value from the model.
public enum ToolArgument: Sendable, Equatable, Codable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected a string, number or boolean")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .null: try container.encodeNil()
        }
    }
}

/// A tool call's arguments after checking them against the tool's parameters.
public struct ToolArguments: Sendable, Equatable {
    public let values: [String: ToolArgument]

    /// Checks what the model sent. The error text goes back to the model so it can correct itself.
    /// - Throws: ``ToolArgumentError`` naming the tool, the parameter and what was wrong.
    public init(
        _ values: [String: ToolArgument], for tool: ToolName, _ parameters: ToolParameters
    )
        throws(ToolArgumentError)
    {
        for name in values.keys.sorted() where parameters.properties[name] == nil {
            throw ToolArgumentError(tool: tool, message: "unknown parameter '\(name)'")
        }
        for name in parameters.required where values[name] == nil || values[name] == .null {
            throw ToolArgumentError(tool: tool, message: "missing required parameter '\(name)'")
        }
        for (name, value) in values {
            guard let property = parameters.properties[name], value != .null else { continue }
            switch (property.type, value) {
            case (.string, .string(let text)):
                if let choices = property.enum, !choices.contains(text) {
                    throw ToolArgumentError(
                        tool: tool, message: "'\(name)' must be one of \(choices.joined(separator: ", "))")
                }
                if text.trimmingWhitespace().isEmpty {
                    throw ToolArgumentError(tool: tool, message: "'\(name)' must not be empty")
                }
            case (.integer, .number(let number)) where number == number.rounded(): break
            case (.number, .number), (.boolean, .bool): break
            default:
                throw ToolArgumentError(tool: tool, message: "'\(name)' must be \(property.type.withArticle)")
            }
        }
        self.values = values
    }

    /// A string argument (checked already when it is required).
    public func string(_ name: String) -> String? {
        if case .string(let value) = values[name] { return value }
        return nil
    }
}

/// Arguments a tool cannot run with.
public struct ToolArgumentError: Error, Sendable, Equatable, CustomStringConvertible {
    public var tool: ToolName
    public var message: String

    public init(tool: ToolName, message: String) {
        self.tool = tool
        self.message = message
    }

    public var description: String { "Invalid arguments for \(tool): \(message)" }
}
