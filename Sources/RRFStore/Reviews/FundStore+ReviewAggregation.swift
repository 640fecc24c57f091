import Foundation
import JobQueue
import Postgres
import RRFWorkflow

extension FundStore {
    // MARK: Aggregation

    /// The daemon's handler of `proposal.aggregate_reviews` (idempotent). When the panel of the proposal's
    /// current round is complete (quorum submitted, and every assignee done or the deadline passed), stores the
    /// aggregate and moves the proposal from `in_review` to `scored`; for a proposal already scored, recomputes
    /// the stored aggregate (a conflict declared since removes a review). Returns the stored aggregate, or nil
    /// while the panel is incomplete.
    @discardableResult
    public func aggregateReviews(proposalID: UUID) throws -> ReviewAggregateRecord? {
        try serviceCommand("review.aggregate") { context in
            try aggregate(try loadProposal(id: proposalID, on: context.connection), context: context)
        }
    }

    /// ``aggregateReviews(proposalID:)`` run by the secretariat (without waiting for the daemon).
    @discardableResult
    public func aggregateReviews(_ reference: String, as login: String) throws -> ReviewAggregateRecord? {
        try command("review.aggregate", as: login) { context in
            try context.actor.require(.secretariat, to: "close the review of a proposal")
            return try aggregate(try loadProposal(reference, lock: .update, on: context.connection), context: context)
        }
    }

    func aggregate(_ proposal: ProposalRecord, context: CommandContext) throws -> ReviewAggregateRecord? {
        switch proposal.stateName {
        case .inReview:
            let panel = try loadPanel(proposal, on: context.connection)
            let reviews = try loadReviews(proposalID: proposal.id, round: proposal.round, at: context.now, on: context.connection)
            let progress = Self.progress(reviews, panel: panel)
            guard progress.isScored(at: context.now) else { return nil }
            let aggregate = try storeAggregate(proposal, reviews: reviews, panel: panel, context: context)
            var machine = try proposal.machine
            let action = try machine.markScored(progress: progress, at: context.now, by: context.actor)
            try ProposalExecutor(store: self, loaded: proposal, context: context)
                .perform(action, machine: machine, review: ReviewRoundFacts(progress: progress, aggregate: aggregate))
            return aggregate
        case .scored:
            let panel = try loadPanel(proposal, on: context.connection)
            let reviews = try loadReviews(proposalID: proposal.id, round: proposal.round, at: context.now, on: context.connection)
            let stored = try loadAggregate(proposal, on: context.connection)
            let counted = reviews.filter(\.counts).map(\.id)
            if let stored, stored.reviewIDs.sorted(by: { $0.uuidString < $1.uuidString }) == counted.sorted(by: { $0.uuidString < $1.uuidString }) {
                return stored
            }
            let progress = Self.progress(reviews, panel: panel)
            if progress.submitted < progress.quorum {
                try reopenReview(proposal, progress: progress, context: context)
                return nil
            }
            let aggregate = try storeAggregate(proposal, reviews: reviews, panel: panel, context: context)
            try context.audit(Streams.proposal(proposal.reference), "proposal.reaggregated", aggregate)
            return aggregate
        case .draft, .submitted, .approved, .rejected, .ineligible, .revisionRequested, .resubmitted, .withdrawn:
            return try loadAggregate(proposal, on: context.connection)
        }
    }

    /// The daemon's handler of `proposal.cancel_reviews` (idempotent): the open assignments of a withdrawn
    /// proposal are recused with the reason "Proposal withdrawn". Returns the reviews recused by this call.
    @discardableResult
    public func cancelReviews(proposalID: UUID) throws -> [ReviewRecord] {
        try serviceCommand("review.cancel") { context in
            let proposal = try loadProposal(id: proposalID, on: context.connection)
            guard proposal.stateName == .withdrawn else { return [] }
            return try loadReviews(proposalID: proposal.id, round: proposal.round, at: context.now, on: context.connection).filter { $0.stateName == .assigned }.map { review in
                try recuse(review, proposal: proposal, reason: "Proposal withdrawn", by: context.actor, context: context, replace: false)
            }
        }
    }

    // MARK: Reading

    /// A page of the reviews matching the filter, by reference, round and reviewer, each flagged overdue or not
    /// now; the state `overdue` selects the assigned reviews whose flag is set.
    /// - Throws: `review_state_unknown` for a state not in ``ReviewFilter/states``.
    public func reviews(_ filter: ReviewFilter = ReviewFilter()) throws -> Page<ReviewRecord> {
        let now = clock()
        let overdueOnly = filter.state == "overdue"
        return try read("review.list") { connection, viewer in
            // Staff see every review; a reviewer their own; anyone else none.
            let visibility = viewer.visibility(.proposals)
            let onlyReviewer: UUID? = switch visibility {
            case .all: nil
            case .assignedTo(let user): user.uuid
            case .organisations, .none: UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))
            }
            if let state = filter.state {
                try Validate.oneOf(state, ReviewFilter.states, code: "review_state_unknown", what: "review state")
            }
            let limit = try Validate.limit(filter.limit)
            let keys = [PageKey("p.reference", "text"), PageKey("r.round", "integer"), PageKey("u.login", "text")]
            let condition = """
                ($1::text IS NULL OR p.reference = upper($1)) AND ($2::text IS NULL OR u.login = lower($2))
                AND ($3::text IS NULL OR r.state = $3) AND ($4::uuid IS NULL OR r.reviewer_id = $4)
                """
            guard overdueOnly else {
                return try connection.page(
                    ReviewRecord.select, where: condition, [filter.reference, filter.reviewer, filter.state, onlyReviewer],
                    orderedBy: keys, limit: limit, after: filter.after
                ) { try ReviewRecord(row: $0, at: now) }
            }
            // The overdue flag is the machine's: read the assigned reviews (after the cursor), flag them, then count and cut.
            let assigned: [(any PostgresEncodable)?] = [filter.reference, filter.reviewer, ReviewMachine.State.Name.assigned.rawValue, onlyReviewer]
            func overdue(after cursor: PageCursor?) throws -> [(review: ReviewRecord, cursor: PageCursor)] {
                try connection.keysetRows(ReviewRecord.select, where: condition, assigned, orderedBy: keys, limit: nil, after: cursor)
                    .map { (try ReviewRecord(row: $0, at: now), try Connection.cursor(of: $0, keys)) }.filter(\.review.overdue)
            }
            let all = try overdue(after: nil)
            let following = filter.after == nil ? all : try overdue(after: filter.after)
            let shown = following.prefix(limit)
            return Page(total: all.count, limit: limit, next: following.count > limit ? shown.last?.cursor : nil, items: shown.map(\.review))
        }
    }

    /// The review of a proposal's current round.
    public func proposalReviews(_ reference: String) throws -> ProposalReviewsRecord {
        let now = clock()
        return try read("review.show") { connection, viewer in
            let proposal = try loadProposal(reference, lock: .unlocked, on: connection)
            let access = try viewer.reviewScoresAccess(proposal, on: connection)
            if access == .notFound { throw Self.proposalNotFound(proposal.reference) }
            // Blind review: before their own scorecard is in, a reviewer sees only their own review.
            let blind = access != .allowed
            let panel = try? loadPanel(proposal, on: connection)
            let call = try loadCall(id: proposal.callID, lock: .unlocked, on: connection)
            let quorum = panel?.quorum ?? call.configuration.quorum
            let deadline = panel?.deadline ?? call.configuration.reviewDeadline
            let reviews = try loadReviews(proposalID: proposal.id, round: proposal.round, at: now, on: connection)
                .filter { !blind || $0.reviewerID == viewer.actor?.userID.uuid }
            let progress = panel.map { Self.progress(reviews, panel: $0) }
                ?? ReviewProgress(submitted: 0, recused: 0, pending: 0, quorum: quorum, reviewDeadline: deadline)
            return ProposalReviewsRecord(
                reference: proposal.reference, state: proposal.state, round: proposal.round, committee: panel?.committee.code,
                quorum: quorum, reviewDeadline: deadline, progress: progress, reviews: reviews,
                aggregate: blind ? nil : try loadAggregate(proposal, on: connection)
            )
        }
    }

    // MARK: Internals

    /// The committee reviewing a proposal, with the quorum and deadline that apply.
    struct Panel {
        let proposal: ProposalRecord
        let committee: CommitteeRecord
        let call: CallRecord
        let quorum: Int
        let deadline: Date
    }

    func loadPanel(_ proposal: ProposalRecord, on connection: Connection) throws -> Panel {
        let serving = try connection.query(
            "SELECT code FROM committees WHERE cluster = $2 AND (call_id = $1 OR call_id IS NULL) ORDER BY call_id IS NULL LIMIT 1",
            [proposal.callID, proposal.cluster.rawValue]
        ).first.map { try $0.decode("code", as: String.self) }
        let committee = try loadCommittee(try ReviewPanel.requireCommittee(serving, cluster: proposal.cluster, call: proposal.call), on: connection)
        let call = try loadCall(id: proposal.callID, lock: .unlocked, on: connection)
        return Panel(
            proposal: proposal, committee: committee, call: call, quorum: committee.quorum ?? call.configuration.quorum,
            deadline: committee.reviewDeadline ?? call.configuration.reviewDeadline
        )
    }

    func loadProposal(id: UUID, on connection: Connection) throws -> ProposalRecord {
        guard let row = try connection.query(ProposalRecord.select + " WHERE p.id = $1 FOR UPDATE OF p", [id]).first else {
            throw StoreError.notFound("No proposal has the id \(id.uuidString.lowercased()).")
        }
        return try ProposalRecord(row: row)
    }

    func loadReviews(proposalID: UUID, round: Int, at now: Date, on connection: Connection) throws -> [ReviewRecord] {
        try connection.query(
            ReviewRecord.select + " WHERE r.proposal_id = $1 AND r.round = $2 ORDER BY r.submitted_at NULLS LAST, u.login FOR UPDATE OF r",
            [proposalID, round]
        ).rows.map { try ReviewRecord(row: $0, at: now) }
    }

    func loadReview(_ proposal: ProposalRecord, reviewerID: UUID, at now: Date, on connection: Connection) throws -> ReviewRecord {
        let row = try connection.query(
            ReviewRecord.select + " WHERE r.proposal_id = $1 AND r.round = $2 AND r.reviewer_id = $3 FOR UPDATE OF r",
            [proposal.id, proposal.round, reviewerID]
        ).first
        try ReviewPanel.requireAssigned(row != nil, reference: proposal.reference, round: proposal.round)
        return try ReviewRecord(row: row!, at: now)
    }

    func loadAggregate(_ proposal: ProposalRecord, on connection: Connection) throws -> ReviewAggregateRecord? {
        try connection.query(
            "SELECT aggregation::text AS aggregation, to_json(review_ids)::text AS review_ids, computed_at FROM review_aggregates WHERE proposal_id = $1 AND round = $2",
            [proposal.id, proposal.round]
        ).first.map { row in
            ReviewAggregateRecord(
                reference: proposal.reference, round: proposal.round,
                aggregation: try row.decode("aggregation", as: JSONValue<ReviewAggregation>.self).value,
                reviewIDs: try row.decode("review_ids", as: JSONValue<[UUID]>.self).value, computedAt: try row.decode("computed_at")
            )
        }
    }

    /// Refuses unless the proposal passed screening and is in review (``ReviewPanel/requireInReview(reference:state:)``).
    func requireInReview(_ proposal: ProposalRecord) throws {
        try ReviewPanel.requireInReview(reference: proposal.reference, state: proposal.stateName)
    }

    func enqueueAggregationIfComplete(_ proposal: ProposalRecord, context: CommandContext) throws {
        let panel = try loadPanel(proposal, on: context.connection)
        let reviews = try loadReviews(proposalID: proposal.id, round: proposal.round, at: context.now, on: context.connection)
        guard Self.progress(reviews, panel: panel).isScored(at: context.now) else { return }
        try context.enqueue(NewJobs.make(
            JobKinds.proposalAggregateReviews, Self.jobPayload(proposal, round: proposal.round),
            uniqueKey: "aggregate:\(proposal.reference):\(proposal.round)"
        ))
    }

    /// A conflict declared after scoring left fewer counting reviews than the quorum: back to review (see
    /// ``ProposalExecutor``).
    func reopenReview(_ proposal: ProposalRecord, progress: ReviewProgress, context: CommandContext) throws {
        var machine = try proposal.machine
        let action = try machine.reopenReview(progress: progress, by: context.actor)
        try ProposalExecutor(store: self, loaded: proposal, context: context)
            .perform(action, machine: machine, review: ReviewRoundFacts(progress: progress, aggregate: nil))
    }

    static func progress(_ reviews: [ReviewRecord], panel: Panel) -> ReviewProgress {
        let submitted = reviews.filter(\.counts).count
        let pending = reviews.filter(\.isPending).count
        return ReviewProgress(
            submitted: submitted, recused: reviews.count - submitted - pending, pending: pending, quorum: panel.quorum, reviewDeadline: panel.deadline
        )
    }

    func storeAggregate(_ proposal: ProposalRecord, reviews: [ReviewRecord], panel: Panel, context: CommandContext) throws -> ReviewAggregateRecord {
        let counted = reviews.filter(\.counts)
        let scorecard = panel.call.configuration.scorecard
        let sheets = counted.map { review in
            ScoreSheet(reviewerID: UserID(review.reviewerID), scores: review.scores ?? [:], comments: review.comments ?? [:], submittedAt: review.submittedAt ?? review.assignedAt)
        }
        let aggregation = try ReviewAggregation(sheets: sheets, scorecard: scorecard, divergenceSpread: panel.call.configuration.divergenceSpread)
        try context.connection.query(
            "UPDATE reviews SET total_hundredths = t.total FROM unnest($1::uuid[], $2::integer[]) AS t(id, total) WHERE reviews.id = t.id",
            [counted.map(\.id), aggregation.totals.map(\.hundredths)]
        )
        try context.connection.query(
            """
            INSERT INTO review_aggregates (proposal_id, round, reviews_counted, mean_hundredths, std_dev_hundredths, spread_hundredths,
                divergent, passes, aggregation, review_ids, computed_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10::uuid[], $11)
            ON CONFLICT (proposal_id, round) DO UPDATE SET reviews_counted = excluded.reviews_counted,
                mean_hundredths = excluded.mean_hundredths, std_dev_hundredths = excluded.std_dev_hundredths,
                spread_hundredths = excluded.spread_hundredths, divergent = excluded.divergent, passes = excluded.passes,
                aggregation = excluded.aggregation, review_ids = excluded.review_ids, computed_at = excluded.computed_at
            """,
            [
                proposal.id, proposal.round, counted.count, aggregation.mean.hundredths, aggregation.standardDeviation.hundredths,
                aggregation.spread.hundredths, aggregation.isDivergent, aggregation.passes, JSONValue(aggregation), counted.map(\.id), context.now,
            ]
        )
        return ReviewAggregateRecord(
            reference: proposal.reference, round: proposal.round, aggregation: aggregation, reviewIDs: counted.map(\.id), computedAt: context.now
        )
    }
}
