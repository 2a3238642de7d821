import Foundation

/// The export/import format (SPEC 1.4), version 1:
///
/// - JSON: `{"format":"pokedex-sessions","version":1,"sessions":[{"user","room","messages":[…]}]}`
/// - JSON Lines: a header line `{"format":"pokedex-sessions","version":1}`, then one session per line,
///   so large exports stream and a broken line is named by its number.
///
/// Output is deterministic (sorted keys, fixed timestamp form), so export → import → export gives the
/// same bytes.
public enum SessionArchive {
    public static let formatName = "pokedex-sessions"
    public static let version = 1

    /// The two layouts of the format.
    public enum Layout: String, Sendable, CaseIterable {
        case json, jsonl
    }

    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }

    /// The whole archive for some sessions, in memory; ``SessionArchiveWriter`` streams instead.
    public static func encode(_ sessions: [ArchivedSession], layout: Layout) throws -> Data {
        var data = Data()
        var writer = SessionArchiveWriter(layout: layout) { data.append($0) }
        try writer.begin()
        for session in sessions { try writer.write(session) }
        try writer.finish()
        return data
    }
}

/// Writes an archive piece by piece to a sink (a file, stdout, an HTTP body).
public struct SessionArchiveWriter {
    private let layout: SessionArchive.Layout
    private let sink: (Data) throws -> Void
    private let encoder = SessionArchive.encoder()
    private var written = 0

    /// - Parameters:
    ///   - layout: JSON document or JSON Lines.
    ///   - sink: receives the bytes in order.
    public init(layout: SessionArchive.Layout, sink: @escaping (Data) throws -> Void) {
        self.layout = layout
        self.sink = sink
    }

    private var header: String {
        #"{"format":"\#(SessionArchive.formatName)","version":\#(SessionArchive.version)"#
    }

    public mutating func begin() throws {
        switch layout {
        case .json: try sink(Data((header + #","sessions":["#).utf8))
        case .jsonl: try sink(Data((header + "}\n").utf8))
        }
    }

    public mutating func write(_ session: ArchivedSession) throws {
        var bytes = try encoder.encode(session)
        switch layout {
        case .json: if written > 0 { bytes.insert(UInt8(ascii: ","), at: 0) }
        case .jsonl: bytes.append(UInt8(ascii: "\n"))
        }
        try sink(bytes)
        written += 1
    }

    public mutating func finish() throws {
        if layout == .json { try sink(Data("]}\n".utf8)) }
    }
}

extension SessionStore {
    /// Streams an export of every session, or of one, to a sink.
    /// - Returns: how many sessions were written (0 when `only` names no session).
    @discardableResult
    public func export(
        only key: SessionKey? = nil, layout: SessionArchive.Layout, to sink: @escaping (Data) throws -> Void
    ) async throws -> Int {
        var writer = SessionArchiveWriter(layout: layout, sink: sink)
        try writer.begin()
        var count = 0
        if let key {
            if let session = try await archivedSession(key) {
                try writer.write(session)
                count = 1
            }
        } else {
            var cursor: SessionKey?
            while true {
                let page = try await archivedSessions(after: cursor, limit: 500)
                for session in page { try writer.write(session) }
                count += page.count
                guard let last = page.last, page.count == 500 else { break }
                cursor = last.key
            }
        }
        try writer.finish()
        return count
    }
}
