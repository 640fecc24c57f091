import Foundation

extension Money {
    /// Parses text such as `12500.50 USD` (or `USD 12500.50`): an amount and an ISO 4217 code separated by spaces.
    /// - Throws: the refusals of ``init(amount:currency:)`` and of ``Currency/init(code:)``, or `money_format`
    ///   when the text is not an amount and a currency code.
    public init(parsing text: String) throws(WorkflowRejection) {
        let parts = text.split(whereSeparator: \.isWhitespace).map(String.init)
        guard !parts.isEmpty else { throw Money.emptyAmount }
        guard parts.count == 2 else {
            throw WorkflowRejection(
                code: "money_format",
                message: "\"\(text)\" is not an amount with its currency; write it like 12500.50 USD."
            )
        }
        // "USD 12500" and "12500 USD" both read; when both parts are letters ("lots USD"), the amount is the bad part.
        let codeFirst = parts[0].allSatisfy(\.isLetter) && !parts[1].allSatisfy(\.isLetter)
        let currency = try Currency(code: codeFirst ? parts[0] : parts[1])
        try self.init(amount: codeFirst ? parts[1] : parts[0], currency: currency)
    }

    /// Parses an amount text together with a currency code, e.g. `("12,500.50", "USD")`.
    /// - Throws: `currency_unknown` / `currency_missing`, or a refusal of ``init(amount:currency:)``.
    public init(amount: String, currencyCode: String) throws(WorkflowRejection) {
        try self.init(amount: amount, currency: Currency(code: currencyCode))
    }

    /// Parses a non-negative decimal amount exactly: `12500`, `12500.5`, `12,500.50` (commas group thousands).
    /// - Throws: `amount_empty`, `amount_negative`, `amount_not_a_number`, `amount_too_many_decimals`
    ///   (more decimals than the currency's minor unit) or `amount_too_large` (beyond `Int64` minor units).
    public init(amount: String, currency: Currency) throws(WorkflowRejection) {
        let text = amount.trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { throw Money.emptyAmount }
        guard !text.hasPrefix("-") else {
            throw WorkflowRejection(code: "amount_negative", message: "The amount \(text) is negative; enter an amount of zero or more.")
        }
        let pieces = text.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count <= 2, let integerText = Money.integerDigits(pieces[0]) else {
            throw Money.notANumber(text)
        }
        let fractionText = pieces.count == 2 ? String(pieces[1]) : ""
        guard pieces.count == 1 || (!fractionText.isEmpty && fractionText.allSatisfy(\.isASCIIDigit)) else {
            throw Money.notANumber(text)
        }
        guard fractionText.count <= currency.minorUnitDigits else {
            throw WorkflowRejection(
                code: "amount_too_many_decimals",
                message: "The amount \(text) has more decimals than \(currency.code) allows (\(currency.minorUnitDigits)); round it to \(currency.minorUnitDigits) decimals."
            )
        }
        let paddedFraction = fractionText + String(repeating: "0", count: currency.minorUnitDigits - fractionText.count)
        var value: Int64 = 0
        for digit in integerText + paddedFraction {
            let (shifted, overflowMultiply) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowAdd) = shifted.addingReportingOverflow(Int64(digit.wholeNumberValue ?? 0))
            guard !overflowMultiply, !overflowAdd else {
                throw WorkflowRejection(code: "amount_too_large", message: "The amount \(text) \(currency.code) is too large; check the number of digits.")
            }
            value = next
        }
        self.init(minorUnits: value, currency: currency)
    }

    /// The digits of an integer part, accepting commas only as thousands separators (`12,500`), or nil.
    private static func integerDigits(_ text: Substring) -> String? {
        guard !text.isEmpty else { return nil }
        let groups = text.split(separator: ",", omittingEmptySubsequences: false)
        guard groups.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }) else { return nil }
        if groups.count > 1 {
            guard groups[0].count <= 3, groups.dropFirst().allSatisfy({ $0.count == 3 }) else { return nil }
        }
        return groups.joined()
    }

    private static var emptyAmount: WorkflowRejection {
        WorkflowRejection(code: "amount_empty", message: "The amount is empty; enter an amount like 12500.50 USD.")
    }

    private static func notANumber(_ text: String) -> WorkflowRejection {
        WorkflowRejection(
            code: "amount_not_a_number",
            message: "\"\(text)\" is not an amount; write digits with an optional decimal point and comma thousands separators, like 12,500.50."
        )
    }
}

extension Character {
    /// Whether the character is one of the ASCII digits 0–9 (not other Unicode digits).
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}

extension Money {
    /// ``init(parsing:)``, its refusal naming `field` first (`--amount: "12,5" is not an amount …`).
    public init(parsing text: String, field: String) throws(WorkflowRejection) {
        do throws(WorkflowRejection) {
            self = try Money(parsing: text)
        } catch {
            throw error.about(field)
        }
    }
}
