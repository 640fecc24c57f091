import Foundation
import Postgres
import RRFWorkflow

// The stored records of proposals (table `proposals` in sql/0003_partners_calls_proposals.sql) and the inputs of
// their commands; the commands in FundStore+Proposal*.swift.

/// A proposal as an NGO writes it in a JSON or YAML file; amounts as text such as `12500.50 USD`.
public struct ProposalSubmission: Codable, Sendable, Equatable {
    public struct Line: Codable, Sendable, Equatable {
        public var description: String
        public var amount: String

        enum CodingKeys: String, CodingKey, CaseIterable {
            case description, amount
        }

        public init(description: String, amount: String) {
            self.description = description
            self.amount = amount
        }
    }

    /// The organisation's code.
    public var organisation: String
    /// The call's code.
    public var call: String
    public var cluster: String
    public var title: String
    public var summary: String?
    public var locations: [String]
    public var beneficiaries: Int
    public var requested: String
    public var durationMonths: Int
    public var budgetLines: [Line]

    enum CodingKeys: String, CodingKey, CaseIterable {
        case organisation, call, cluster, title, summary, locations, beneficiaries, requested
        case durationMonths = "duration_months"
        case budgetLines = "budget_lines"
    }

    /// The keys of a proposal file (`rrfctl proposal submit --file`); every one is required but `summary`.
    public static let documentShape = DocumentShape.scalars(
        CodingKeys.allCases.map(\.stringValue), nested: ["budget_lines": .list(.scalars(Line.CodingKeys.allCases.map(\.stringValue)))]
    )

    public init(
        organisation: String, call: String, cluster: String, title: String, summary: String? = nil, locations: [String],
        beneficiaries: Int, requested: String, durationMonths: Int, budgetLines: [Line]
    ) {
        self.organisation = organisation
        self.call = call
        self.cluster = cluster
        self.title = title
        self.summary = summary
        self.locations = locations
        self.beneficiaries = beneficiaries
        self.requested = requested
        self.durationMonths = durationMonths
        self.budgetLines = budgetLines
    }

    /// The draft for the workflow's ``SubmissionCheck``, parsing cluster and amounts.
    func draft() throws -> ProposalDraft {
        try Validate.characters(title, field: "title")
        try Validate.characters(summary ?? "", field: "summary", shape: .lines)
        let cluster = try Cluster(code: cluster.trimmingCharacters(in: .whitespaces))
        let requested = try Money(parsing: requested)
        var lines: [BudgetLine] = []
        for line in budgetLines {
            let description = try Validate.text(line.description, field: "budget line description", maximum: 500)
            lines.append(BudgetLine(description: description, amount: try Money(parsing: line.amount)))
        }
        let locations = try locations.map { try Validate.text($0, field: "location", maximum: 200) }
        return ProposalDraft(
            title: title, cluster: cluster, locations: locations, beneficiaries: beneficiaries, requested: requested,
            durationMonths: durationMonths, budgetLines: lines
        )
    }
}

/// A proposal as stored (table `proposals`).
public struct ProposalRecord: Codable, Sendable, Equatable {
    public let id: UUID
    public let reference: String
    public let organisationID: UUID
    public let organisation: String
    public let callID: UUID
    public let call: String
    public let cluster: Cluster
    public let title: String
    public let summary: String
    public let locations: [String]
    public let beneficiaries: Int
    public let requested: Money
    public let durationMonths: Int
    public let budgetLines: [BudgetLine]
    /// The stored state (JSON key `state`).
    public let stateName: ProposalMachine.State.Name
    public let round: Int
    public let submittedBy: String
    public let submittedAt: Date
    public let decisionDue: Date
    public let screeningReason: String?
    public let withdrawalReason: String?
    /// approve | reject | request_revision (the decision of the current round).
    public let decision: String?
    public let decidedByID: UUID?
    public let decidedBy: String?
    public let decidedByName: String?
    public let decidedAt: Date?
    public let approved: Money?
    public let justification: String?
    public let version: Int

    /// draft | submitted | in_review | scored | approved | rejected | ineligible | revision_requested | resubmitted | withdrawn
    public var state: String { stateName.rawValue }

    /// The proposal's state machine rebuilt from the record.
    /// - Throws: `inconsistent_row` when the stored state is unknown or lacks what it needs (e.g. `approved`
    ///   without its decision).
    public var machine: ProposalMachine {
        get throws(StoreError) {
            let state: ProposalMachine.State
            switch (stateName, recordedDecision, screeningReason, withdrawalReason) {
            case (.draft, nil, _, _): state = .draft
            case (.submitted, nil, _, _): state = .submitted(round: round)
            case (.inReview, nil, _, _): state = .inReview(round: round)
            case (.scored, nil, _, _): state = .scored(round: round)
            case (.approved, let decision?, _, _) where decision.kind == .approve: state = .approved(decision)
            case (.rejected, let decision?, _, _) where decision.kind == .reject: state = .rejected(decision)
            case (.ineligible, nil, let reason?, _): state = .ineligible(reason: reason)
            case (.revisionRequested, let decision?, _, _) where decision.kind == .requestRevision:
                state = .revisionRequested(round: round, reason: decision.justification)
            case (.resubmitted, nil, _, _): state = .resubmitted(round: round)
            case (.withdrawn, _, _, let reason?): state = .withdrawn(reason: reason)
            default: throw StoreError.inconsistentRow("The proposal \(reference)", state: stateName.rawValue)
            }
            return ProposalMachine(state: state)
        }
    }

    /// The proposal's content as a submission, to be revised and resubmitted (amounts as `1000.00 USD`).
    public var submission: ProposalSubmission {
        ProposalSubmission(
            organisation: organisation, call: call, cluster: cluster.rawValue, title: title, summary: summary.isEmpty ? nil : summary,
            locations: locations, beneficiaries: beneficiaries, requested: requested.description, durationMonths: durationMonths,
            budgetLines: budgetLines.map { .init(description: $0.description, amount: $0.amount.description) }
        )
    }

    /// The decision of the current round when one is stored completely (kind, who, when, justification).
    private var recordedDecision: ProposalDecision? {
        guard let decision, let kind = ProposalDecision.Kind(rawValue: decision), let decidedByID, let decidedAt, let justification else {
            return nil
        }
        return ProposalDecision(
            kind: kind, amount: approved, justification: justification, round: round, decidedBy: UserID(decidedByID),
            decidedByName: decidedByName ?? decidedBy ?? "", decidedAt: decidedAt
        )
    }

    /// The content as a draft, for a resubmission without changes.
    var draft: ProposalDraft {
        ProposalDraft(
            title: title, cluster: cluster, locations: locations, beneficiaries: beneficiaries, requested: requested,
            durationMonths: durationMonths, budgetLines: budgetLines
        )
    }

    /// The proposal's row with its organisation's, call's and people's names. Every join is a LEFT JOIN on a key
    /// (the foreign keys are NOT NULL, so no row is lost or doubled): the proposals are then always the outer side,
    /// and a count over a page's rows drops the joins it does not read. As inner joins, the planner (which sees
    /// 1 % of the rows through the row-level policy) put the 100 organisations outside and rescanned an NGO's
    /// 1,000 proposals for each: 27 ms for a dashboard page and 44 ms for its count at 100,000 proposals.
    static let select = """
        SELECT p.id, p.reference, p.organisation_id, o.code AS organisation, p.call_id, c.code AS call, p.cluster, p.title,
               p.summary, to_json(p.locations)::text AS locations, p.beneficiaries, p.requested_minor, p.currency,
               p.duration_months, p.budget_lines::text AS budget_lines, p.state, p.round, s.login AS submitted_by,
               p.submitted_at, p.decision_due, p.screening_reason, p.withdrawal_reason, p.decision, p.decided_by AS decided_by_id,
               d.login AS decided_by, d.display_name AS decided_by_name, p.decided_at, p.approved_minor, p.justification, p.version
        FROM proposals p
        LEFT JOIN organisations o ON o.id = p.organisation_id
        LEFT JOIN calls c ON c.id = p.call_id
        LEFT JOIN users s ON s.id = p.submitted_by
        LEFT JOIN users d ON d.id = p.decided_by
        """

    init(row: Row) throws {
        let currency = try Currency.stored(try row.decode("currency"))
        id = try row.decode("id")
        reference = try row.decode("reference")
        organisationID = try row.decode("organisation_id")
        organisation = try row.decode("organisation")
        callID = try row.decode("call_id")
        call = try row.decode("call")
        cluster = try Cluster.stored(try row.decode("cluster"))
        title = try row.decode("title")
        summary = try row.decode("summary")
        locations = try row.decode("locations", as: JSONValue<[String]>.self).value
        beneficiaries = try row.decode("beneficiaries")
        requested = Money(minorUnits: try row.decode("requested_minor"), currency: currency)
        durationMonths = try row.decode("duration_months")
        budgetLines = try row.decode("budget_lines", as: JSONValue<[BudgetLine]>.self).value
        stateName = try .stored(in: row, of: "The proposal \(reference)")
        round = try row.decode("round")
        submittedBy = try row.decode("submitted_by")
        submittedAt = try row.decode("submitted_at")
        decisionDue = try row.decode("decision_due")
        screeningReason = try row.decode("screening_reason")
        withdrawalReason = try row.decode("withdrawal_reason")
        decision = try row.decode("decision")
        decidedByID = try row.decode("decided_by_id")
        decidedBy = try row.decode("decided_by")
        decidedByName = try row.decode("decided_by_name")
        decidedAt = try row.decode("decided_at")
        approved = try row.decode("approved_minor", as: Int64?.self).map { Money(minorUnits: $0, currency: currency) }
        justification = try row.decode("justification")
        version = try row.decode("version")
    }

    enum CodingKeys: String, CodingKey {
        case id, reference, organisationID, organisation, callID, call, cluster, title, summary, locations, beneficiaries
        case requested, durationMonths, budgetLines, stateName = "state", round, submittedBy, submittedAt, decisionDue
        case screeningReason, withdrawalReason, decision, decidedByID, decidedBy, decidedByName, decidedAt, approved
        case justification, version
    }
}

/// The fund manager's decision as entered.
public enum ProposalDecisionInput: Sendable, Equatable {
    case approve(amount: Money, justification: String)
    case reject(justification: String)
    case requestRevision(reason: String)
}

/// Filters of ``FundStore/proposals(_:)``.
public struct ProposalFilter: Sendable, Equatable {
    public var state: String?
    /// Call code.
    public var call: String?
    public var cluster: Cluster?
    /// Organisation code.
    public var organisation: String?
    public var limit: Int
    /// Where the page starts: the previous page's ``Page/next``; nil for the first page.
    public var after: PageCursor?

    public init(state: String? = nil, call: String? = nil, cluster: Cluster? = nil, organisation: String? = nil, limit: Int = 50, after: PageCursor? = nil) {
        self.state = state
        self.call = call
        self.cluster = cluster
        self.organisation = organisation
        self.limit = limit
        self.after = after
    }
}
