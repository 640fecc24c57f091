import Foundation

/// The rules of a proposal's review panel and of the committees that staff it: who may be assigned, who may
/// hand a review over or declare a conflict, when automatic assignment has enough eligible members. The
/// conflict-of-interest rule itself is the review machine's (``ReviewMachine``); these are the facts around it.
public enum ReviewPanel {
    /// Reviews are assigned, scored and recused only while the proposal is in review.
    /// - Throws: `proposal_not_in_review`, with a hint to screen a proposal still waiting for screening.
    public static func requireInReview(reference: String, state: ProposalMachine.State.Name) throws(WorkflowRejection) {
        guard state == .inReview else {
            let hint = [.submitted, .resubmitted].contains(state)
                ? "screen it first with `rrfctl proposal screen \(reference) pass`."
                : "only proposals in review are reviewed."
            throw WorkflowRejection(code: "proposal_not_in_review", message: "Proposal \(reference) is \(state.rawValue.replacingOccurrences(of: "_", with: " ")); \(hint)")
        }
    }

    /// A reviewer joins a panel only as a member of its committee and only once per round (`existing` is their
    /// current review's state in this round, if any).
    /// - Throws: `reviewer_not_member`, `reviewer_already_assigned`.
    public static func requireAssignable(
        reviewer: String, isMember: Bool, existing: String?, committee: String, reference: String, round: Int
    ) throws(WorkflowRejection) {
        guard isMember else {
            throw WorkflowRejection(
                code: "reviewer_not_member",
                message: "\(reviewer) is not a member of committee \(committee); add them with `rrfctl committee add-member` first."
            )
        }
        if let existing {
            throw WorkflowRejection(
                code: "reviewer_already_assigned",
                message: "\(reviewer) is already on the panel of \(reference) (round \(round), \(existing)); choose another member."
            )
        }
    }

    /// A committee member as automatic assignment sees them for one proposal.
    public struct Member: Sendable, Equatable {
        public let login: String
        /// Reviews assigned to them and still open, across the fund.
        public let openReviews: Int
        /// Whether they belong to the proposal's organisation.
        public let affiliated: Bool
        /// Whether they declared a conflict with it.
        public let declaredConflict: Bool

        public init(login: String, openReviews: Int, affiliated: Bool, declaredConflict: Bool) {
            self.login = login
            self.openReviews = openReviews
            self.affiliated = affiliated
            self.declaredConflict = declaredConflict
        }
    }

    /// Automatic assignment picks the `needed` least loaded eligible members (by open reviews, then login); a
    /// member with a conflict of interest (``ReviewMachine/isConflicted(affiliated:declared:)``) is never eligible.
    /// `members` are the active reviewers of the committee not yet on this round's panel.
    /// - Throws: `too_few_eligible_reviewers` when fewer are eligible than needed.
    public static func pick(
        _ needed: Int, from members: [Member], committee: String, reference: String, organisation: String, quorum: Int
    ) throws(WorkflowRejection) -> [String] {
        let candidates = members.filter { !ReviewMachine.isConflicted(affiliated: $0.affiliated, declared: $0.declaredConflict) }
            .sorted { ($0.openReviews, $0.login) < ($1.openReviews, $1.login) }
            .map(\.login)
        guard candidates.count >= needed else {
            throw WorkflowRejection(
                code: "too_few_eligible_reviewers",
                message: "Committee \(committee) has \(candidates.count) eligible member(s) left for the \(needed) review(s) \(reference) still needs to reach its quorum of \(quorum) (members affiliated or in conflict with \(organisation), or already on its panel, are excluded); add members to the committee."
            )
        }
        return Array(candidates.prefix(needed))
    }

    /// The chair of the committee or the secretariat hands a review over, never one already submitted; the chair
    /// then acts with the secretariat's authority over the committee's assignments (the returned actor).
    /// - Throws: `role_required`, `review_already_submitted`.
    public static func reassign(
        by actor: Actor, isChair: Bool, committee: String, reviewer: String, submitted: Bool
    ) throws(WorkflowRejection) -> Actor {
        guard isChair || actor.has(.secretariat) else {
            throw WorkflowRejection(code: "role_required", message: "Only the chair of \(committee) or the secretariat can reassign a review.")
        }
        guard !submitted else {
            throw WorkflowRejection(code: "review_already_submitted", message: "\(reviewer) already submitted this review; a submitted review cannot be reassigned.")
        }
        return try Actor(userID: actor.userID, displayName: actor.displayName, roles: actor.roles.union([.secretariat]), organisationIDs: actor.organisationIDs)
    }

    /// A conflict of interest is declared by the reviewer themselves or by the secretariat.
    /// - Throws: `role_required`.
    public static func requireMayDeclareConflict(of reviewer: Actor, by actor: Actor) throws(WorkflowRejection) {
        guard actor.userID == reviewer.userID || actor.has(.secretariat) else {
            throw WorkflowRejection(code: "role_required", message: "Only the reviewer or the secretariat can declare the reviewer's conflict of interest.")
        }
    }

    /// Committee members hold the reviewer role.
    /// - Throws: `reviewer_role_missing`.
    public static func requireReviewer(_ user: Actor) throws(WorkflowRejection) {
        guard user.has(.reviewer) else {
            throw WorkflowRejection(code: "reviewer_role_missing", message: "\(user.displayName) is not a reviewer; give them the reviewer role first.")
        }
    }

    /// A committee serves one cluster the call funds (when it is a call's), with a quorum of at least one.
    /// - Throws: `cluster_not_funded`, `quorum_invalid`.
    public static func requireCommittee(cluster: Cluster, call: String?, fundedClusters: Set<Cluster>, quorum: Int?) throws(WorkflowRejection) {
        if let call, !fundedClusters.contains(cluster) {
            throw WorkflowRejection(code: "cluster_not_funded", message: "The call \(call) does not fund the \(cluster.displayName) cluster; choose one of its clusters.")
        }
        if let quorum, quorum < 1 {
            throw WorkflowRejection(code: "quorum_invalid", message: "The review quorum must be at least 1 reviewer.")
        }
    }

    /// A proposal is reviewed by the committee serving its call's cluster (`committee` found, or nil).
    /// - Throws: `committee_missing`.
    public static func requireCommittee(_ committee: String?, cluster: Cluster, call: String) throws(WorkflowRejection) -> String {
        guard let committee else {
            throw WorkflowRejection(
                code: "committee_missing",
                message: "No review committee serves the \(cluster.displayName) cluster of call \(call); create one with `rrfctl committee create`."
            )
        }
        return committee
    }

    /// Only an assigned reviewer's review can be acted on (`found` whether one is assigned).
    /// - Throws: `not_assigned_reviewer`.
    public static func requireAssigned(_ found: Bool, reference: String, round: Int) throws(WorkflowRejection) {
        guard found else {
            throw WorkflowRejection(
                code: "not_assigned_reviewer",
                message: "Nobody with this login is assigned to review \(reference) (round \(round)); list its reviews with `rrfctl review show \(reference)`."
            )
        }
    }
}
