import Foundation

/// A fresh directory under the system temporary directory, for real database files in tests.
public struct TemporaryDirectory: Sendable {
    public let url: URL

    /// Creates the directory; its name starts with `prefix`.
    public init(prefix: String = "pokedex-test") throws {
        url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(prefix)-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A path inside the directory.
    public func path(_ name: String) -> String { url.appendingPathComponent(name).path }

    /// Deletes the directory and everything in it.
    public func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}
