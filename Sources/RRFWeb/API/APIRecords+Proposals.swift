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

/// The peer review of a proposal's current round: who reviews, how far it is, the aggregate once scored. A
/// reviewer sees the other reviews only once their own scores are in (the store decides).
struct APIProposalReviews: Encodable {
    struct Progress: Encodable {
        let submitted: Int
        let recused: Int
        let pending: Int
        let quorum: Int
    }

    let reference: String
    let state: String
    let round: Int
    let committee: String?
    let reviewDeadline: Date
    let progress: Progress
    let reviews: [APIReview]
    let aggregate: APIReviewAggregate?

    init(_ record: ProposalReviewsRecord) {
        reference = record.reference
        state = record.state
        round = record.round
        committee = record.committee
        reviewDeadline = record.reviewDeadline
        progress = Progress(submitted: record.progress.submitted, recused: record.progress.recused, pending: record.progress.pending, quorum: record.quorum)
        reviews = record.reviews.map(APIReview.init)
        aggregate = record.aggregate.map(APIReviewAggregate.init)
    }
}

/// A committee's aggregate of a round's counted reviews; scores as decimal text.
struct APIReviewAggregate: Encodable {
    let round: Int
    let totals: [String]
    let mean: String
    let standardDeviation: String
    let spread: String
    let isDivergent: Bool
    let passes: Bool
    let computedAt: Date

    init(_ record: ReviewAggregateRecord) {
        let aggregation = record.aggregation
        round = record.round
        totals = aggregation.totals.map(\.description)
        mean = aggregation.mean.description
        standardDeviation = aggregation.standardDeviation.description
        spread = aggregation.spread.description
        isDivergent = aggregation.isDivergent
        passes = aggregation.passes
        computedAt = record.computedAt
    }
}

/// A peer review committee and its members' open assignments.
struct APICommittee: Encodable {
    struct Member: Encodable {
        let login: String
        let displayName: String
        let isChair: Bool
        let openAssignments: Int
    }

    let code: String
    /// Nil for a standing committee of the cluster.
    let call: String?
    let cluster: String
    let chair: String?
    let quorum: Int?
    let reviewDeadline: Date?
    let members: [Member]
    let version: Int

    init(_ record: CommitteeRecord) {
        code = record.code
        call = record.call
        cluster = record.cluster.rawValue
        chair = record.chair
        quorum = record.quorum
        reviewDeadline = record.reviewDeadline
        members = record.members.map { Member(login: $0.login, displayName: $0.displayName, isChair: $0.isChair, openAssignments: $0.openAssignments) }
        version = record.version
    }
}

/// A reviewer's declared conflict of interest with an organisation.
struct APIConflict: Encodable {
    let reviewer: String
    let organisation: String
    let reason: String
    let declaredOn: String
    let recordedBy: String?
    let recordedAt: Date

    init(_ record: ConflictRecord) {
        reviewer = record.reviewer
        organisation = record.organisation
        reason = record.reason
        declaredOn = record.declaredOn.description
        recordedBy = record.recordedBy
        recordedAt = record.recordedAt
    }
}
