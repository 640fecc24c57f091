extension Money {
    /// The sum of two amounts of the same currency.
    /// - Throws: `currency_mismatch` when the currencies differ, `amount_overflow` when the sum does not fit.
    public func adding(_ other: Money) throws(WorkflowRejection) -> Money {
        try requireSameCurrency(other)
        let (sum, overflow) = minorUnits.addingReportingOverflow(other.minorUnits)
        guard !overflow else { throw Money.overflow(self, "+", other) }
        return Money(minorUnits: sum, currency: currency)
    }

    /// This amount minus another of the same currency (the result may be negative).
    /// - Throws: `currency_mismatch` when the currencies differ, `amount_overflow` when the result does not fit.
    public func subtracting(_ other: Money) throws(WorkflowRejection) -> Money {
        try requireSameCurrency(other)
        let (difference, overflow) = minorUnits.subtractingReportingOverflow(other.minorUnits)
        guard !overflow else { throw Money.overflow(self, "-", other) }
        return Money(minorUnits: difference, currency: currency)
    }

    /// The sum of several amounts in `currency`.
    /// - Throws: `currency_mismatch` or `amount_overflow`.
    public static func total(_ amounts: [Money], in currency: Currency) throws(WorkflowRejection) -> Money {
        var sum = Money.zero(currency)
        for amount in amounts {
            sum = try sum.adding(amount)
        }
        return sum
    }

    /// `percent` % of this amount in minor units.
    ///
    /// Rounding rule: the exact result is **rounded toward zero** (down, for the non-negative amounts the fund
    /// handles); the caller decides where the remainder goes (the tranche plan gives it to the last tranche).
    /// The computation cannot overflow because `percent` is at most 100.
    /// - Throws: `percentage_out_of_range` when `percent` is not in 0…100.
    public func percentage(_ percent: Int) throws(WorkflowRejection) -> Money {
        guard (0...100).contains(percent) else {
            throw WorkflowRejection(
                code: "percentage_out_of_range",
                message: "A percentage of \(percent) is not possible; use a whole number from 0 to 100."
            )
        }
        let share = Int64(percent)
        let result = minorUnits / 100 * share + minorUnits % 100 * share / 100
        return Money(minorUnits: result, currency: currency)
    }

    /// Refuses an amount in another currency.
    /// - Throws: `currency_mismatch`.
    public func requireSameCurrency(_ other: Money) throws(WorkflowRejection) {
        guard other.currency == currency else {
            throw WorkflowRejection(
                code: "currency_mismatch",
                message: "Amounts in \(currency.code) and \(other.currency.code) cannot be combined; convert them to one currency first."
            )
        }
    }

    private static func overflow(_ left: Money, _ operation: String, _ right: Money) -> WorkflowRejection {
        WorkflowRejection(
            code: "amount_overflow",
            message: "The result of \(left) \(operation) \(right) is too large to be represented; check the amounts."
        )
    }
}
