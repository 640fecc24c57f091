/// An exact amount of money: an integer number of minor units (cents, fils …) in one currency.
///
/// Money never goes through floating point. Arithmetic is checked: mixing currencies or overflowing `Int64`
/// is refused with a ``WorkflowRejection`` instead of trapping.
public struct Money: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The amount in minor units of ``currency`` (e.g. 1250050 for 12500.50 USD).
    public let minorUnits: Int64
    /// The currency of the amount.
    public let currency: Currency

    /// Creates an amount from minor units.
    public init(minorUnits: Int64, currency: Currency) {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    /// Zero in the given currency.
    public static func zero(_ currency: Currency) -> Money {
        Money(minorUnits: 0, currency: currency)
    }

    /// Whether the amount is greater than zero.
    public var isPositive: Bool { minorUnits > 0 }

    /// The plain form used everywhere money is entered or shown, e.g. `12500.50 USD`.
    public var description: String { "\(amountText(grouped: false)) \(currency.code)" }

    /// The grouped form for tables, e.g. `12,500.50 USD`.
    public var grouped: String { "\(amountText(grouped: true)) \(currency.code)" }

    /// The decimal amount without the currency code, e.g. `12500.50`, optionally with thousands separators.
    public func amountText(grouped: Bool) -> String {
        let magnitude = minorUnits.magnitude
        let factor = UInt64(currency.minorUnitsPerMajorUnit)
        var integerPart = String(magnitude / factor)
        if grouped {
            integerPart = Money.groupThousands(integerPart)
        }
        let sign = minorUnits < 0 ? "-" : ""
        guard currency.minorUnitDigits > 0 else { return sign + integerPart }
        let fraction = String(magnitude % factor)
        let padded = String(repeating: "0", count: currency.minorUnitDigits - fraction.count) + fraction
        return "\(sign)\(integerPart).\(padded)"
    }

    private static func groupThousands(_ digits: String) -> String {
        var groups: [Substring] = []
        var end = digits.endIndex
        while end > digits.startIndex {
            let start = digits.index(end, offsetBy: -3, limitedBy: digits.startIndex) ?? digits.startIndex
            groups.insert(digits[start..<end], at: 0)
            end = start
        }
        return groups.joined(separator: ",")
    }
}
