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
        guard let reference = ProposalReference.scan(text) else { throw ProposalReference.invalid(text) }
        self = reference
    }

    /// Reads the formatted form in one pass over its bytes (lists and rankings parse one per row): a prefix of
    /// capitals and digits starting with a capital, four year digits, and the sequence with at least four digits,
    /// zero-padded only up to four.
    private static func scan(_ text: String) -> ProposalReference? {
        var part = 0, prefixLength = 0, year = 0, yearDigits = 0, sequence = 0, sequenceDigits = 0
        var sequenceStartsWithZero = false
        for byte in text.utf8 {
            let digit = byte &- UInt8(ascii: "0")
            switch part {
            case _ where byte == UInt8(ascii: "-"):
                part += 1
                guard part <= 2 else { return nil }
            case 0 where (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (digit < 10 && prefixLength > 0):
                prefixLength += 1
            case 1 where digit < 10 && yearDigits < 4:
                year = year * 10 + Int(digit)
                yearDigits += 1
            case 2 where digit < 10 && sequenceDigits < 9:
                if sequenceDigits == 0 { sequenceStartsWithZero = digit == 0 }
                sequence = sequence * 10 + Int(digit)
                sequenceDigits += 1
            default:
                return nil
            }
        }
        guard part == 2, yearDigits == 4, sequenceDigits >= 4, sequenceDigits == 4 || !sequenceStartsWithZero else { return nil }
        guard (1...12).contains(prefixLength), year >= 2000, sequence >= 1 else { return nil }
        return ProposalReference(checkedPrefix: String(text.prefix(prefixLength)), year: year, sequence: sequence)
    }

    /// Parts `scan` has already checked.
    private init(checkedPrefix prefix: String, year: Int, sequence: Int) {
        self.prefix = prefix
        self.year = year
        self.sequence = sequence
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
