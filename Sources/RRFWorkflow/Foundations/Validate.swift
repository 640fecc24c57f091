import Foundation

/// The input rules every command applies before anything is written, each refusing with a sentence that
/// names the field: texts, page sizes and offsets, whole numbers in a range.
public enum Validate {
    /// The text without surrounding whitespace (line breaks as `\n`); refuses empty text, text longer than
    /// `maximum` characters and characters no person types (see ``characters(_:field:shape:)``).
    /// Codes: `<field>_missing`, `<field>_too_long`, `<field>_invalid` (spaces as `_`).
    public static func text(_ text: String, field: String, maximum: Int, shape: TextShape = .line) throws(WorkflowRejection) -> String {
        let trimmed = text.replacingOccurrences(of: "\r\n", with: "\n").trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw WorkflowRejection(code: "\(code(of: field))_missing", message: "The \(field) is empty; fill it in.")
        }
        try characters(trimmed, field: field, shape: shape)
        // Counted after the character check, so a 10 MB text of control characters is named for what it is.
        let count = trimmed.count
        guard count <= maximum else {
            throw WorkflowRejection(code: "\(code(of: field))_too_long", message: "The \(field) has \(count) characters; shorten it to \(maximum) or fewer.")
        }
        return trimmed
    }

    /// An ISO 3166-1 alpha-2 country code, upper case.
    /// - Throws: `country_invalid`.
    public static func countryCode(_ text: String) throws(WorkflowRejection) -> String {
        let country = text.trimmingCharacters(in: .whitespaces).uppercased()
        guard country.count == 2, country.allSatisfy({ $0.isASCII && $0.isLetter }) else {
            throw WorkflowRejection(code: "country_invalid", message: "\"\(country)\" is not a country code; give the ISO 3166 two-letter code, e.g. KE.")
        }
        return country
    }

    /// Text that may be empty (nil is empty), otherwise checked as ``text(_:field:maximum:shape:)`` checks it.
    /// Codes: `<field>_too_long`, `<field>_invalid`.
    public static func optionalText(_ text: String?, field: String, maximum: Int, shape: TextShape = .line) throws(WorkflowRejection) -> String {
        let trimmed = (text ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? "" : try Validate.text(trimmed, field: field, maximum: maximum, shape: shape)
    }

    /// Refuses `value` unless it is one of `values` (e.g. a state filter), naming them.
    /// - Throws: `code`.
    public static func oneOf(_ value: String, _ values: [String], code: String, what: String) throws(WorkflowRejection) {
        guard values.contains(value) else {
            throw WorkflowRejection(code: code, message: "\"\(value)\" is not a \(what); use one of \(values.joined(separator: ", ")).")
        }
    }

    /// The number of a reference such as `TS-12` (`ts-12` and `12` also accepted) → 12.
    /// - Throws: `reference_invalid`.
    public static func referenceNumber(_ text: String, prefix: String, what: String) throws(WorkflowRejection) -> Int {
        var text = text.trimmingCharacters(in: .whitespaces).uppercased()
        if text.hasPrefix(prefix + "-") { text.removeFirst(prefix.count + 1) }
        guard let number = Int(text), number > 0, number < Int(Int32.max) else {
            throw WorkflowRejection(code: "reference_invalid", message: "\"\(text)\" is not a \(what) reference; write it like \(prefix)-12.")
        }
        return number
    }

    /// `field` as the start of a refusal code: `organisation name` → `organisation_name`.
    static func code(of field: String) -> String { field.replacingOccurrences(of: " ", with: "_") }

    /// A page size: 1…1000.
    public static func limit(_ limit: Int) throws(WorkflowRejection) -> Int {
        try number(limit, in: 1...1000, code: "limit_invalid", "The limit \(limit) is not accepted; give 1 to 1000.")
    }

    /// A page offset: 0 or more.
    public static func offset(_ offset: Int) throws(WorkflowRejection) -> Int {
        try number(offset, in: 0...Int.max, code: "offset_invalid", "The offset \(offset) is negative; give 0 or more.")
    }

    /// `value` when it lies in `range`; otherwise refused with `code` and `message`.
    public static func number(_ value: Int, in range: ClosedRange<Int>, code: String, _ message: String) throws(WorkflowRejection) -> Int {
        guard range.contains(value) else { throw WorkflowRejection(code: code, message: message) }
        return value
    }
}

extension Validate {
    /// A login as the fund writes them: 1 to 64 lowercase letters, digits, `.`, `_`, `@` or `-`, starting with a
    /// letter or digit (upper case is lowered). The same rule as the `users_login_format` constraint.
    /// - Throws: `login_invalid`, naming `field`.
    public static func login(_ text: String, field: String) throws(WorkflowRejection) -> String {
        let login = text.trimmingCharacters(in: .whitespaces).lowercased()
        let allowed = login.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("0"..."9").contains($0) || ".-_@".unicodeScalars.contains($0) }
        guard (1...64).contains(login.unicodeScalars.count), allowed, let first = login.unicodeScalars.first,
              ("a"..."z").contains(first) || ("0"..."9").contains(first) else {
            throw WorkflowRejection(
                code: "login_invalid",
                message: "The \(field) is not a login: a login is 1 to 64 lowercase letters, digits, '.', '_', '@' or '-', starting with a letter or digit."
            )
        }
        return login
    }
}

extension Validate {
    /// A record's code (an organisation, a call, a committee, a course): 2 to 32 capital letters, digits, `-` or
    /// `_` (lower case is raised), the rule of the `…_code_format` constraints.
    /// - Throws: `code_invalid`, naming `field`.
    public static func code(_ text: String, field: String) throws(WorkflowRejection) -> String {
        let code = text.trimmingCharacters(in: .whitespaces).uppercased()
        let allowed = code.unicodeScalars.allSatisfy { ("A"..."Z").contains($0) || ("0"..."9").contains($0) || $0 == "-" || $0 == "_" }
        guard (2...32).contains(code.unicodeScalars.count), allowed else {
            throw WorkflowRejection(
                code: "code_invalid", message: "The \(field) is not a code: a code is 2 to 32 capital letters, digits, '-' or '_', e.g. NGO-ALPHA or SA-2026-1."
            )
        }
        return code
    }
}
