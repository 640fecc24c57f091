import Foundation

/// The lifecycle of a proposal: draft → submitted → in_review → scored → approved | rejected;
/// submitted → ineligible; scored → revision_requested → resubmitted → in_review (round + 1);
/// scored → in_review when a conflict discounts reviews below the quorum; withdrawn from any state before the decision.
public struct ProposalMachine: Hashable, Sendable {
    /// The states of a proposal.
    public enum State: Hashable, Sendable, Codable {
        /// Being written by the NGO.
        case draft
        /// Submitted, awaiting screening.
        case submitted(round: Int)
        /// Passed screening; the committee is reviewing.
        case inReview(round: Int)
        /// The committee's review is complete; awaiting the fund manager.
        case scored(round: Int)
        /// Approved; becomes a grant.
        case approved(ProposalDecision)
        /// Rejected.
        case rejected(ProposalDecision)
        /// Failed screening.
        case ineligible(reason: String)
        /// Sent back to the NGO for changes.
        case revisionRequested(round: Int, reason: String)
        /// Revised and submitted again, awaiting screening for the new round.
        case resubmitted(round: Int)
        /// Withdrawn by the NGO or the secretariat.
        case withdrawn(reason: String)

        /// The names of the states, as stored in the database.
        public enum Name: String, StateName {
            case draft, submitted, inReview = "in_review", scored, approved, rejected, ineligible
            case revisionRequested = "revision_requested", resubmitted, withdrawn
        }

        /// The status stored in the database.
        public var name: Name {
            switch self {
            case .draft: .draft
            case .submitted: .submitted
            case .inReview: .inReview
            case .scored: .scored
            case .approved: .approved
            case .rejected: .rejected
            case .ineligible: .ineligible
            case .revisionRequested: .revisionRequested
            case .resubmitted: .resubmitted
            case .withdrawn: .withdrawn
            }
        }
    }

    /// What the caller must persist or enqueue after an event.
    public enum Action: Hashable, Sendable {
        /// Store the submission of `round`; the decision is due by `decisionDue` (watch it for reserve calls).
        case recordSubmission(round: Int, requested: Money, decisionDue: Date)
        /// Store the screening pass and assign reviewers for `round`.
        case assignReviewers(round: Int)
        /// Store the screening failure and notify the NGO.
        case notifyIneligible(reason: String)
        /// Store that review is complete and ask the fund manager to decide.
        case requestDecision(round: Int)
        /// Store the approval, commit its amount in the ledger and create the grant.
        case commitFunds(ProposalDecision)
        /// Store the decision (rejection or revision request) and notify the NGO.
        case recordDecision(ProposalDecision)
        /// Store the withdrawal and cancel open review assignments.
        case cancelReviews(reason: String)
    }

    /// The current state.
    public private(set) var state: State

    /// Rebuilds a machine from persisted state.
    public init(state: State) {
        self.state = state
    }

    /// The review round (0 while a draft or after the end).
    public var round: Int {
        switch state {
        case .submitted(let round), .inReview(let round), .scored(let round), .revisionRequested(let round, _), .resubmitted(let round):
            round
        case .approved(let decision), .rejected(let decision):
            decision.round
        case .draft, .ineligible, .withdrawn:
            0
        }
    }

    /// Submits a draft after the ``SubmissionCheck`` (first round).
    /// - Throws: `invalid_transition` or a refusal of the check.
    public mutating func submit(_ check: SubmissionCheck) throws(WorkflowRejection) -> Action {
        switch state {
        case .draft:
            let requested = try check.run()
            state = .submitted(round: 1)
            return .recordSubmission(round: 1, requested: requested, decisionDue: decisionDue(check))
        case .submitted, .inReview, .scored, .approved, .rejected, .ineligible, .revisionRequested, .resubmitted, .withdrawn:
            throw illegalTransition("proposal", event: "submit", state: state.name)
        }
    }

    /// Resubmits a revised proposal for a new round; the check runs as a revision (the call may be closed).
    /// - Throws: `invalid_transition`, `revision_check_expected` or a refusal of the check.
    public mutating func resubmit(_ check: SubmissionCheck) throws(WorkflowRejection) -> Action {
        switch state {
        case .revisionRequested(let round, _):
            guard check.isRevision else {
                throw WorkflowRejection(code: "revision_check_expected", message: "A resubmission must be checked as a revision; this is a defect of the caller.")
            }
            let requested = try check.run()
            state = .resubmitted(round: round + 1)
            return .recordSubmission(round: round + 1, requested: requested, decisionDue: decisionDue(check))
        case .draft, .submitted, .inReview, .scored, .approved, .rejected, .ineligible, .resubmitted, .withdrawn:
            throw illegalTransition("proposal", event: "resubmit", state: state.name)
        }
    }

    /// Passes screening: the proposal goes to review. Secretariat only.
    /// - Throws: `role_required`, `invalid_transition`.
    public mutating func passScreening(by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.secretariat, to: "screen a proposal")
        switch state {
        case .submitted(let round), .resubmitted(let round):
            state = .inReview(round: round)
            return .assignReviewers(round: round)
        case .draft, .inReview, .scored, .approved, .rejected, .ineligible, .revisionRequested, .withdrawn:
            throw illegalTransition("proposal", event: "pass_screening", state: state.name)
        }
    }

    /// Fails screening: the proposal is ineligible. Secretariat only; a reason is required.
    /// - Throws: `role_required`, `reason_required`, `invalid_transition`.
    public mutating func failScreening(reason: String, by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.secretariat, to: "screen a proposal")
        let reason = try requireText(reason, code: "reason_required", "Give the reason why the proposal is ineligible.")
        switch state {
        case .submitted, .resubmitted:
            state = .ineligible(reason: reason)
            return .notifyIneligible(reason: reason)
        case .draft, .inReview, .scored, .approved, .rejected, .ineligible, .revisionRequested, .withdrawn:
            throw illegalTransition("proposal", event: "fail_screening", state: state.name)
        }
    }

    /// Marks the review complete when ``ReviewProgress`` says so. Secretariat (or the daemon acting as it).
    /// - Throws: `role_required`, `review_quorum_not_met`, `reviews_pending`, `invalid_transition`.
    public mutating func markScored(progress: ReviewProgress, at now: Date, by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.secretariat, to: "close the review of a proposal")
        switch state {
        case .inReview(let round):
            try progress.requireScored(at: now)
            state = .scored(round: round)
            return .requestDecision(round: round)
        case .draft, .submitted, .scored, .approved, .rejected, .ineligible, .revisionRequested, .resubmitted, .withdrawn:
            throw illegalTransition("proposal", event: "mark_scored", state: state.name)
        }
    }

    /// Sends a scored proposal back to review when reviews stopped counting after it was scored (a reviewer
    /// declared a conflict of interest) and fewer than the quorum remain: replacements are assigned and it is
    /// scored again. Secretariat (or the daemon acting as it).
    /// - Throws: `role_required`, `review_quorum_still_met`, `invalid_transition`.
    public mutating func reopenReview(progress: ReviewProgress, by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.secretariat, to: "reopen the review of a proposal")
        switch state {
        case .scored(let round):
            guard progress.submitted < progress.quorum else {
                throw WorkflowRejection(
                    code: "review_quorum_still_met",
                    message: "\(progress.submitted) reviews still count, at least the \(progress.quorum) needed; the proposal stays scored."
                )
            }
            state = .inReview(round: round)
            return .assignReviewers(round: round)
        case .draft, .submitted, .inReview, .approved, .rejected, .ineligible, .revisionRequested, .resubmitted, .withdrawn:
            throw illegalTransition("proposal", event: "reopen_review", state: state.name)
        }
    }

    /// Withdraws the proposal before a decision. A user of the organisation or the secretariat; reason required.
    /// - Throws: `role_required`, `actor_not_in_organisation`, `reason_required`, `invalid_transition`.
    public mutating func withdraw(reason: String, organisationID: OrganisationID, by actor: Actor) throws(WorkflowRejection) -> Action {
        try actor.require(.ngoUser, .secretariat, to: "withdraw a proposal")
        if !actor.has(.secretariat), !actor.isAffiliated(with: organisationID) {
            throw WorkflowRejection(
                code: "actor_not_in_organisation",
                message: "\(actor.displayName) does not belong to the proposal's organisation and cannot withdraw it."
            )
        }
        let reason = try requireText(reason, code: "reason_required", "Give the reason for withdrawing the proposal.")
        switch state {
        case .draft, .submitted, .inReview, .scored, .revisionRequested, .resubmitted:
            state = .withdrawn(reason: reason)
            return .cancelReviews(reason: reason)
        case .approved, .rejected, .ineligible, .withdrawn:
            throw illegalTransition("proposal", event: "withdraw", state: state.name)
        }
    }

    private func decisionDue(_ check: SubmissionCheck) -> Date {
        check.call.state.configuration.decisionSLA.deadline(from: check.now, calendar: check.calendar)
    }
}

extension ProposalMachine {
    /// Approves a scored proposal for `amount` (at most the request, and covered by the envelope's uncommitted
    /// balance). Fund manager only, not affiliated with the organisation; justification required.
    /// - Throws: `role_required`, `conflict_of_interest`, `justification_required`, `invalid_transition`,
    ///   `currency_mismatch`, `amount_not_positive`, `amount_exceeds_request`, `amount_exceeds_envelope`.
    public mutating func approve(
        amount: Money, requested: Money, envelopeBalance: Money, justification: String,
        organisationID: OrganisationID, at now: Date, by actor: Actor
    ) throws(WorkflowRejection) -> Action {
        let decision = try decide(.approve, amount: amount, text: justification, organisationID: organisationID, at: now, by: actor)
        try amount.requireSameCurrency(requested)
        try amount.requireSameCurrency(envelopeBalance)
        guard amount.isPositive else {
            throw WorkflowRejection(code: "amount_not_positive", message: "The approved amount must be above zero; reject the proposal instead.")
        }
        guard amount.minorUnits <= requested.minorUnits else {
            throw WorkflowRejection(
                code: "amount_exceeds_request",
                message: "The approved \(amount.grouped) is more than the \(requested.grouped) requested; approve at most the requested amount."
            )
        }
        guard amount.minorUnits <= envelopeBalance.minorUnits else {
            throw WorkflowRejection(
                code: "amount_exceeds_envelope",
                message: "The approved \(amount.grouped) is more than the \(envelopeBalance.grouped) left uncommitted in the envelope; approve less or add funds to the envelope."
            )
        }
        state = .approved(decision)
        return .commitFunds(decision)
    }

    /// Rejects a scored proposal. Fund manager only, not affiliated with the organisation; justification required.
    /// - Throws: `role_required`, `conflict_of_interest`, `justification_required`, `invalid_transition`.
    public mutating func reject(justification: String, organisationID: OrganisationID, at now: Date, by actor: Actor) throws(WorkflowRejection) -> Action {
        let decision = try decide(.reject, amount: nil, text: justification, organisationID: organisationID, at: now, by: actor)
        state = .rejected(decision)
        return .recordDecision(decision)
    }

    /// Sends a scored proposal back for revision. Fund manager only, not affiliated; reason required.
    /// - Throws: `role_required`, `conflict_of_interest`, `justification_required`, `invalid_transition`.
    public mutating func requestRevision(reason: String, organisationID: OrganisationID, at now: Date, by actor: Actor) throws(WorkflowRejection) -> Action {
        let decision = try decide(.requestRevision, amount: nil, text: reason, organisationID: organisationID, at: now, by: actor)
        state = .revisionRequested(round: decision.round, reason: decision.justification)
        return .recordDecision(decision)
    }

    /// Checks the decider (fund manager, independent of the organisation), the text and the state (scored), and
    /// returns the decision record without changing the state.
    private func decide(
        _ kind: ProposalDecision.Kind, amount: Money?, text: String, organisationID: OrganisationID, at now: Date, by actor: Actor
    ) throws(WorkflowRejection) -> ProposalDecision {
        let purpose = switch kind {
        case .approve: "approve a proposal"
        case .reject: "reject a proposal"
        case .requestRevision: "request a revision"
        }
        try actor.require(.fundManager, to: purpose)
        try actor.requireIndependence(from: organisationID, to: purpose)
        let justification = try requireText(
            text, code: "justification_required", "Write the justification of the decision; it is shown to the organisation and kept in the audit log.",
            field: "justification", maximum: TextLimit.comment
        )
        switch state {
        case .scored(let round):
            return ProposalDecision(
                kind: kind, amount: amount, justification: justification, round: round,
                decidedBy: actor.userID, decidedByName: actor.displayName, decidedAt: now
            )
        case .draft, .submitted, .inReview, .approved, .rejected, .ineligible, .revisionRequested, .resubmitted, .withdrawn:
            throw illegalTransition("proposal", event: kind.rawValue, state: state.name)
        }
    }
}
