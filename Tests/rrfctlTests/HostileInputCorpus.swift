import Foundation

/// A hostile value, as the shell gives it to rrfctl: most as they are, some as bytes no Swift string can hold
/// (invalid UTF-8) or longer than a script may be (one argument may be at most 128 KiB on Linux).
enum HostileValue: CustomStringConvertible, Sendable {
    /// These characters, exactly.
    case text(String)
    /// The output of `printf FORMAT` (octal escapes for bytes that are not UTF-8, `%0Nd` for length).
    case printf(String)

    /// The value as one shell word.
    var shellWord: String {
        switch self {
        case .text(let text): shellQuoted(text)
        case .printf(let format): "\"$(printf \(shellQuoted(format)) 0)\""
        }
    }

    var description: String {
        switch self {
        case .text(let text): text.debugDescription
        case .printf(let format): "printf \(format.debugDescription)"
        }
    }
}

/// `text` in single quotes for sh.
func shellQuoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'" }

/// What a field holds, and so which hostile values it gets.
enum FieldKind: Sendable {
    /// Free text over lines (a reason, a comment, a narrative).
    case text
    /// Free text over lines that may be left out (a comment, a description): blank is no text, so accepted.
    case optionalText
    /// Free text on one line (a name, a title, a place).
    case line
    /// The code, reference or login of a record.
    case identifier
    /// A time (RFC 3339).
    case instant
    /// A calendar day.
    case date
    /// An amount with its currency.
    case money
    /// A whole number.
    case number
    /// One word of a fixed list.
    case word
    /// `name=value` (a score, a spending line, an envelope).
    case pair

    /// The corpus of issue 17 for this kind of field.
    var corpus: [HostileValue] {
        let everywhere: [HostileValue] = [
            .text("x' OR '1'='1"), .text("'; DROP TABLE proposals; --"), .text("\u{1B}[31mred\u{1B}[0m\u{1B}[2J"),
            .printf("Caf\\303("), .printf("x%0130000d"),
        ]
        switch self {
        case .text:
            return [.text("\u{1B}[31mred\u{1B}[0m"), .text("bell\u{7}ring"), .text("csi \u{9B}2J"), .text("over\rwrite"),
                    .printf("Caf\\303("), .printf("x%0130000d"), .text("   ")]
        case .optionalText:
            return FieldKind.text.corpus.filter { if case .text("   ") = $0 { false } else { true } }
        case .line:
            return [.text("\u{1B}[31mred\u{1B}[0m"), .text("two\nlines"), .text("tab\there"), .text("abc\u{202E}fdp.exe"),
                    .printf("Caf\\303("), .printf("x%0130000d"), .text("   ")]
        case .identifier:
            return everywhere + [.text("")]
        case .instant:
            return everywhere + [
                .text("2026-12-01T17:00:00+25:00"), .text("2026-12-01T17:00:00+99:99"), .text("2027-02-30"),
                .text("10000-01-01T00:00:00Z"), .text("2026-12-01T17:00:00Zgarbage"), .text("2026-12-01T17:00:00"),
            ]
        case .date:
            return everywhere + [.text("2027-02-30"), .text("10000-01-01"), .text("tomorrow"), .text("2026-13-01")]
        case .money:
            return everywhere + [
                .text("1e9 USD"), .text("-5 USD"), .text("NaN USD"), .text("12.345 USD"), .text("100"),
                .text("99999999999999999999 USD"), .text("100 XYZ"),
            ]
        case .number:
            return everywhere + [.text("-1"), .text("99999999999999999999"), .text("1.5"), .text("abc")]
        case .word:
            return everywhere + [.text("aproved")]
        case .pair:
            return everywhere + [.text("="), .text("relevance=\u{1B}[2J"), .text("relevance=99999999999999999999")]
        }
    }
}

/// One field of one command: the command's `path`, its arguments with `§` where the hostile value goes, who
/// runs it on the demo fund, and a word the refusal must contain (the field's name, or the record it names).
struct HostileField: CustomStringConvertible, Sendable {
    let path: [String]
    let arguments: [String]
    let actor: String
    let kind: FieldKind
    let names: String

    init(_ path: String, _ arguments: String, as actor: String, _ kind: FieldKind, names: String) {
        self.path = path.split(separator: " ").map(String.init)
        self.arguments = arguments.split(separator: " ").map(String.init)
        self.actor = actor
        self.kind = kind
        self.names = names
    }

    var description: String { (["rrfctl"] + path + arguments).joined(separator: " ") }
}
