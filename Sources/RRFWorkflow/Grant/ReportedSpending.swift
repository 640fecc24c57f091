import Foundation

/// Money an organisation reports spent on one budget line of its grant.
public struct SpendingLineAmount: Hashable, Sendable, Codable {
    /// The budget line, as named in the grant's budget.
    public let line: String
    /// The money spent on it, cumulative up to the end of the report's period.
    public let amount: Money

    /// Creates a line.
    public init(line: String, amount: Money) {
        self.line = line
        self.amount = amount
    }
}

/// The financial part of a report, checked against the grant: every line is a budget line of the grant (once),
/// in the grant's currency, not negative, and the total is no more than the money released so far (an
/// organisation cannot have spent the fund's money before receiving it).
public struct ReportedSpending: Hashable, Sendable, Codable {
    /// The lines, as checked (budget line names as the budget spells them).
    public let lines: [SpendingLineAmount]
    /// Their sum.
    public let total: Money

    /// Checks `lines` against the grant's budget lines and the money released to it.
    /// - Throws: `spending_missing`, `budget_line_unknown`, `budget_line_repeated`, `currency_mismatch`,
    ///   `amount_negative`, `spending_exceeds_released`.
    public init(lines: [SpendingLineAmount], budgetLines: [String], released: Money) throws(WorkflowRejection) {
        guard !lines.isEmpty else {
            throw WorkflowRejection(code: "spending_missing", message: "State the money spent per budget line (at least one line, zero if nothing was spent).")
        }
        let known = Dictionary(budgetLines.map { (Self.key($0), $0) }, uniquingKeysWith: { first, _ in first })
        var seen: Set<String> = []
        var checked: [SpendingLineAmount] = []
        var total = Money.zero(released.currency)
        for line in lines {
            guard let name = known[Self.key(line.line)] else {
                throw WorkflowRejection(
                    code: "budget_line_unknown",
                    message: "\"\(line.line)\" is not a budget line of this grant; report spending on its budget lines: \(budgetLines.map { "\"\($0)\"" }.joined(separator: ", "))."
                )
            }
            guard seen.insert(Self.key(name)).inserted else {
                throw WorkflowRejection(code: "budget_line_repeated", message: "The budget line \"\(name)\" is reported twice; give one amount per line.")
            }
            guard line.amount.currency == released.currency else {
                throw WorkflowRejection(code: "currency_mismatch", message: "The grant is in \(released.currency.code); report spending in that currency.")
            }
            guard line.amount.minorUnits >= 0 else {
                throw WorkflowRejection(code: "amount_negative", message: "The amount spent on \"\(name)\" cannot be negative; enter the money spent so far.")
            }
            checked.append(SpendingLineAmount(line: name, amount: line.amount))
            total = try total.adding(line.amount)
        }
        guard total.minorUnits <= released.minorUnits else {
            throw WorkflowRejection(
                code: "spending_exceeds_released",
                message: "The report states \(total.grouped) spent, more than the \(released.grouped) released to the grant so far; report only money spent from what was received."
            )
        }
        self.lines = checked
        self.total = total
    }

    /// Budget lines match whatever their case and surrounding spaces.
    private static func key(_ name: String) -> String {
        name.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }
}
