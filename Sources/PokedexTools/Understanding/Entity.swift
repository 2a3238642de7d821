/// A kind of thing a question can name and a tool can look up (SPEC 3.2). A tool declares the
/// kinds it takes (``Tool/entityParameters``); the question's entities, not its verbs, decide
/// which tool looks.
public enum EntityKind: String, Sendable, CaseIterable, Codable {
    /// A hostname (`WS-1234`, `ws-1234`, `fs01.corp.example.com`).
    case host
    /// A place, named in a question about the weather there.
    case place
    /// An IPv4 or IPv6 address.
    case ip
    /// A domain name that is not one of the estate's hosts (`evil-login.com`).
    case domain
    /// A URL.
    case url
    /// An e-mail address.
    case email
    /// An MD5, SHA-1 or SHA-256 hash.
    case hash
}

/// Something a question names.
public struct Entity: Sendable, Hashable, CustomStringConvertible {
    public var kind: EntityKind
    /// As the user wrote it (a tool decides how to match it: Falcon looks hostnames up in any case).
    public var value: String

    public init(_ kind: EntityKind, _ value: String) {
        self.kind = kind
        self.value = value
    }

    public var description: String { "\(kind.rawValue) \(value)" }

    /// The same entity, whatever the case it was written in.
    public func sameAs(_ other: Entity) -> Bool {
        kind == other.kind && value.lowercased() == other.value.lowercased()
    }
}

/// A request to act that a tool carries out ("contain WS-1234", "get ws-1234 off the network",
/// "WS-1234 needs to be isolated"): the words that ask for it, the kind of thing it acts on, and
/// the arguments it adds. Such a request goes to the tool's request step directly (which asks for
/// confirmation), with or without a model.
public struct ToolAction: Sendable {
    /// Verbs that ask for it, lower case, found as whole words anywhere in a message that is not a
    /// question ("contain", "isolate", "lift containment").
    public var verbs: [String]
    /// Regular expressions (over the lower-cased message) for the ways of asking that are not one
    /// verb ("needs to be contained", "cut it off", "put it back on the network").
    public var patterns: [String]
    /// What it acts on.
    public var target: EntityKind
    /// The parameter the target goes in.
    public var parameter: String
    /// The arguments it adds (for containment: `action: contain`).
    public var arguments: [String: ToolArgument]
    /// What it does, for the user ("contain a host").
    public var summary: String

    public init(
        verbs: [String], patterns: [String] = [], target: EntityKind, parameter: String,
        arguments: [String: ToolArgument] = [:], summary: String
    ) {
        self.verbs = verbs
        self.patterns = patterns
        self.target = target
        self.parameter = parameter
        self.arguments = arguments
        self.summary = summary
    }
}
