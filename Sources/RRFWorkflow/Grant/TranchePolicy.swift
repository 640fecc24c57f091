/// How a grant is paid out: the tranche percentages per risk rating and the spending needed before the next
/// tranche.
///
/// Plan rule: every tranche but the last gets its percentage of the grant rounded down to the minor unit
/// (``Money/percentage(_:)``); the last gets the remainder, so the plan always sums exactly to the grant.
public struct TranchePolicy: Hashable, Sendable, Codable {
    /// The percentage of each tranche, per risk rating; each list sums to 100.
    public let percentages: [RiskRating: [Int]]
    /// The share of the money received so far that must be reported spent before the next tranche (default 70).
    public let spendThresholdPercent: Int

    /// The default policy: low 70/30, medium 50/30/20, high 40/30/20/10; 70 % spent before the next tranche.
    public static let standard = TranchePolicy(consistentPercentages: [.low: [70, 30], .medium: [50, 30, 20], .high: [40, 30, 20, 10]], spendThresholdPercent: 70)

    /// Creates a policy after checking it.
    /// - Throws: `tranche_policy_invalid` when a rating is missing, a percentage is not positive, a list does not
    ///   sum to 100, or the threshold is outside 0…100.
    public init(percentages: [RiskRating: [Int]], spendThresholdPercent: Int = 70) throws(WorkflowRejection) {
        for risk in RiskRating.allCases {
            let shares = percentages[risk] ?? []
            guard !shares.isEmpty, shares.allSatisfy({ $0 > 0 }), shares.reduce(0, +) == 100 else {
                throw WorkflowRejection(
                    code: "tranche_policy_invalid",
                    message: "The tranche percentages for \(risk.rawValue) risk must be positive and add up to 100; they are \(shares)."
                )
            }
        }
        guard (0...100).contains(spendThresholdPercent) else {
            throw WorkflowRejection(code: "tranche_policy_invalid", message: "The spending threshold must be between 0 and 100 %.")
        }
        self.init(consistentPercentages: percentages, spendThresholdPercent: spendThresholdPercent)
    }

    private init(consistentPercentages percentages: [RiskRating: [Int]], spendThresholdPercent: Int) {
        self.percentages = percentages
        self.spendThresholdPercent = spendThresholdPercent
    }

    /// The tranche amounts for a grant, in order; they sum exactly to `grant`.
    /// - Throws: `grant_amount_not_positive`.
    public func plan(for grant: Money, risk: RiskRating) throws(WorkflowRejection) -> [Money] {
        guard grant.isPositive else {
            throw WorkflowRejection(code: "grant_amount_not_positive", message: "A grant of \(grant) cannot be split into tranches; the amount must be above zero.")
        }
        let shares = percentages[risk] ?? [100]
        var amounts: [Money] = []
        var allocated = Money.zero(grant.currency)
        for share in shares.dropLast() {
            let amount = try grant.percentage(share)
            amounts.append(amount)
            allocated = try allocated.adding(amount)
        }
        amounts.append(try grant.subtracting(allocated))
        return amounts
    }
}
