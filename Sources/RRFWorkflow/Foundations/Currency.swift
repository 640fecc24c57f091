import Foundation

/// An ISO 4217 currency and the number of digits of its minor unit (2 for USD cents, 0 for JPY, 3 for JOD fils).
///
/// Only currencies in ``Currency/minorUnitDigitsByCode`` are accepted; an unknown code is refused.
public struct Currency: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The three-letter ISO 4217 code in capitals, e.g. `USD`.
    public let code: String
    /// How many decimal digits the minor unit has (0…3).
    public let minorUnitDigits: Int

    /// Looks a currency up by its ISO 4217 code (case-insensitive, surrounding spaces ignored).
    /// - Throws: `currency_missing` for empty text, `currency_unknown` for a code not in the table.
    public init(code: String) throws(WorkflowRejection) {
        let normalised = code.trimmingCharacters(in: .whitespaces).uppercased()
        guard !normalised.isEmpty else {
            throw WorkflowRejection(code: "currency_missing", message: "The currency is missing; give an ISO 4217 code such as USD.")
        }
        guard let digits = Currency.minorUnitDigitsByCode[normalised] else {
            throw WorkflowRejection(
                code: "currency_unknown",
                message: "The currency \"\(normalised)\" is not known; use an ISO 4217 code such as USD, EUR or KES."
            )
        }
        self.code = normalised
        self.minorUnitDigits = digits
    }

    /// A currency known to be in the table (for built-in constants).
    init(consistentCode code: String, minorUnitDigits: Int) {
        self.code = code
        self.minorUnitDigits = minorUnitDigits
    }

    /// The code, e.g. `USD`.
    public var description: String { code }

    /// 10 to the power of ``minorUnitDigits``: how many minor units make one major unit.
    public var minorUnitsPerMajorUnit: Int64 {
        var factor: Int64 = 1
        for _ in 0..<minorUnitDigits { factor *= 10 }
        return factor
    }

    /// Decodes a currency from its code, refusing unknown codes.
    public init(from decoder: any Decoder) throws {
        self = try decodeText(from: decoder) { (text) throws(WorkflowRejection) in try Currency(code: text) }
    }

    /// Encodes the currency as its code.
    public func encode(to encoder: any Encoder) throws {
        try encodeText(code, to: encoder)
    }

    /// The built-in table: ISO 4217 code → minor-unit digits, covering the currencies humanitarian funds use.
    public static let minorUnitDigitsByCode: [String: Int] = [
        "USD": 2, "EUR": 2, "GBP": 2, "CHF": 2, "CAD": 2, "AUD": 2, "NOK": 2, "SEK": 2, "DKK": 2, "JPY": 0,
        "NZD": 2, "KES": 2, "UGX": 0, "TZS": 2, "RWF": 0, "BIF": 0, "DJF": 0, "ERN": 2, "ETB": 2, "SOS": 2,
        "SSP": 2, "SDG": 2, "EGP": 2, "YER": 2, "AFN": 2, "PKR": 2, "INR": 2, "NPR": 2, "LKR": 2, "BDT": 2,
        "MMK": 2, "THB": 2, "PHP": 2, "IDR": 2, "HTG": 2, "NGN": 2, "GHS": 2, "LRD": 2, "SLE": 2, "GNF": 0,
        "XOF": 0, "XAF": 0, "CDF": 2, "MZN": 2, "MWK": 2, "ZMW": 2, "ZWG": 2, "MGA": 2, "KMF": 0, "ZAR": 2,
        "COP": 2, "VEF": 2, "VES": 2, "BRL": 2, "PEN": 2, "MXN": 2, "UAH": 2, "MDL": 2, "TRY": 2, "SYP": 2,
        "LBP": 2, "JOD": 3, "IQD": 3, "TND": 3, "LYD": 3, "KWD": 3, "BHD": 3, "OMR": 3,
    ]
}
