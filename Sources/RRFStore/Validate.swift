import Foundation
import JobQueue

/// Input checks shared by the commands, each refusing with a sentence before anything is written.
enum Validate {
    /// The text without surrounding whitespace; refuses empty text and text longer than `maximum` characters.
    static func text(_ text: String, field: String, maximum: Int) throws -> String {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else {
            throw StoreError.rejected("\(field.replacingOccurrences(of: " ", with: "_"))_missing", "The \(field) is empty; fill it in.")
        }
        guard trimmed.count <= maximum else {
            throw StoreError.rejected(
                "\(field.replacingOccurrences(of: " ", with: "_"))_too_long",
                "The \(field) has \(trimmed.count) characters; shorten it to \(maximum) or fewer."
            )
        }
        guard !trimmed.contains("\u{0}") else {
            throw StoreError.rejected("\(field.replacingOccurrences(of: " ", with: "_"))_invalid", "The \(field) contains a NUL character; remove it.")
        }
        return trimmed
    }

    /// A page size: 1…1000.
    static func limit(_ limit: Int) throws -> Int {
        guard (1...1000).contains(limit) else {
            throw StoreError.rejected("limit_invalid", "The limit \(limit) is not accepted; give 1 to 1000.")
        }
        return limit
    }

    /// A page offset: 0 or more.
    static func offset(_ offset: Int) throws -> Int {
        guard offset >= 0 else {
            throw StoreError.rejected("offset_invalid", "The offset \(offset) is negative; give 0 or more.")
        }
        return offset
    }
}

/// Builds the follow-up jobs of the commands.
enum NewJobs {
    static func make(_ kind: String, _ payload: some Encodable, runAt: Date? = nil, uniqueKey: String? = nil) throws -> NewJob {
        try NewJob(kind: kind, payload: payload, runAt: runAt, uniqueKey: uniqueKey)
    }
}
