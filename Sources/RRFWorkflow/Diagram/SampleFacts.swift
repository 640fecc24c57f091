import Foundation

/// Valid sample facts used to explore the machines and generate their transition tables.
enum SampleFacts {
    /// A fixed identifier derived from a small number.
    static func uuid(_ number: UInt8) -> UUID {
        UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, number))
    }

    /// The partner organisation of the samples.
    static let organisationID = OrganisationID(uuid(1))
    /// The sample call.
    static let callID = CallID(uuid(2))
    /// The sample "now": Sunday 2026-11-22 12:00 UTC.
    static let now = Date(timeIntervalSince1970: 1_795_348_800)
    /// The sample "today".
    static let today = LocalDate(now, utcOffsetMinutes: 0)
    /// The sample currency.
    static let currency = Currency.usd
    /// An amount in the sample currency.
    static func amount(_ minorUnits: Int64) -> Money { Money(minorUnits: minorUnits, currency: currency) }
    /// A sample assessment valid for a year.
    static let assessment = Assessment(risk: .medium, assessedOn: today.adding(days: -30), dueDiligenceExpiry: today.adding(months: 12))

    /// A two-criterion scorecard (60/40, scores 0…5, pass at 60).
    static let scorecard = Scorecard(
        consistentCriteria: [
            Criterion(id: "relevance", title: "Relevance", weight: 60, maxScore: 5),
            Criterion(id: "capacity", title: "Capacity", weight: 40, maxScore: 5),
        ],
        passThreshold: 60
    )
    /// A valid standard call: health and WASH envelopes, deadlines in two and four weeks.
    static let callConfiguration = CallConfiguration(
        title: "Floods 2026", kind: .standard, currency: currency,
        envelopes: [.health: amount(50_000_000), .wash: amount(30_000_000)], perProposalCeiling: amount(10_000_000),
        submissionDeadline: now.addingTimeInterval(14 * 86_400), reviewDeadline: now.addingTimeInterval(21 * 86_400),
        decisionSLA: .businessDays(10), scorecard: scorecard
    )

    /// A complete proposal for the health envelope.
    static let draft = ProposalDraft(
        title: "Cholera response", cluster: .health, locations: ["Beledweyne"], beneficiaries: 12_000,
        requested: amount(10_000_000), durationMonths: 6,
        budgetLines: [BudgetLine(description: "Supplies", amount: amount(6_000_000)), BudgetLine(description: "Staff", amount: amount(4_000_000))]
    )

    /// The check of a valid (re)submission by the partner to the open sample call.
    static func submission(isRevision: Bool) -> SubmissionCheck {
        SubmissionCheck(
            draft: draft, organisationID: organisationID, organisation: OrganisationMachine(state: .assessed(assessment)),
            call: CallMachine(state: .open(callConfiguration)), actor: partner, now: now, calendar: .mondayToFriday, isRevision: isRevision
        )
    }

    /// A staff member of the fund holding every staff role, affiliated with no organisation.
    static let staff = Actor(
        consistentUserID: UserID(uuid(10)), displayName: "Sample Staff",
        roles: [.admin, .secretariat, .reviewer, .fundManager, .financeOfficer, .trainer], organisationIDs: []
    )
    /// A second staff member, for four-eyes rules.
    static let otherStaff = Actor(
        consistentUserID: UserID(uuid(11)), displayName: "Other Staff",
        roles: [.admin, .secretariat, .reviewer, .fundManager, .financeOfficer, .trainer], organisationIDs: []
    )
    /// A user of the sample organisation.
    static let partner = Actor(consistentUserID: UserID(uuid(12)), displayName: "Sample Partner", roles: [.ngoUser], organisationIDs: [organisationID])
}

extension Currency {
    /// US dollars (always in the table).
    static let usd = Currency(consistentCode: "USD", minorUnitDigits: 2)
}
