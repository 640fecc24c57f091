import Foundation
import RRFWorkflow

/// CSV as RFC 4180 writes it, made safe to open in a spreadsheet.
///
/// - Records end with CRLF; the first record is the header.
/// - A field is enclosed in double quotes when it contains a comma, a double quote, CR or LF (or starts or
///   ends with a space); a double quote inside a field is doubled.
/// - Formula injection: a field starting with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with
///   a single quote (`'`), so spreadsheets show it as text instead of running it (OWASP's advice). The
///   exports never write negative numbers, so no number is changed by this.
extension CSV {
    /// The characters that make a spreadsheet read a cell as a formula.
    static let formulaStarts: Set<Character> = ["=", "+", "-", "@", "\t", "\r"]

    /// One field, neutralised and quoted as needed.
    public static func field(_ text: String) -> String {
        var value = text
        if let first = value.first, formulaStarts.contains(first) { value = "'" + value }
        let needsQuotes = value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" })
            || value.hasPrefix(" ") || value.hasSuffix(" ")
        guard needsQuotes else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One record with its CRLF.
    public static func record(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }
}
