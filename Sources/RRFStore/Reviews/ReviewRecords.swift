import Foundation
import Postgres
import RRFWorkflow

// The stored records of peer review (tables in sql/0004_peer_review.sql); the commands in FundStore+Review*.swift.

/// One review of a proposal round (table `reviews`).
public struct ReviewRecord: Codable, Sendable, Equatable {
    public let id: UUID
    public let proposalID: UUID
    public let reference: String
    public let round: Int
    public let reviewerID: UUID
    public let reviewer: String
    public let reviewerName: String
    public let committee: String
    /// The stored state (JSON key `state`).
    public let stateName: ReviewMachine.State.Name
    public let dueAt: Date
    /// The login of who assigned the review; nil when the system did.
    public let assignedBy: String?
    public let assignedAt: Date
    public let scores: [String: Int]?
    /// Comment per criterion id.
    public let comments: [String: String]?
    public let generalComments: String?
    public let submittedAt: Date?
    /// Who entered the scores: the reviewer, or the secretariat on the reviewer's behalf.
    public let enteredBy: String?
    /// The weighted total on 0…100, once aggregated.
    public let total: Score?
    public let recusalReason: String?
    public let recusedAt: Date?
    /// When the reviewer declared a conflict with the organisation after the assignment (the review never counts).
    public let conflictedAt: Date?
    public let version: Int
    /// Whether the review is overdue at the time it was read (``ReviewMachine/isOverdue(at:conflictDeclared:proposalReviewRound:)``).
    public private(set) var overdue = false

    /// assigned | submitted | recused
    public var state: String { stateName.rawValue }

    /// Whether the review counts in the aggregate: submitted, without a conflict declared since.
    public var counts: Bool { stateName == .submitted && conflictedAt == nil }
    /// Whether the review is still awaited.
    public var isPending: Bool { stateName == .assigned && conflictedAt == nil }

    static let select = """
        SELECT r.id, r.proposal_id, p.reference, r.round, r.reviewer_id, u.login AS reviewer, u.display_name AS reviewer_name,
               m.code AS committee, r.state, r.due_at, a.login AS assigned_by, r.assigned_at, r.scores::text AS scores,
               r.comments::text AS comments, r.general_comments, r.submitted_at, e.login AS entered_by, r.total_hundredths,
               r.recusal_reason, r.recused_at, r.conflicted_at, r.version, p.state AS proposal_state, p.round AS proposal_round
        FROM reviews r
        JOIN proposals p ON p.id = r.proposal_id
        JOIN users u ON u.id = r.reviewer_id
        JOIN committees m ON m.id = r.committee_id
        LEFT JOIN users a ON a.id = r.assigned_by
        LEFT JOIN users e ON e.id = r.entered_by
        """

    /// The review of `row` (from ``select``), its overdue flag computed at `now`.
    init(row: Row, at now: Date) throws {
        id = try row.decode("id")
        proposalID = try row.decode("proposal_id")
        reference = try row.decode("reference")
        round = try row.decode("round")
        reviewerID = try row.decode("reviewer_id")
        reviewer = try row.decode("reviewer")
        reviewerName = try row.decode("reviewer_name")
        committee = try row.decode("committee")
        stateName = try .stored(in: row, of: "The review of \(reference) (round \(round)) by \(reviewer)")
        dueAt = try row.decode("due_at")
        assignedBy = try row.decode("assigned_by")
        assignedAt = try row.decode("assigned_at")
        scores = try row.decode("scores", as: JSONValue<[String: Int]>?.self)?.value
        comments = try row.decode("comments", as: JSONValue<[String: String]>?.self)?.value
        generalComments = try row.decode("general_comments")
        submittedAt = try row.decode("submitted_at")
        enteredBy = try row.decode("entered_by")
        total = try row.decode("total_hundredths", as: Int?.self).map(Score.init(hundredths:))
        recusalReason = try row.decode("recusal_reason")
        recusedAt = try row.decode("recused_at")
        conflictedAt = try row.decode("conflicted_at")
        version = try row.decode("version")
        let proposalState: ProposalMachine.State.Name = try .stored(in: row, column: "proposal_state", of: "The proposal \(reference)")
        let reviewRound: Int? = proposalState == .inReview ? try row.decode("proposal_round") : nil
        overdue = try machine.isOverdue(at: now, conflictDeclared: conflictedAt != nil, proposalReviewRound: reviewRound)
    }

    /// The review's state machine rebuilt from the record.
    /// - Throws: `inconsistent_row` when the stored state is unknown or lacks what it needs.
    public var machine: ReviewMachine {
        get throws(StoreError) {
            let assignment = ReviewMachine.Assignment(reviewerID: UserID(reviewerID), reviewerName: reviewerName, round: round, dueAt: dueAt)
            let state: ReviewMachine.State
            switch (stateName, scores, submittedAt, recusalReason) {
            case (.assigned, nil, nil, nil): state = .assigned(assignment)
            case (.submitted, let scores?, let submittedAt?, nil):
                state = .submitted(assignment, ScoreSheet(reviewerID: UserID(reviewerID), scores: scores, comments: comments ?? [:], submittedAt: submittedAt))
            case (.recused, _, _, let reason?): state = .recused(assignment, reason: reason)
            default: throw StoreError.inconsistentRow("The review of \(reference) (round \(round)) by \(reviewer)", state: stateName.rawValue)
            }
            return ReviewMachine(state: state)
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, proposalID, reference, round, reviewerID, reviewer, reviewerName, committee, stateName = "state", dueAt
        case assignedBy, assignedAt, scores, comments, generalComments, submittedAt, enteredBy, total, recusalReason, recusedAt
        case conflictedAt, version, overdue
    }
}

/// The committee's stored aggregate of a proposal round (table `review_aggregates`).
public struct ReviewAggregateRecord: Codable, Sendable, Equatable {
    public let reference: String
    public let round: Int
    public let aggregation: ReviewAggregation
    /// The counted reviews, in the order of `aggregation.totals`.
    public let reviewIDs: [UUID]
    public let computedAt: Date
}

/// The peer review of a proposal's current round: who reviews, how far it is, the aggregate once scored.
public struct ProposalReviewsRecord: Codable, Sendable, Equatable {
    public let reference: String
    public let state: String
    public let round: Int
    public let committee: String?
    public let quorum: Int
    public let reviewDeadline: Date
    public let progress: ReviewProgress
    public let reviews: [ReviewRecord]
    public let aggregate: ReviewAggregateRecord?
}

/// Filters of ``FundStore/reviews(_:)``.
public struct ReviewFilter: Sendable, Equatable {
    /// Proposal reference.
    public var reference: String?
    /// Reviewer login.
    public var reviewer: String?
    /// One of ``states``: assigned | submitted | recused, or overdue (assigned and past due, see ``ReviewRecord/overdue``).
    public var state: String?
    public var limit: Int
    /// Where the page starts: the previous page's ``Page/next``; nil for the first page.
    public var after: PageCursor?

    /// The states a list can be filtered by.
    public static let states = ReviewMachine.State.Name.allCases.map(\.rawValue) + ["overdue"]

    public init(reference: String? = nil, reviewer: String? = nil, state: String? = nil, limit: Int = 100, after: PageCursor? = nil) {
        self.reference = reference
        self.reviewer = reviewer
        self.state = state
        self.limit = limit
        self.after = after
    }
}

/// Scores as entered for one review.
public struct ReviewScoresInput: Sendable, Equatable {
    /// Score per criterion id.
    public var scores: [String: Int]
    /// General comments; they also serve as the comment of any low score without its own.
    public var comments: String?
    /// Comment per criterion id.
    public var criterionComments: [String: String]

    public init(scores: [String: Int], comments: String? = nil, criterionComments: [String: String] = [:]) {
        self.scores = scores
        self.comments = comments
        self.criterionComments = criterionComments
    }
}

/// What `importReviews` applied.
public struct ReviewImportReport: Codable, Sendable, Equatable {
    public let reviews: [ReviewRecord]
}

extension Streams {
    /// The audit stream of review imports.
    public static let reviewImports = "review-import"
}

/// Payload of the `proposal.review_reopened` audit event.
struct ReviewReopening: Codable {
    let round: Int
    let counted: Int
    let quorum: Int
}
