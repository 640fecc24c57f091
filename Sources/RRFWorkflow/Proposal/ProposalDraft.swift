/// One line of a proposal's budget.
public struct BudgetLine: Hashable, Sendable, Codable {
    /// What the money is for, e.g. "Water trucking, 30 days".
    public let description: String
    /// The amount of the line.
    public let amount: Money

    /// Creates a budget line.
    public init(description: String, amount: Money) {
        self.description = description
        self.amount = amount
    }
}

/// The content of a proposal as the NGO writes it; checked by ``SubmissionCheck`` on submission.
public struct ProposalDraft: Hashable, Sendable, Codable {
    /// The longest title accepted, in characters.
    public static let maximumTitleLength = 300
    /// The accepted project durations in months.
    public static let durationRange = 1...24

    /// The project title (1…300 characters).
    public var title: String
    /// The cluster the project belongs to.
    public var cluster: Cluster?
    /// Where the project takes place (at least one location).
    public var locations: [String]
    /// How many people the project reaches (above 0).
    public var beneficiaries: Int
    /// The amount requested from the fund.
    public var requested: Money?
    /// The project duration in months (1…24).
    public var durationMonths: Int
    /// The budget; its lines add up to the requested amount.
    public var budgetLines: [BudgetLine]

    /// Creates a draft.
    public init(
        title: String, cluster: Cluster?, locations: [String], beneficiaries: Int, requested: Money?,
        durationMonths: Int, budgetLines: [BudgetLine]
    ) {
        self.title = title
        self.cluster = cluster
        self.locations = locations
        self.beneficiaries = beneficiaries
        self.requested = requested
        self.durationMonths = durationMonths
        self.budgetLines = budgetLines
    }
}

extension ProposalDraft {
    /// A revised proposal stays with the organisation and call of the original (codes compared in upper case).
    /// - Throws: `resubmission_moved`.
    public static func requireRevisionInPlace(
        organisation: String, call: String, originalOrganisation: String, originalCall: String
    ) throws(WorkflowRejection) {
        guard organisation.uppercased() == originalOrganisation.uppercased(), call.uppercased() == originalCall.uppercased() else {
            throw WorkflowRejection(
                code: "resubmission_moved",
                message: "A revised proposal stays with organisation \(originalOrganisation) and call \(originalCall); submit a new proposal for another call."
            )
        }
    }
}
