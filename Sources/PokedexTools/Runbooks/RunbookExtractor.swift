import Foundation
import PokedexSettings

/// Why a file in the runbooks folder was not indexed; shown to the operator.
public enum RunbookSkipReason: Error, Equatable, Sendable, CustomStringConvertible {
    case unsupportedType(String)
    case binary
    case notUTF8
    case needsTool(String)
    case unreadable(String)
    case empty

    public var description: String {
        switch self {
        case .unsupportedType(let type): "unsupported file type '\(type)'"
        case .binary: "binary content in a text file"
        case .notUTF8: "not valid UTF-8 text"
        case .needsTool(let tool): "needs \(tool), which is not installed"
        case .unreadable(let reason): "unreadable: \(reason)"
        case .empty: "no text"
        }
    }
}

/// Turns a runbook file into paragraphs with their section headings (Markdown, text, HTML) or pages
/// (PDF, through `pdftotext`); DOCX through its XML (`unzip`).
public struct RunbookExtractor: Sendable {
    /// The extensions indexed.
    public static let supported = ["md", "markdown", "txt", "text", "html", "htm", "pdf", "docx"]

    public init() {}

    /// - Parameters:
    ///   - file: the runbook; its extension decides the format.
    ///   - contents: its bytes, when the caller has read them already.
    public func paragraphs(of file: URL, contents: Data? = nil) throws(RunbookSkipReason) -> [RunbookParagraph] {
        let type = file.pathExtension.lowercased()
        let paragraphs: [RunbookParagraph]
        switch type {
        case "md", "markdown": paragraphs = Self.markdown(try text(of: file, contents))
        case "txt", "text": paragraphs = Self.markdown(try text(of: file, contents), headings: false)
        case "html", "htm": paragraphs = Self.markdown(Self.htmlAsMarkdown(try text(of: file, contents)))
        case "pdf": paragraphs = try Self.pdf(file)
        case "docx": paragraphs = try Self.docx(file)
        default: throw .unsupportedType(type.isEmpty ? "(none)" : type)
        }
        guard !paragraphs.isEmpty else { throw .empty }
        return paragraphs
    }

    private func text(of file: URL, _ contents: Data?) throws(RunbookSkipReason) -> String {
        let data: Data
        do {
            data = try contents ?? Data(contentsOf: file)
        } catch {
            throw .unreadable(error.localizedDescription)
        }
        if data.prefix(8192).contains(0) { throw .binary }
        guard let text = String(data: data, encoding: .utf8) else { throw .notUTF8 }
        return text
    }

    /// Paragraphs separated by blank lines; `#` headings name the section of what follows, as the
    /// path of headings above it (`Ransomware Response › First 15 minutes`). A short block under the
    /// document's title (owner, review cycle) is read with the first section after it: alone it
    /// matches every question that names the runbook and answers none of them.
    static func markdown(_ text: String, headings: Bool = true) -> [RunbookParagraph] {
        var paragraphs: [RunbookParagraph] = []
        var path: [(level: Int, title: String)] = []
        var lines: [Substring] = []
        func flush() {
            let paragraph = lines.joined(separator: "\n").trimmingWhitespace()
            let section = path.isEmpty ? nil : path.map(\.title).joined(separator: RunbookParagraph.pathSeparator)
            if !paragraph.isEmpty { paragraphs.append(RunbookParagraph(paragraph, section: section)) }
            lines.removeAll()
        }
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0 == " " }
            if headings, trimmed.hasPrefix("#") {
                let title = trimmed.drop { $0 == "#" }
                if title.first == " " || title.isEmpty {
                    flush()
                    let level = trimmed.count - title.count
                    path.removeAll { $0.level >= level }
                    let heading = String(title).trimmingWhitespace()
                    if !heading.isEmpty { path.append((level, heading)) }
                    continue
                }
            }
            if trimmed.allSatisfy(\.isWhitespace) {
                flush()
            } else {
                lines.append(line)
            }
        }
        flush()
        return withTitleBlockInFirstSection(paragraphs)
    }

    /// The longest block under a title that is still only its preamble.
    static let titleBlockLimit = 400

    private static func withTitleBlockInFirstSection(_ paragraphs: [RunbookParagraph]) -> [RunbookParagraph] {
        guard let title = paragraphs.first?.section,
            let first = paragraphs.firstIndex(where: { $0.section?.hasPrefix(title + RunbookParagraph.pathSeparator) == true }),
            paragraphs[..<first].allSatisfy({ $0.section == title }),
            paragraphs[..<first].map(\.text.count).reduce(0, +) <= titleBlockLimit
        else { return paragraphs }
        var merged = paragraphs
        for index in 0..<first { merged[index].section = paragraphs[first].section }
        return merged
    }

    /// HTML reduced to Markdown-like text: headings become `#` lines, block elements paragraphs,
    /// scripts and styles disappear, entities are decoded.
    static func htmlAsMarkdown(_ html: String) -> String {
        var text = html.replacing(/(?is)<(script|style|head)\b.*?<\/\1\s*>/, with: "")
        text = text.replacing(/(?is)<h[1-6]\b[^>]*>(.*?)<\/h[1-6]\s*>/) { match in
            "\n\n# " + String(match.1).replacing(/<[^>]*>/, with: "").replacing(/\s+/, with: " ") + "\n\n"
        }
        text = text.replacing(
            /(?i)<(br|\/p|\/div|\/li|\/tr|\/section|\/article|\/ul|\/ol|\/table)\b[^>]*>/, with: "\n\n")
        text = text.replacing(/(?i)<li\b[^>]*>/, with: "\n\n- ")
        text = text.replacing(/<[^>]*>/, with: "")
        return decodeEntities(text)
    }

    static func decodeEntities(_ text: String) -> String {
        let named = [
            "&amp;": "&", "&lt;": "<", "&gt;": ">", "&quot;": "\"", "&apos;": "'", "&#39;": "'", "&nbsp;": " ",
        ]
        var result = text.replacing(/&#(x?)([0-9A-Fa-f]+);/) { match in
            let value = UInt32(String(match.2), radix: match.1.isEmpty ? 10 : 16)
            return value.flatMap(Unicode.Scalar.init).map { String(Character($0)) } ?? ""
        }
        for (entity, character) in named where result.contains(entity) {
            result = result.replacingOccurrences(of: entity, with: character)
        }
        return result
    }

    /// PDF text by page, through poppler's `pdftotext`.
    static func pdf(_ file: URL) throws(RunbookSkipReason) -> [RunbookParagraph] {
        let output = try run("pdftotext", ["-enc", "UTF-8", "-layout", file.path, "-"])
        return output.split(separator: "\u{0C}", omittingEmptySubsequences: false).enumerated().flatMap { page, text in
            markdown(String(text), headings: false).map { RunbookParagraph($0.text, section: "page \(page + 1)") }
        }
    }

    /// DOCX: the paragraphs of `word/document.xml`; paragraphs styled as headings or a title name
    /// the section.
    static func docx(_ file: URL) throws(RunbookSkipReason) -> [RunbookParagraph] {
        let xml = try run("unzip", ["-p", file.path, "word/document.xml"])
        var paragraphs: [RunbookParagraph] = []
        var section: String?
        for match in xml.matches(of: /(?s)<w:p[ >].*?<\/w:p>/) {
            let body = String(match.0)
            let text = decodeEntities(body.matches(of: /<w:t(?: [^>]*)?>([^<]*)<\/w:t>/).map { String($0.1) }.joined())
                .trimmingWhitespace()
            guard !text.isEmpty else { continue }
            if body.contains(/<w:pStyle w:val="(Heading\d|Title)"/) {
                section = text
            } else {
                paragraphs.append(RunbookParagraph(text, section: section))
            }
        }
        return paragraphs
    }

    /// Runs a converter and returns its standard output as text.
    private static func run(_ tool: String, _ arguments: [String]) throws(RunbookSkipReason) -> String {
        guard
            let path = ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":")
                .map({ "\($0)/\(tool)" }).first(where: FileManager.default.isExecutableFile(atPath:))
        else {
            throw .needsTool(tool)
        }
        let data: Data
        do {
            data = try ConverterProcess.run(path, arguments)
        } catch {
            throw .unreadable(reason(tool, error))
        }
        guard let text = String(data: data, encoding: .utf8) else { throw .notUTF8 }
        return text
    }

    private static func reason(_ tool: String, _ failure: ConverterProcess.Failure) -> String {
        switch failure {
        case .cannotRun(let reason): "\(tool) could not run (\(reason))"
        case .timedOut: "\(tool) took longer than \(ConverterProcess.defaultTimeLimit.components.seconds) seconds"
        case .tooMuchOutput: "\(tool) wrote more than \(ConverterProcess.defaultOutputLimit >> 20) MiB of text"
        case .exited(let status): "\(tool) failed (exit \(status))"
        case .signalled(let signal): "\(tool) was killed (signal \(signal))"
        }
    }
}
