import Foundation
import JobQueue
import Postgres
import RRFWorkflow

// Peer review: assigning reviewers, recusal and reassignment. Scores in FundStore+ReviewScores.swift, aggregation
// and reading in FundStore+ReviewAggregation.swift, the records in ReviewRecords.swift.

extension FundStore {
    // MARK: Assignment

    /// Assigns a committee member to review a proposal in review (secretariat). Refuses reviewers affiliated
    /// with, or having declared a conflict with, the proposal's organisation.
    public func assignReviewer(_ reference: String, reviewer: String, as login: String) throws -> ReviewRecord {
        try command("review.assign", as: login) { context in
            let proposal = try loadProposal(reference, lock: .update, on: context.connection)
            let panel = try loadPanel(proposal, on: context.connection)
            let user = try requireReviewerUser(reviewer, on: context.connection)
            return try assign(user, panel: panel, context: context)
        }
    }

    /// Assigns committee members until the quorum has active reviewers (secretariat): fewest open assignments
    /// first, then by login; never a member affiliated or conflicted with the organisation. Refuses, assigning
    /// nobody, when too few eligible members remain. Returns the new assignments (none when the panel is full).
    public func assignReviewersAutomatically(_ reference: String, as login: String) throws -> [ReviewRecord] {
        try command("review.assign_auto", as: login) { context in
            let proposal = try loadProposal(reference, lock: .update, on: context.connection)
            return try autoAssign(proposal, context: context)
        }
    }

    /// The daemon's handler of `proposal.assign_reviewers`: ``assignReviewersAutomatically(_:as:)`` as the system.
    /// Does nothing (returns no assignments) when the proposal is no longer in review or its panel is full.
    public func assignReviewers(proposalID: UUID) throws -> [ReviewRecord] {
        try serviceCommand("review.assign_auto") { context in
            let proposal = try loadProposal(id: proposalID, on: context.connection)
            guard proposal.stateName == .inReview else { return [] }
            return try autoAssign(proposal, context: context)
        }
    }

    /// Steps a reviewer aside (the reviewer, or the secretariat for them; `reviewer` defaults to the actor) with
    /// a reason; a replacement is enqueued.
    public func recuseReview(_ reference: String, reviewer: String? = nil, reason: String, as login: String) throws -> ReviewRecord {
        try command("review.recuse", as: login) { context in
            let proposal = try loadProposal(reference, lock: .update, on: context.connection)
            let reviewerActor = try resolveActor(reviewer ?? context.login, includingDeactivated: true, on: context.connection)
            let loaded = try loadReview(proposal, reviewerID: reviewerActor.userID.uuid, at: context.now, on: context.connection)
            return try recuse(loaded, proposal: proposal, reason: reason, by: context.actor, context: context)
        }
    }

    /// The chair (or the secretariat) hands a review over from one member to another: an open assignment of
    /// `from` is recused with `reason`, then `to` is assigned with the usual checks.
    public func reassignReview(_ reference: String, from: String, to: String, reason: String, as login: String) throws -> ReviewRecord {
        try command("review.reassign", as: login) { context in
            // The reason first: its refusal does not wait for the review's state.
            _ = try parsedRule { () throws(WorkflowRejection) in try Validate.text(reason, field: "reason", maximum: TextLimit.reason, shape: .lines) }
            let proposal = try loadProposal(reference, lock: .update, on: context.connection)
            let panel = try loadPanel(proposal, on: context.connection)
            let isChair = try context.connection.query(
                "SELECT EXISTS (SELECT 1 FROM committees WHERE id = $1 AND chair_id = $2) AS chair", [panel.committee.id, context.actor.userID.uuid]
            ).single().decode("chair", as: Bool.self)
            let previous = try resolveActor(from, includingDeactivated: true, on: context.connection)
            let loaded = try loadReview(proposal, reviewerID: previous.userID.uuid, at: context.now, on: context.connection)
            let delegate = try ReviewPanel.reassign(
                by: context.actor, isChair: isChair, committee: panel.committee.code, reviewer: loaded.reviewerName, submitted: loaded.counts
            )
            if loaded.stateName == .assigned {
                _ = try recuse(loaded, proposal: proposal, reason: reason, by: delegate, context: context, replace: false)
            }
            let user = try requireReviewerUser(to, on: context.connection)
            return try assign(user, panel: panel, by: delegate, context: context)
        }
    }

    // MARK: Assignment internals

    func declaredConflicts(of userID: UUID, on connection: Connection) throws -> Set<OrganisationID> {
        Set(try connection.query("SELECT organisation_id FROM conflict_declarations WHERE user_id = $1", [userID]).rows.map {
            OrganisationID(try $0.decode("organisation_id", as: UUID.self))
        })
    }

    /// Assigns `reviewer` after the committee, duplicate and machine checks; enqueues the deadline aggregation.
    func assign(_ reviewer: Actor, panel: Panel, by actor: Actor? = nil, context: CommandContext) throws -> ReviewRecord {
        let proposal = panel.proposal
        try requireInReview(proposal)
        let isMember = try context.connection.query(
            "SELECT EXISTS (SELECT 1 FROM committee_members WHERE committee_id = $1 AND user_id = $2) AS member",
            [panel.committee.id, reviewer.userID.uuid]
        ).single().decode("member", as: Bool.self)
        let existing = try context.connection.query(
            "SELECT state FROM reviews WHERE proposal_id = $1 AND round = $2 AND reviewer_id = $3", [proposal.id, proposal.round, reviewer.userID.uuid]
        ).first.map { try $0.decode("state", as: String.self) }
        try ReviewPanel.requireAssignable(
            reviewer: reviewer.displayName, isMember: isMember, existing: existing, committee: panel.committee.code,
            reference: proposal.reference, round: proposal.round
        )
        let (machine, action) = try ReviewMachine.assign(
            reviewer: reviewer, declaredConflicts: try declaredConflicts(of: reviewer.userID.uuid, on: context.connection),
            organisationID: OrganisationID(proposal.organisationID), round: proposal.round, dueAt: panel.deadline, by: actor ?? context.actor
        )
        return try ReviewExecutor(store: self, proposal: proposal, loaded: nil, context: context)
            .perform(action, machine: machine, panel: panel, reviewerName: reviewer.displayName)
    }

    func autoAssign(_ proposal: ProposalRecord, context: CommandContext) throws -> [ReviewRecord] {
        try requireInReview(proposal)
        let panel = try loadPanel(proposal, on: context.connection)
        // One automatic assignment per committee at a time, so that loads are counted consistently.
        try context.connection.query("SELECT pg_advisory_xact_lock(hashtextextended('rrf:committee:' || $1::text, 0))", [panel.committee.id])
        let reviews = try loadReviews(proposalID: proposal.id, round: proposal.round, at: context.now, on: context.connection)
        let active = reviews.filter { $0.conflictedAt == nil && $0.stateName != .recused }.count
        let needed = panel.quorum - active
        guard needed > 0 else { return [] }
        let members = try context.connection.query(
            """
            SELECT u.login,
                   (SELECT count(*) FROM reviews r WHERE r.reviewer_id = u.id AND r.state = 'assigned' AND r.conflicted_at IS NULL)::int AS open,
                   EXISTS (SELECT 1 FROM user_organisations uo WHERE uo.user_id = u.id AND uo.organisation_id = $2) AS affiliated,
                   EXISTS (SELECT 1 FROM conflict_declarations d WHERE d.user_id = u.id AND d.organisation_id = $2) AS declared
            FROM committee_members cm JOIN users u ON u.id = cm.user_id
            WHERE cm.committee_id = $1 AND u.deactivated_at IS NULL
              AND EXISTS (SELECT 1 FROM user_roles ur WHERE ur.user_id = u.id AND ur.role = 'reviewer')
              AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.proposal_id = $3 AND r.round = $4 AND r.reviewer_id = u.id)
            """,
            [panel.committee.id, proposal.organisationID, proposal.id, proposal.round]
        ).rows.map { row in
            ReviewPanel.Member(
                login: try row.decode("login"), openReviews: try row.decode("open"), affiliated: try row.decode("affiliated"),
                declaredConflict: try row.decode("declared")
            )
        }
        let picked = try ReviewPanel.pick(
            needed, from: members, committee: panel.committee.code, reference: proposal.reference, organisation: proposal.organisation,
            quorum: panel.quorum
        )
        return try picked.map { login in
            try assign(try resolveActor(login, on: context.connection), panel: panel, context: context)
        }
    }

    func recuse(
        _ loaded: ReviewRecord, proposal: ProposalRecord, reason: String, by actor: Actor, context: CommandContext, replace: Bool = true
    ) throws -> ReviewRecord {
        var machine = try loaded.machine
        let action = try machine.recuse(reason: reason, by: actor)
        return try ReviewExecutor(store: self, proposal: proposal, loaded: loaded, context: context).perform(action, machine: machine, replacing: replace)
    }
}
