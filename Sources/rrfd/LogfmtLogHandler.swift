import Foundation
import Logging

/// Prints one logfmt line per event to stderr: `ts=… level=info msg="worker pool started" pool=rrfd workers=4`.
struct LogfmtLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    init(label: String, level: Logger.Level) {
        self.label = label
        self.logLevel = level
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { _, new in new } }
        if let extra = event.metadata { fields.merge(extra) { _, new in new } }
        var line = "ts=\(Self.timestamp()) level=\(event.level.rawValue) msg=\(Self.quote(event.message.description))"
        line += " logger=\(Self.quote(label))"
        for key in fields.keys.sorted() {
            line += " \(Self.key(key))=\(Self.quote(fields[key].map { "\($0)" } ?? ""))"
        }
        if event.level >= .error { line += " source=\(Self.quote("\(event.file):\(event.line)"))" }
        line += "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    /// Values with spaces, quotes, `=` or control characters are quoted and escaped.
    static func quote(_ value: String) -> String {
        let needsQuotes = value.isEmpty || value.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\\" || $0.isNewline || $0.asciiValue.map { $0 < 32 } == true }
        guard needsQuotes else { return value }
        var escaped = "\""
        for character in value {
            switch character {
            case "\"": escaped += "\\\""
            case "\\": escaped += "\\\\"
            case "\n": escaped += "\\n"
            case "\r": escaped += "\\r"
            case "\t": escaped += "\\t"
            default: escaped.append(character)
            }
        }
        return escaped + "\""
    }

    static func key(_ key: String) -> String {
        String(key.map { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." ? $0 : "_" })
    }

    /// UTC with milliseconds (`2026-12-03T12:25:13.389Z`). The format style is FoundationEssentials' own:
    /// `ISO8601DateFormatter` went through ICU, whose tables then stayed resident (6 MB of an idle daemon).
    private static let format = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    static func timestamp() -> String { Date().formatted(format) }
}
