import Foundation

/// One review, per (proposal, round, reviewer): assigned → submitted | recused.
public struct ReviewMachine: Hashable, Sendable {
    /// Who reviews, for which round, by when.
    public struct Assignment: Hashable, Sendable, Codable {
        /// The reviewer.
        public let reviewerID: UserID
        /// The reviewer's name.
        public let reviewerName: String
        /// The review round of the proposal.
        public let round: Int
        /// When the review is due (the call's review deadline).
        public let dueAt: Date

        /// Creates an assignment.
        public init(reviewerID: UserID, reviewerName: String, round: Int, dueAt: Date) {
            self.reviewerID = reviewerID
            self.reviewerName = reviewerName
            self.round = round
            self.dueAt = dueAt
        }
    }

    /// The states of a review.
    public enum State: Hashable, Sendable, Codable {
        /// Waiting for the reviewer's scores.
        case assigned(Assignment)
        /// Scored.
        case submitted(Assignment, ScoreSheet)
        /// The reviewer stepped aside.
        case recused(Assignment, reason: String)

        /// The names of the states, as stored in the database.
        public enum Name: String, StateName {
            case assigned, submitted, recused
        }

        /// The status stored in the database.
        public var name: Name {
            switch self {
            case .assigned: .assigned
            case .submitted: .submitted
            case .recused: .recused
            }
        }

        /// The assignment, whatever the state.
        public var assignment: Assignment {
            switch self {
            case .assigned(let assignment), .submitted(let assignment, _), .recused(let assignment, _): assignment
            }
        }
    }

    /// What the caller must persist or enqueue after an event.
    public enum Action: Hashable, Sendable {
        /// Store the new assignment and notify the reviewer.
        case notifyReviewer(Assignment)
        /// Store the scores and re-evaluate the proposal's review progress.
        case aggregate(ScoreSheet)
        /// Store the recusal and assign a replacement reviewer.
        case assignReplacement(reason: String)
    }

    /// The current state.
    public private(set) var state: State

    /// Rebuilds a machine from persisted state.
    public init(state: State) {
        self.state = state
    }

    /// Assigns `reviewer` to a proposal of `organisationID`. Secretariat only. The reviewer must hold the
    /// reviewer role, must not belong to the organisation, and must not have declared a conflict with it.
    /// - Throws: `role_required`, `reviewer_role_missing`, `reviewer_affiliated`, `reviewer_conflict_declared`.
    public static func assign(
        reviewer: Actor, declaredConflicts: Set<OrganisationID>, organisationID: OrganisationID, round: Int, dueAt: Date, by actor: Actor
    ) throws(WorkflowRejection) -> (ReviewMachine, Action) {
        try actor.require(.secretariat, to: "assign reviewers")
        guard reviewer.has(.reviewer) else {
            throw WorkflowRejection(code: "reviewer_role_missing", message: "\(reviewer.displayName) is not a reviewer; give them the reviewer role first.")
        }
        guard !reviewer.isAffiliated(with: organisationID) else {
            throw WorkflowRejection(
                code: "reviewer_affiliated",
                message: "\(reviewer.displayName) belongs to the proposal's organisation and cannot review it; choose another reviewer."
            )
        }
        guard !declaredConflicts.contains(organisationID) else {
            throw WorkflowRejection(
                code: "reviewer_conflict_declared",
                message: "\(reviewer.displayName) declared a conflict of interest with the proposal's organisation; choose another reviewer."
            )
        }
        let assignment = Assignment(reviewerID: reviewer.userID, reviewerName: reviewer.displayName, round: round, dueAt: dueAt)
        return (ReviewMachine(state: .assigned(assignment)), .notifyReviewer(assignment))
    }

    /// Whether `reviewer` has a conflict of interest with the organisation `organisationID`: they belong to it
    /// or declared a conflict with it. The one conflict rule, used at assignment and at scoring.
    public static func hasConflict(_ reviewer: Actor, declaredConflicts: Set<OrganisationID>, organisationID: OrganisationID) -> Bool {
        isConflicted(affiliated: reviewer.isAffiliated(with: organisationID), declared: declaredConflicts.contains(organisationID))
    }

    /// The conflict rule on its facts: a reviewer who belongs to the organisation, or declared a conflict with it.
    public static func isConflicted(affiliated: Bool, declared: Bool) -> Bool { affiliated || declared }

    /// A reviewer scores only while free of any conflict of interest with the proposal's organisation, also one
    /// declared on this review after it was assigned (`conflictDeclaredOnReview`).
    /// - Throws: `reviewer_conflict_declared`.
    public static func requireUnconflictedToScore(
        _ reviewer: Actor, declaredConflicts: Set<OrganisationID>, organisationID: OrganisationID, conflictDeclaredOnReview: Bool,
        organisation: String, reference: String
    ) throws(WorkflowRejection) {
        guard !conflictDeclaredOnReview, !hasConflict(reviewer, declaredConflicts: declaredConflicts, organisationID: organisationID) else {
            throw WorkflowRejection(
                code: "reviewer_conflict_declared",
                message: "\(reviewer.displayName) declared a conflict of interest with \(organisation) (or belongs to it) and cannot score \(reference)."
            )
        }
    }

    /// Whether the review is still awaited after its due time.
    public func isOverdue(at now: Date) -> Bool {
        switch state {
        case .assigned(let assignment): now > assignment.dueAt
        case .submitted, .recused: false
        }
    }

    /// Whether the review is overdue at `now` as the fund shows it: still assigned after its due time while the
    /// committee still waits for it — no conflict declared since (a conflicted review never counts and is replaced)
    /// and its proposal in review on the review's round (`proposalReviewRound`, nil when the proposal is not in review).
    public func isOverdue(at now: Date, conflictDeclared: Bool, proposalReviewRound: Int?) -> Bool {
        !conflictDeclared && proposalReviewRound == state.assignment.round && isOverdue(at: now)
    }

    /// Submits the reviewer's scores, checked against the scorecard. Only the assigned reviewer.
    /// - Throws: `not_assigned_reviewer`, a ``ScoreSheet/validate(against:)`` refusal, `invalid_transition`.
    public mutating func submit(
        scores: [String: Int], comments: [String: String], scorecard: Scorecard, at now: Date, by actor: Actor
    ) throws(WorkflowRejection) -> Action {
        switch state {
        case .assigned(let assignment):
            try requireAssignedReviewer(actor, assignment)
            let sheet = ScoreSheet(reviewerID: actor.userID, scores: scores, comments: comments, submittedAt: now)
            try sheet.validate(against: scorecard)
            state = .submitted(assignment, sheet)
            return .aggregate(sheet)
        case .submitted, .recused:
            throw illegalTransition("review", event: "submit", state: state.name)
        }
    }

    /// Steps the reviewer aside (by the reviewer or the secretariat); a reason is required.
    /// - Throws: `not_assigned_reviewer`, `reason_required`, `invalid_transition`.
    public mutating func recuse(reason: String, by actor: Actor) throws(WorkflowRejection) -> Action {
        let reason = try requireText(reason, code: "reason_required", "Give the reason for the recusal.")
        switch state {
        case .assigned(let assignment):
            if !actor.has(.secretariat) { try requireAssignedReviewer(actor, assignment) }
            state = .recused(assignment, reason: reason)
            return .assignReplacement(reason: reason)
        case .submitted, .recused:
            throw illegalTransition("review", event: "recuse", state: state.name)
        }
    }

    private func requireAssignedReviewer(_ actor: Actor, _ assignment: Assignment) throws(WorkflowRejection) {
        guard actor.userID == assignment.reviewerID, actor.has(.reviewer) else {
            throw WorkflowRejection(
                code: "not_assigned_reviewer",
                message: "This review is assigned to \(assignment.reviewerName); only they can act on it."
            )
        }
    }
}
