import Foundation

/// Whether a free text is one line (a name, a title, a code, a search) or may run over lines (a reason, a
/// comment, a narrative).
public enum TextShape: Sendable {
    /// No line break, tab or other control character.
    case line
    /// Line breaks and tabs allowed; no other control character.
    case lines
}

/// The longest text each kind of field accepts, in characters. docs/input.md lists them per field.
public enum TextLimit {
    /// A name, title or label on one line.
    public static let line = 300
    /// The reason for a decision, a suspension, a cancellation.
    public static let reason = 2_000
    /// A reviewer's comment on one criterion, a course description, a proposal's summary.
    public static let comment = 5_000
    /// A report's narrative.
    public static let narrative = 20_000
}

extension Validate {
    /// Refuses characters no person types into `field`, naming the first and where it is:
    /// - U+FFFD, which is what invalid UTF-8 became when it was read (arguments, files, forms);
    /// - NUL (libpq passes text as C strings, so it would cut the text short);
    /// - control characters, such as the escape that starts an ANSI terminal sequence (a `.lines` text keeps
    ///   line breaks and tabs, and ``text(_:field:maximum:shape:)`` turns a CR LF pair into a line break);
    /// - in a `.line` text, the bidirectional embedding, override and isolate controls (U+202A–U+202E,
    ///   U+2066–U+2069), which make a name read differently from what it is.
    /// - Throws: `<field>_invalid`.
    public static func characters(_ text: String, field: String, shape: TextShape = .line) throws(WorkflowRejection) {
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            let position = offset + 1
            if scalar == "\u{FFFD}" {
                throw WorkflowRejection(
                    code: "\(code(of: field))_invalid",
                    message: "The \(field) holds bytes that are not valid UTF-8 (shown as \u{FFFD} at character \(position)); retype it, or save the file as UTF-8."
                )
            }
            if shape == .lines && (scalar == "\n" || scalar == "\t") { continue }
            if scalar.properties.generalCategory == .control {
                throw WorkflowRejection(
                    code: "\(code(of: field))_invalid",
                    message: "The \(field) holds the control character U+\(hex(scalar))\(controlName(scalar)) at character \(position); remove it."
                )
            }
            if shape == .line && ((0x202A...0x202E).contains(scalar.value) || (0x2066...0x2069).contains(scalar.value)) {
                throw WorkflowRejection(
                    code: "\(code(of: field))_invalid",
                    message: "The \(field) holds the direction control U+\(hex(scalar)) at character \(position), which makes it read differently from what it is; remove it."
                )
            }
        }
    }

    /// What the control character `scalar` is, for a person: " (escape, …)".
    private static func controlName(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case "\u{0}": " (NUL)"
        case "\u{1B}": " (escape, which starts a terminal colour or cursor code)"
        case "\n": " (a line break; this field is one line)"
        case "\r": " (a carriage return)"
        case "\t": " (a tab; this field is one line)"
        default: ""
        }
    }

    private static func hex(_ scalar: Unicode.Scalar) -> String {
        let digits = String(scalar.value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
