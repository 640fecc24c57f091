/// How the fund pays grants out: the tranche percentages per risk rating, the spending needed before the next
/// tranche, and how often each risk level reports. It is fund configuration, stored and versioned by the store
/// (``TranchePolicy/change(to:by:)``), never a per-run option.
///
/// Plan rule: every tranche but the last gets its percentage of the grant rounded down to the minor unit
/// (``Money/percentage(_:)``); the last gets the remainder, so the plan always sums exactly to the grant.
public struct TranchePolicy: Hashable, Sendable, Codable {
    /// The percentage of each tranche, per risk rating; each list sums to 100.
    public let percentages: [RiskRating: [Int]]
    /// The share of the money received so far that must be reported spent before the next tranche (default 70).
    public let spendThresholdPercent: Int
    /// The months one interim report covers, per risk rating (default low 6, medium 3, high 2).
    public let interimReportMonths: [RiskRating: Int]

    /// The share reported spent before the next tranche when a policy does not say: 70 %.
    public static let defaultSpendThresholdPercent = 70

    /// The default report cadence: low 6, medium 3, high 2 months.
    public static let standardInterimReportMonths: [RiskRating: Int] = [.low: 6, .medium: 3, .high: 2]

    /// The default policy: low 70/30, medium 50/30/20, high 40/30/20/10; 70 % spent before the next tranche;
    /// interim reports every 6/3/2 months.
    public static let standard = TranchePolicy(
        consistentPercentages: [.low: [70, 30], .medium: [50, 30, 20], .high: [40, 30, 20, 10]], spendThresholdPercent: 70,
        interimReportMonths: standardInterimReportMonths
    )

    /// Creates a policy after checking it.
    /// - Throws: `tranche_policy_invalid` when a rating is missing, a percentage is not positive, a list does not
    ///   sum to 100, the threshold is outside 0…100, or a report cadence is outside 1…12 months.
    public init(
        percentages: [RiskRating: [Int]], spendThresholdPercent: Int = TranchePolicy.defaultSpendThresholdPercent,
        interimReportMonths: [RiskRating: Int] = TranchePolicy.standardInterimReportMonths
    ) throws(WorkflowRejection) {
        for risk in RiskRating.allCases {
            let shares = percentages[risk] ?? []
            // Each share is checked to be 1…100 before they are added up, so the sum cannot overflow.
            guard !shares.isEmpty, shares.count <= 12, shares.allSatisfy({ (1...100).contains($0) }), shares.reduce(0, +) == 100 else {
                throw Self.invalid("The tranche percentages for \(risk.rawValue) risk must be 1 to 12 positive numbers that add up to 100; they are \(shares).")
            }
            guard let months = interimReportMonths[risk], (1...12).contains(months) else {
                throw Self.invalid("The interim report period for \(risk.rawValue) risk must be 1 to 12 months.")
            }
        }
        guard (0...100).contains(spendThresholdPercent) else {
            throw Self.invalid("The spending threshold must be between 0 and 100 %.")
        }
        self.init(consistentPercentages: percentages, spendThresholdPercent: spendThresholdPercent, interimReportMonths: interimReportMonths)
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case percentages, spendThresholdPercent, interimReportMonths
    }

    /// The keys of a policy file (`rrfctl fund policy set --file`): `percentages` per risk rating, optionally
    /// `spendThresholdPercent` and `interimReportMonths` per risk rating.
    public static let documentShape: DocumentShape = {
        let perRisk = DocumentShape.scalars(RiskRating.allCases.map(\.rawValue))
        return .scalars(CodingKeys.allCases.map(\.stringValue), nested: ["percentages": perRisk, "interimReportMonths": perRisk])
    }()

    /// Decodes a stored or typed policy (the threshold defaults to 70 %, the report cadence to the standard
    /// one) and checks it like ``init(percentages:spendThresholdPercent:interimReportMonths:)``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        try self.init(
            percentages: try container.decode([RiskRating: [Int]].self, forKey: .percentages),
            spendThresholdPercent: try container.decodeIfPresent(Int.self, forKey: .spendThresholdPercent) ?? Self.defaultSpendThresholdPercent,
            interimReportMonths: try container.decodeIfPresent([RiskRating: Int].self, forKey: .interimReportMonths)
                ?? Self.standardInterimReportMonths
        )
    }

    private init(consistentPercentages percentages: [RiskRating: [Int]], spendThresholdPercent: Int, interimReportMonths: [RiskRating: Int]) {
        self.percentages = percentages
        self.spendThresholdPercent = spendThresholdPercent
        self.interimReportMonths = interimReportMonths
    }

    private static func invalid(_ message: String) -> WorkflowRejection {
        WorkflowRejection(code: "tranche_policy_invalid", message: message)
    }

    /// Checks that `actor` may replace this policy with `proposed` (an admin or a fund manager) and that it
    /// changes something. Returns the new policy, to be stored as the next version.
    /// - Throws: `role_required`, `tranche_policy_unchanged`.
    public func change(to proposed: TranchePolicy, by actor: Actor) throws(WorkflowRejection) -> TranchePolicy {
        try actor.require(.admin, .fundManager, to: "change the fund's tranche policy")
        guard proposed != self else {
            throw WorkflowRejection(code: "tranche_policy_unchanged", message: "The policy given is the one in force; change a value or keep it as it is.")
        }
        return proposed
    }

    /// The tranche amounts for a grant split by every percentage of its risk level, in order; they sum exactly
    /// to `grant`.
    /// - Throws: `grant_amount_not_positive`.
    public func plan(for grant: Money, risk: RiskRating) throws(WorkflowRejection) -> [Money] {
        try split(grant, shares: percentages[risk] ?? [100])
    }

    /// The tranches and reports of a grant, planned together so that every tranche is reachable: each tranche
    /// after the first needs an accepted interim report, so a project too short for the policy's number of
    /// tranches gets fewer, the percentages beyond the last reachable tranche merged into it (a 3-month
    /// high-risk grant: two monthly interim reports, tranches 40/30/30).
    /// - Throws: `grant_amount_not_positive`.
    public func grantPlan(for terms: GrantTerms) throws(WorkflowRejection) -> GrantPlan {
        let shares = percentages[terms.risk] ?? [100]
        let months = interimReportMonths[terms.risk] ?? 6
        let reports = ReportSchedule.reports(from: terms.startDate, to: terms.endDate, periodMonths: months, tranches: shares.count)
        let interim = reports.filter { $0.kind == .interim }.count
        let reachable = min(shares.count, interim + 1)
        let merged = Array(shares.prefix(reachable - 1)) + [shares.dropFirst(reachable - 1).reduce(0, +)]
        return GrantPlan(tranches: try split(terms.amount, shares: merged), reports: reports)
    }

    private func split(_ grant: Money, shares: [Int]) throws(WorkflowRejection) -> [Money] {
        guard grant.isPositive else {
            throw WorkflowRejection(code: "grant_amount_not_positive", message: "A grant of \(grant) cannot be split into tranches; the amount must be above zero.")
        }
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

/// The tranches and reports of one grant, as planned at signing.
public struct GrantPlan: Hashable, Sendable, Codable {
    /// The tranche amounts, in order; they sum exactly to the grant.
    public let tranches: [Money]
    /// The reports, in due order; there are at least `tranches.count − 1` interim reports.
    public let reports: [ReportSpec]
}
