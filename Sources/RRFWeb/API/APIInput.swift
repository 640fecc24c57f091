import Foundation
import HTTPTypes
import RRFWorkflow

// What request bodies share: times and dates as text, read exactly or refused as a bad body naming the member,
// and the `version` a change may carry (the version the client saw; a newer one answers 409).

/// The body of a command that needs nothing but, optionally, the version the client saw; it may be empty.
struct APIVersionBody: Decodable {
    /// The version seen; another answers 409.
    let version: Int?
}

/// Reading the text members of a request body that are times or dates.
enum APIInput {
    /// The instant `text` of the body member `field`: RFC 3339 with its offset (`2026-12-15T17:00:00Z`,
    /// `…+03:00`, fractions allowed), read by the one parser of every time RRF takes (``InstantText``).
    /// - Throws: `body_invalid` (400) naming `field`, with the parser's reason.
    static func instant(_ text: String, field: String) throws(APIProblem) -> Date {
        do {
            return try InstantText.parse(text, field: "The member \(field)", bareDate: nil, utcOffsetMinutes: 0)
        } catch {
            throw APIProblem(.badRequest, code: "body_invalid", detail: error.message, field: field)
        }
    }

    /// The date `text` (`YYYY-MM-DD`) of the body member `field`.
    /// - Throws: `body_invalid` (400) naming `field`.
    static func date(_ text: String, field: String) throws(APIProblem) -> LocalDate {
        do {
            return try LocalDate(parsing: text)
        } catch {
            throw APIProblem(.badRequest, code: "body_invalid", detail: "The member \(field) of the request body must be a date like 2026-12-15.", field: field)
        }
    }

    /// The value of the body member `field` whose raw text must be one of `Value`'s cases.
    /// - Throws: `body_invalid` (400) naming `field` and the words it takes.
    static func word<Value: RawRepresentable & CaseIterable>(_ text: String, _ type: Value.Type, field: String) throws(APIProblem) -> Value
    where Value.RawValue == String {
        guard let value = Value(rawValue: text) else {
            let words = Value.allCases.map(\.rawValue).joined(separator: ", ")
            throw APIProblem(.badRequest, code: "body_invalid", detail: "The member \(field) of the request body must be one of \(words).", field: field)
        }
        return value
    }
}
