import RRFWorkflow
import Testing

@Suite struct TranchePolicyTests {
    @Test(arguments: [
        (Int64(1), RiskRating.low, [Int64(0), 1]),
        (1, .high, [0, 0, 0, 1]),
        (99_999, .low, [69_999, 30_000]),
        (99_999, .medium, [49_999, 29_999, 20_001]),
        (99_999, .high, [39_999, 29_999, 19_999, 10_002]),
        (10_000_000, .medium, [5_000_000, 3_000_000, 2_000_000]),
        (7_919, .high, [3_167, 2_375, 1_583, 794]),
        (1_000_003, .low, [700_002, 300_001]),
        (Int64.max, .high, [3_689_348_814_741_910_322, 2_767_011_611_056_432_742, 1_844_674_407_370_955_161, 922_337_203_685_477_582]),
    ])
    func planSumsExactlyToTheGrant(minorUnits: Int64, risk: RiskRating, expected: [Int64]) throws {
        let grant = Money(minorUnits: minorUnits, currency: usd)
        let plan = try TranchePolicy.standard.plan(for: grant, risk: risk)
        #expect(plan.map(\.minorUnits) == expected)
        #expect(try Money.total(plan, in: usd) == grant)
    }

    @Test func largeAmountsOfEveryRiskSumExactly() throws {
        for minorUnits in [Int64.max, Int64.max - 1, 9_007_199_254_740_993, 1_000_000_007, 2, 3, 97] {
            for risk in RiskRating.allCases {
                let plan = try TranchePolicy.standard.plan(for: Money(minorUnits: minorUnits, currency: jpy), risk: risk)
                #expect(try Money.total(plan, in: jpy).minorUnits == minorUnits)
                #expect(plan.allSatisfy { $0.minorUnits >= 0 })
            }
        }
    }

    @Test func customPolicyAndRefusals() throws {
        let policy = try TranchePolicy(percentages: [.low: [100], .medium: [60, 40], .high: [25, 25, 25, 25]], spendThresholdPercent: 80)
        #expect(try policy.plan(for: money("1000 USD"), risk: .low).map(\.minorUnits) == [100_000])
        #expect(policy.spendThresholdPercent == 80)
        #expect(rejectionCode { try TranchePolicy(percentages: [.low: [70, 20], .medium: [100], .high: [100]]) } == "tranche_policy_invalid")
        #expect(rejectionCode { try TranchePolicy(percentages: [.low: [100], .medium: [100]]) } == "tranche_policy_invalid")
        #expect(rejectionCode { try TranchePolicy(percentages: [.low: [110, -10], .medium: [100], .high: [100]]) } == "tranche_policy_invalid")
        // Shares so large that their sum would overflow are refused, not added up.
        #expect(rejectionCode { try TranchePolicy(percentages: [.low: [Int.max, 1], .medium: [100], .high: [100]]) } == "tranche_policy_invalid")
        #expect(rejectionCode { try TranchePolicy(percentages: [.low: [100], .medium: [100], .high: [100]], spendThresholdPercent: 101) } == "tranche_policy_invalid")
        #expect(rejectionCode { try TranchePolicy.standard.plan(for: money("0 USD"), risk: .low) } == "grant_amount_not_positive")
    }
}

@Suite struct TrancheConditionsTests {
    @Test func firstTrancheNeedsTheSignature() {
        #expect(TrancheConditions(agreementSigned: true, previous: nil, trainingShortfalls: []).unmet(spendThresholdPercent: 70) == [])
        #expect(TrancheConditions(agreementSigned: false, previous: nil, trainingShortfalls: []).unmet(spendThresholdPercent: 70).map(\.code)
            == ["agreement_not_signed"])
    }

    @Test(arguments: [
        ("70000 USD", true, [String]()), ("69999.99 USD", true, ["spending_below_threshold"]), ("0 USD", false, ["previous_report_not_accepted", "spending_below_threshold"]),
        ("100000 USD", false, ["previous_report_not_accepted"]), ("70000 EUR", true, ["currency_mismatch"]),
    ])
    func previousTrancheSpending(spent: String, accepted: Bool, codes: [String]) {
        let previous = PreviousTrancheReport(reportAccepted: accepted, received: money("100000 USD"), spent: money(spent))
        #expect(TrancheConditions(agreementSigned: true, previous: previous, trainingShortfalls: []).unmet(spendThresholdPercent: 70).map(\.code) == codes)
    }

    @Test func thresholdIsExactForHugeAmounts() {
        let received = Money(minorUnits: .max, currency: usd)
        let exactly = Money(minorUnits: Int64.max / 10 * 7 + 7 * (Int64.max % 10) / 10 + 1, currency: usd)
        let justBelow = Money(minorUnits: exactly.minorUnits - 1, currency: usd)
        let facts = { (spent: Money) in TrancheConditions(agreementSigned: true, previous: PreviousTrancheReport(reportAccepted: true, received: received, spent: spent), trainingShortfalls: []) }
        #expect(facts(exactly).unmet(spendThresholdPercent: 70) == [])
        #expect(facts(justBelow).unmet(spendThresholdPercent: 70).map(\.code) == ["spending_below_threshold"])
    }

    @Test func trainingShortfallsAreNamed() {
        let shortfall = TrainingShortfall(courseCode: "PSEA", courseTitle: "Protection from sexual exploitation and abuse", required: 2, valid: 1)
        let unmet = TrancheConditions(agreementSigned: false, previous: nil, trainingShortfalls: [shortfall]).unmet(spendThresholdPercent: 70)
        #expect(unmet.map(\.code) == ["agreement_not_signed", "training_missing"])
        #expect(unmet[1].sentence == "2 staff need a valid PSEA (Protection from sexual exploitation and abuse) certificate; 1 has one.")
    }
}

@Suite struct GrantPlanReachabilityTests {
    /// Every tranche after the first is released on an accepted interim report, so a plan needs at least
    /// `tranches − 1` interim reports; over every project length from 1 to 48 months, every risk, several start
    /// days (month ends included) and the standard and other policies.
    @Test(arguments: RiskRating.allCases)
    func everyTrancheOfEveryPlanHasAnInterimReportToBeReleasedOn(risk: RiskRating) throws {
        let policies = [
            TranchePolicy.standard,
            try TranchePolicy(percentages: [.low: [25, 25, 25, 25], .medium: [10, 10, 10, 10, 10, 10, 10, 10, 10, 10], .high: [100]],
                              interimReportMonths: [.low: 12, .medium: 1, .high: 6]),
        ]
        for policy in policies {
            for start in ["2026-01-31", "2026-02-28", "2026-12-01", "2027-03-15"].map(day) {
                for months in 1...48 {
                    let terms = GrantTerms(amount: money("180000 USD"), risk: risk, startDate: start, endDate: start.adding(months: months).adding(days: -1))
                    let plan = try policy.grantPlan(for: terms)
                    let interim = plan.reports.filter { $0.kind == .interim }
                    #expect(plan.tranches.count >= 1)
                    #expect(plan.tranches.count <= (policy.percentages[risk] ?? []).count)
                    #expect(interim.count >= plan.tranches.count - 1, "\(months) months at \(risk) risk from \(start)")
                    #expect(try Money.total(plan.tranches, in: usd) == terms.amount)
                    #expect(interim.allSatisfy { $0.periodEnd < terms.endDate })
                    #expect(plan.reports.last?.kind == .final)
                }
            }
        }
    }

    @Test func aThreeMonthHighRiskGrantGetsThreeTranchesWithTheTailMerged() throws {
        let terms = GrantTerms(amount: money("100000 USD"), risk: .high, startDate: day("2026-12-01"), endDate: day("2027-02-28"))
        let plan = try TranchePolicy.standard.grantPlan(for: terms)
        #expect(plan.tranches.map(\.minorUnits) == [4_000_000, 3_000_000, 3_000_000])
        #expect(plan.reports.map(\.kind) == [.interim, .interim, .final])
    }

    @Test func aOneMonthGrantIsPaidInOneTranche() throws {
        let terms = GrantTerms(amount: money("100000 USD"), risk: .medium, startDate: day("2026-12-01"), endDate: day("2026-12-31"))
        let plan = try TranchePolicy.standard.grantPlan(for: terms)
        #expect(plan.tranches.map(\.minorUnits) == [10_000_000])
        #expect(plan.reports.map(\.kind) == [.final])
    }
}

@Suite struct TranchePolicyChangeTests {
    @Test func onlyAnAdminOrAFundManagerChangesThePolicyAndOnlyToSomethingNew() throws {
        let sixty = try TranchePolicy(percentages: TranchePolicy.standard.percentages, spendThresholdPercent: 60)
        #expect(rejectionCode { try TranchePolicy.standard.change(to: sixty, by: Fixture.secretariat) } == "role_required")
        #expect(rejectionCode { try TranchePolicy.standard.change(to: .standard, by: Fixture.manager) } == "tranche_policy_unchanged")
        #expect(try TranchePolicy.standard.change(to: sixty, by: Fixture.manager) == sixty)
        #expect(rejectionCode { try TranchePolicy(percentages: TranchePolicy.standard.percentages, interimReportMonths: [.low: 6, .medium: 0, .high: 2]) }
            == "tranche_policy_invalid")
    }
}
