import Foundation
import RRFStore
import RRFWorkflow

/// A proposal as its reader may see it, with the decision of its current round once made.
struct APIProposal: Encodable {
    struct BudgetLine: Encodable {
        let description: String
        let amount: APIMoney
    }

    /// The fund manager's decision of the current round.
    struct Decision: Encodable {
        /// approve | reject | request_revision
        let kind: String
        let approved: APIMoney?
        let justification: String?
        let decidedBy: String?
        let decidedAt: Date?
    }

    let reference: String
    let organisation: String
    let call: String
    let cluster: String
    let title: String
    let summary: String
    let locations: [String]
    let beneficiaries: Int
    let requested: APIMoney
    let durationMonths: Int
    let budgetLines: [BudgetLine]
    let state: String
    let round: Int
    let submittedBy: String
    let submittedAt: Date
    let decisionDue: Date
    let screeningReason: String?
    let withdrawalReason: String?
    let decision: Decision?
    let version: Int

    init(_ record: ProposalRecord) {
        reference = record.reference
        organisation = record.organisation
        call = record.call
        cluster = record.cluster.rawValue
        title = record.title
        summary = record.summary
        locations = record.locations
        beneficiaries = record.beneficiaries
        requested = APIMoney(record.requested)
        durationMonths = record.durationMonths
        budgetLines = record.budgetLines.map { BudgetLine(description: $0.description, amount: APIMoney($0.amount)) }
        state = record.state
        round = record.round
        submittedBy = record.submittedBy
        submittedAt = record.submittedAt
        decisionDue = record.decisionDue
        screeningReason = record.screeningReason
        withdrawalReason = record.withdrawalReason
        decision = record.decision.map {
            Decision(kind: $0, approved: record.approved.map(APIMoney.init), justification: record.justification, decidedBy: record.decidedBy, decidedAt: record.decidedAt)
        }
        version = record.version
    }
}

/// One review of a proposal round; scores only where the store shows them to the reader.
struct APIReview: Encodable {
    let reference: String
    let round: Int
    let reviewer: String
    let reviewerName: String
    let committee: String
    let state: String
    let dueAt: Date
    let overdue: Bool
    let assignedAt: Date
    let scores: [String: Int]?
    let comments: [String: String]?
    let generalComments: String?
    let submittedAt: Date?
    /// The weighted total on 0…100 as decimal text, once aggregated.
    let total: String?
    let recusalReason: String?
    let conflictDeclaredAt: Date?
    let version: Int

    init(_ record: ReviewRecord) {
        reference = record.reference
        round = record.round
        reviewer = record.reviewer
        reviewerName = record.reviewerName
        committee = record.committee
        state = record.state
        dueAt = record.dueAt
        overdue = record.overdue
        assignedAt = record.assignedAt
        scores = record.scores
        comments = record.comments
        generalComments = record.generalComments
        submittedAt = record.submittedAt
        total = record.total?.description
        recusalReason = record.recusalReason
        conflictDeclaredAt = record.conflictedAt
        version = record.version
    }
}
