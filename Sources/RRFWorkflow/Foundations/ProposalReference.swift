/// The human reference of a proposal, e.g. `RRF-2026-0042`: a prefix, the year and a sequence number
/// printed with at least four digits.
public struct ProposalReference: Hashable, Sendable, Codable, Comparable, CustomStringConvertible {
    /// Capital letters and digits starting with a letter, 1…12 characters (e.g. `RRF`).
    public let prefix: String
    /// The year, 2000…9999.
    public let year: Int
    /// The sequence within prefix and year, 1…999 999 999.
    public let sequence: Int

    /// Creates a reference after checking its parts.
    /// - Throws: `reference_invalid` when a part is out of range.
    public init(prefix: String = "RRF", year: Int, sequence: Int) throws(WorkflowRejection) {
        let validPrefix = (1...12).contains(prefix.count)
            && prefix.first.map { $0.isASCII && $0.isUppercase } == true
            && prefix.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber) }
        guard validPrefix, (2000...9999).contains(year), (1...999_999_999).contains(sequence) else {
            throw ProposalReference.invalid("\(prefix)-\(year)-\(sequence)")
        }
        self.prefix = prefix
        self.year = year
        self.sequence = sequence
    }

    /// Parses text such as `RRF-2026-0042`; the text must be exactly the formatted form.
    /// - Throws: `reference_invalid`.
    public init(parsing text: String) throws(WorkflowRejection) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, let year = Int(parts[1]), let sequence = Int(parts[2]) else {
            throw ProposalReference.invalid(text)
        }
        let reference = try ProposalReference(prefix: String(parts[0]), year: year, sequence: sequence)
        guard reference.description == text else { throw ProposalReference.invalid(text) }
        self = reference
    }

    /// The formatted reference, e.g. `RRF-2026-0042`.
    public var description: String {
        let digits = String(sequence)
        return "\(prefix)-\(year)-\(String(repeating: "0", count: max(0, 4 - digits.count)))\(digits)"
    }

    /// Orders by prefix, then year, then sequence (so `RRF-2026-9999` comes before `RRF-2026-10000`).
    public static func < (lhs: ProposalReference, rhs: ProposalReference) -> Bool {
        (lhs.prefix, lhs.year, lhs.sequence) < (rhs.prefix, rhs.year, rhs.sequence)
    }

    /// Decodes a reference from its text, refusing invalid text.
    public init(from decoder: any Decoder) throws {
        self = try decodeText(from: decoder) { (text) throws(WorkflowRejection) in try ProposalReference(parsing: text) }
    }

    /// Encodes the reference as its text.
    public func encode(to encoder: any Encoder) throws {
        try encodeText(description, to: encoder)
    }

    private static func invalid(_ text: String) -> WorkflowRejection {
        WorkflowRejection(
            code: "reference_invalid",
            message: "\"\(text)\" is not a proposal reference; write it like RRF-2026-0042 (prefix, year, sequence of at least 4 digits)."
        )
    }
}
