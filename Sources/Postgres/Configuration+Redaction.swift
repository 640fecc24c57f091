import Foundation

extension PostgresConfiguration {
    /// `text`, a `postgresql://` URL or a libpq conninfo string, with every password in it replaced by
    /// `(redacted)`, for showing a configuration: `postgresql://rrf_app:(redacted)@db/rrf`,
    /// `postgresql://rrf_app@db/rrf?password=(redacted)`, `host=db password=(redacted) dbname=rrf`.
    public static func redactingPassword(in text: String) -> String {
        var text = text
        if let scheme = text.range(of: "://") {
            let rest = text[scheme.upperBound...]
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
            if let at = rest[..<authorityEnd].lastIndex(of: "@"), let colon = rest[..<at].firstIndex(of: ":") {
                text.replaceSubrange(text.index(after: colon)..<at, with: "(redacted)")
            }
            return replacing("([?&]password=)[^&]*", in: text)
        }
        return replacing("(password\\s*=\\s*)('(?:[^'\\\\]|\\\\.)*'|\\S+)", in: text)
    }

    private static func replacing(_ pattern: String, in text: String) -> String {
        guard let expression = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]) else { return text }
        return expression.stringByReplacingMatches(in: text, range: NSRange(text.startIndex..., in: text), withTemplate: "$1(redacted)")
    }
}
