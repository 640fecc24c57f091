import Foundation
import JobQueue
import Postgres
import RRFWorkflow

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
    /// assigned | submitted | recused
    public let state: String
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

    /// Whether the review counts in the aggregate: submitted, without a conflict declared since.
    public var counts: Bool { state == "submitted" && conflictedAt == nil }
    /// Whether the review is still awaited.
    public var isPending: Bool { state == "assigned" && conflictedAt == nil }

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
        state = try row.decode("state")
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
        let reviewRound: Int? = try row.decode("proposal_state", as: String.self) == "in_review" ? row.decode("proposal_round") : nil
        overdue = machine.isOverdue(at: now, conflictDeclared: conflictedAt != nil, proposalReviewRound: reviewRound)
    }

    /// The review's state machine rebuilt from the record.
    public var machine: ReviewMachine {
        let assignment = ReviewMachine.Assignment(reviewerID: UserID(reviewerID), reviewerName: reviewerName, round: round, dueAt: dueAt)
        let state: ReviewMachine.State = switch self.state {
        case "submitted":
            .submitted(assignment, ScoreSheet(
                reviewerID: UserID(reviewerID), scores: scores ?? [:], comments: comments ?? [:], submittedAt: submittedAt ?? assignedAt
            ))
        case "recused": .recused(assignment, reason: recusalReason ?? "")
        default: .assigned(assignment)
        }
        return ReviewMachine(state: state)
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
    public var offset: Int

    /// The states a list can be filtered by.
    public static let states = ["assigned", "submitted", "recused", "overdue"]

    public init(reference: String? = nil, reviewer: String? = nil, state: String? = nil, limit: Int = 100, offset: Int = 0) {
        self.reference = reference
        self.reviewer = reviewer
        self.state = state
        self.limit = limit
        self.offset = offset
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
        try reviewSystemCommand("review.assign_auto") { context in
            let proposal = try loadProposal(id: proposalID, on: context.connection)
            guard proposal.state == "in_review" else { return [] }
            return try autoAssign(proposal, context: context)
        }
    }

    /// Steps a reviewer aside (the reviewer, or the secretariat for them; `reviewer` defaults to the actor) with
    /// a reason; a replacement is enqueued.
    public func recuseReview(_ reference: String, reviewer: String? = nil, reason: String, as login: String) throws -> ReviewRecord {
        try command("review.recuse", as: login) { context in
            let proposal = try loadProposal(reference, lock: .update, on: context.connection)
            let reviewerActor = try resolveActor(reviewer ?? login, includingDeactivated: true, on: context.connection)
            let loaded = try loadReview(proposal, reviewerID: reviewerActor.userID.uuid, at: context.now, on: context.connection)
            return try recuse(loaded, proposal: proposal, reason: reason, by: context.actor, context: context)
        }
    }

    /// The chair (or the secretariat) hands a review over from one member to another: an open assignment of
    /// `from` is recused with `reason`, then `to` is assigned with the usual checks.
    public func reassignReview(_ reference: String, from: String, to: String, reason: String, as login: String) throws -> ReviewRecord {
        try command("review.reassign", as: login) { context in
            let proposal = try loadProposal(reference, lock: .update, on: context.connection)
            let panel = try loadPanel(proposal, on: context.connection)
            let isChair = try context.connection.query(
                "SELECT EXISTS (SELECT 1 FROM committees WHERE id = $1 AND chair_id = $2) AS chair", [panel.committee.id, context.actor.userID.uuid]
            ).single().decode("chair", as: Bool.self)
            guard isChair || context.actor.has(.secretariat) else {
                throw StoreError(.forbidden, code: "role_required", "Only the chair of \(panel.committee.code) or the secretariat can reassign a review.")
            }
            // The chair acts with the secretariat's authority over the committee's assignments.
            let delegate = try Actor(
                userID: context.actor.userID, displayName: context.actor.displayName, roles: context.actor.roles.union([.secretariat]),
                organisationIDs: context.actor.organisationIDs
            )
            let previous = try resolveActor(from, includingDeactivated: true, on: context.connection)
            let loaded = try loadReview(proposal, reviewerID: previous.userID.uuid, at: context.now, on: context.connection)
            if loaded.counts {
                throw StoreError.rejected(
                    "review_already_submitted", "\(loaded.reviewerName) already submitted this review; a submitted review cannot be reassigned."
                )
            }
            if loaded.state == "assigned" {
                _ = try recuse(loaded, proposal: proposal, reason: reason, by: delegate, context: context, replace: false)
            }
            let user = try requireReviewerUser(to, on: context.connection)
            return try assign(user, panel: panel, by: delegate, context: context)
        }
    }

    // MARK: Scores

    /// Submits a review: by the assigned reviewer, or by the secretariat on the reviewer's behalf (`reviewer`
    /// names them; recorded as entered by the secretariat). May complete the panel: then the aggregation job is
    /// enqueued in the same transaction.
    public func submitReview(_ reference: String, reviewer: String? = nil, _ input: ReviewScoresInput, as login: String) throws -> ReviewRecord {
        try command("review.submit", as: login) { context in
            let proposal = try loadProposal(reference, lock: .update, on: context.connection)
            return try recordScores(proposal, reviewer: reviewer ?? login, input, context: context)
        }
    }

    /// Imports reviews entered by the secretariat from CSV: a header `reference,reviewer,<criterion id>…,comments`
    /// then one row per review. Every row is applied or none: a refusal lists every invalid row by line number.
    public func importReviews(csv: String, as login: String) throws -> ReviewImportReport {
        try command("review.import", as: login) { context in
            try context.actor.require(.secretariat, to: "import reviews")
            let records = try ReviewCSV.parse(csv)
            guard let header = records.first else {
                throw StoreError.rejected("import_empty", "The file is empty; give a header line and one line per review.")
            }
            let columns = header.fields.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            let referenceColumn = columns.firstIndex(of: "reference")
            let reviewerColumn = columns.firstIndex { ["reviewer", "reviewer login", "reviewer_login", "login"].contains($0) }
            let commentsColumn = columns.firstIndex(of: "comments")
            guard let referenceColumn, let reviewerColumn else {
                throw StoreError.rejected(
                    "import_header_invalid",
                    "Line \(header.line): the header must name the columns reference, reviewer, one per criterion id, and comments."
                )
            }
            let criterionColumns = columns.indices.filter { ![referenceColumn, reviewerColumn, commentsColumn].contains($0) }
            let rows = records.dropFirst()
            guard !rows.isEmpty else {
                throw StoreError.rejected("import_empty", "The file has a header but no reviews; add one line per review.")
            }
            var errors: [String] = []
            var imported: [ReviewRecord] = []
            var seen: [String: Int] = [:]
            for row in rows {
                do {
                    guard row.fields.count == columns.count else {
                        throw StoreError.rejected("import_row_invalid", "it has \(row.fields.count) fields, the header has \(columns.count).")
                    }
                    let reference = row.fields[referenceColumn].trimmingCharacters(in: .whitespaces).uppercased()
                    let reviewer = row.fields[reviewerColumn].trimmingCharacters(in: .whitespaces).lowercased()
                    if let first = seen["\(reference) \(reviewer)"] {
                        throw StoreError.rejected("import_row_duplicate", "it repeats the review of \(reference) by \(reviewer) on line \(first).")
                    }
                    seen["\(reference) \(reviewer)"] = row.line
                    var scores: [String: Int] = [:]
                    for column in criterionColumns {
                        let cell = row.fields[column].trimmingCharacters(in: .whitespaces)
                        if cell.isEmpty { continue }
                        guard let value = Int(cell) else {
                            throw StoreError.rejected("score_not_a_number", "the score \"\(cell)\" for \(columns[column]) is not a whole number.")
                        }
                        scores[columns[column]] = value
                    }
                    let comments = commentsColumn.map { row.fields[$0] }
                    try context.connection.execute("SAVEPOINT review_import_row")
                    do {
                        let proposal = try loadProposal(reference, lock: .update, on: context.connection)
                        imported.append(try recordScores(proposal, reviewer: reviewer, ReviewScoresInput(scores: scores, comments: comments), context: context))
                        try context.connection.execute("RELEASE SAVEPOINT review_import_row")
                    } catch {
                        try context.connection.execute("ROLLBACK TO SAVEPOINT review_import_row")
                        throw error
                    }
                } catch {
                    let message = Self.storeError(from: error).message
                    errors.append("line \(row.line): \(message.prefix(1).lowercased())\(message.dropFirst())")
                }
            }
            guard errors.isEmpty else {
                throw StoreError.rejected(
                    "import_invalid",
                    "Nothing was imported: \(errors.count) of \(rows.count) rows are invalid.\n" + errors.joined(separator: "\n")
                )
            }
            try context.audit(Streams.reviewImports, "review.imported", ["rows": imported.count])
            return ReviewImportReport(reviews: imported)
        }
    }

    /// Replaces the scorecard of a call (secretariat) while no proposal of the call has a review; refused after
    /// (also by a trigger).
    public func setCallScorecard(_ code: String, _ scorecard: Scorecard, expectedVersion: Int? = nil, as login: String) throws -> CallRecord {
        try command("call.set_scorecard", as: login) { context in
            try context.actor.require(.secretariat, to: "change a call's scorecard")
            try scorecard.validate()
            let loaded = try loadCallForUpdate(code, on: context.connection)
            try context.requireVersion(loaded.version, expected: expectedVersion, of: "The call \(loaded.code)")
            guard ["draft", "open", "closed"].contains(loaded.state) else {
                throw StoreError.rejected("invalid_transition", "The call \(loaded.code) is \(loaded.state); its scorecard can no longer change.")
            }
            let reviewed = try context.connection.query(
                "SELECT count(*) AS n FROM reviews r JOIN proposals p ON p.id = r.proposal_id WHERE p.call_id = $1", [loaded.id]
            ).single().decode("n", as: Int.self)
            guard reviewed == 0 else {
                throw StoreError.rejected(
                    "scorecard_fixed",
                    "The scorecard of \(loaded.code) is fixed: \(reviewed) review(s) of its proposals exist; it must stay the same for every reviewer."
                )
            }
            try mappingReviewConstraints {
                try context.updateVersioned(
                    "UPDATE calls SET scorecard = $3::jsonb, version = version + 1 WHERE id = $1 AND version = $2",
                    [loaded.id, loaded.version, JSONValue(scorecard)], what: "The call \(loaded.code)"
                )
            }
            let record = try loadCallForUpdate(loaded.code, on: context.connection)
            try context.audit(Streams.call(record.code), "call.scorecard_set", record)
            return record
        }
    }

    // MARK: Aggregation

    /// The daemon's handler of `proposal.aggregate_reviews` (idempotent). When the panel of the proposal's
    /// current round is complete (quorum submitted, and every assignee done or the deadline passed), stores the
    /// aggregate and moves the proposal from `in_review` to `scored`; for a proposal already scored, recomputes
    /// the stored aggregate (a conflict declared since removes a review). Returns the stored aggregate, or nil
    /// while the panel is incomplete.
    @discardableResult
    public func aggregateReviews(proposalID: UUID) throws -> ReviewAggregateRecord? {
        try reviewSystemCommand("review.aggregate") { context in
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

    private func aggregate(_ proposal: ProposalRecord, context: CommandContext) throws -> ReviewAggregateRecord? {
        switch proposal.state {
        case "in_review":
            let panel = try loadPanel(proposal, on: context.connection)
            let reviews = try loadReviews(proposalID: proposal.id, round: proposal.round, at: context.now, on: context.connection)
            let progress = Self.progress(reviews, panel: panel)
            guard progress.isScored(at: context.now) else { return nil }
            let aggregate = try storeAggregate(proposal, reviews: reviews, panel: panel, context: context)
            var machine = proposal.machine
            let action = try machine.markScored(progress: progress, at: context.now, by: context.actor)
            guard case .requestDecision = action else { throw Self.unexpected(action, answering: "the end of review") }
            try saveReviewState(proposal, machine, context: context)
            let record = try loadProposal(proposal.reference, lock: .update, on: context.connection)
            try context.audit(Streams.proposal(record.reference), "proposal.scored", aggregate)
            try context.notify(NotifyPayload(
                event: "proposal.scored", stream: Streams.proposal(record.reference), organisationID: nil,
                roles: [Role.fundManager.rawValue],
                message: "Proposal \(record.reference) is scored (mean \(aggregate.aggregation.mean), \(aggregate.aggregation.passes ? "passes" : "fails")\(aggregate.aggregation.isDivergent ? ", divergent reviews" : "")) and awaits a decision."
            ))
            return aggregate
        case "scored":
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
        default:
            return try loadAggregate(proposal, on: context.connection)
        }
    }

    /// The daemon's handler of `proposal.cancel_reviews` (idempotent): the open assignments of a withdrawn
    /// proposal are recused with the reason "Proposal withdrawn". Returns the reviews recused by this call.
    @discardableResult
    public func cancelReviews(proposalID: UUID) throws -> [ReviewRecord] {
        try reviewSystemCommand("review.cancel") { context in
            let proposal = try loadProposal(id: proposalID, on: context.connection)
            guard proposal.state == "withdrawn" else { return [] }
            return try loadReviews(proposalID: proposal.id, round: proposal.round, at: context.now, on: context.connection).filter { $0.state == "assigned" }.map { review in
                try recuse(review, proposal: proposal, reason: "Proposal withdrawn", by: context.actor, context: context, replace: false)
            }
        }
    }

    // MARK: Reading

    /// Reviews matching the filter, by reference, round and reviewer, each flagged overdue or not now; the state
    /// `overdue` selects the assigned reviews whose flag is set.
    /// - Throws: `review_state_unknown` for a state not in ``ReviewFilter/states``.
    public func reviews(_ filter: ReviewFilter = ReviewFilter()) throws -> [ReviewRecord] {
        if let state = filter.state, !ReviewFilter.states.contains(state) {
            throw StoreError.rejected(
                "review_state_unknown", "\"\(state)\" is not a review state; use one of \(ReviewFilter.states.joined(separator: ", "))."
            )
        }
        let now = clock()
        let overdueOnly = filter.state == "overdue"
        return try read("review.list") { connection in
            let limit = try Validate.limit(filter.limit)
            let offset = try Validate.offset(filter.offset)
            // The overdue flag is the machine's: read the assigned reviews, flag them, then page.
            let records = try connection.query(
                ReviewRecord.select + """
                 WHERE ($1::text IS NULL OR p.reference = upper($1)) AND ($2::text IS NULL OR u.login = lower($2))
                   AND ($3::text IS NULL OR r.state = $3)
                ORDER BY p.reference, r.round, u.login LIMIT $4 OFFSET $5
                """,
                [filter.reference, filter.reviewer, overdueOnly ? "assigned" : filter.state, overdueOnly ? nil : limit, overdueOnly ? 0 : offset]
            ).rows.map { try ReviewRecord(row: $0, at: now) }
            return overdueOnly ? Array(records.filter(\.overdue).dropFirst(offset).prefix(limit)) : records
        }
    }

    /// The review of a proposal's current round.
    public func proposalReviews(_ reference: String) throws -> ProposalReviewsRecord {
        let now = clock()
        return try read("review.show") { connection in
            let proposal = try loadProposal(reference, lock: .unlocked, on: connection)
            let panel = try? loadPanel(proposal, on: connection)
            let call = try loadCall(id: proposal.callID, lock: .unlocked, on: connection)
            let quorum = panel?.quorum ?? call.configuration.quorum
            let deadline = panel?.deadline ?? call.configuration.reviewDeadline
            let reviews = try loadReviews(proposalID: proposal.id, round: proposal.round, at: now, on: connection)
            let progress = panel.map { Self.progress(reviews, panel: $0) }
                ?? ReviewProgress(submitted: 0, recused: 0, pending: 0, quorum: quorum, reviewDeadline: deadline)
            return ProposalReviewsRecord(
                reference: proposal.reference, state: proposal.state, round: proposal.round, committee: panel?.committee.code,
                quorum: quorum, reviewDeadline: deadline, progress: progress, reviews: reviews,
                aggregate: try loadAggregate(proposal, on: connection)
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
        guard let row = try connection.query(
            "SELECT code FROM committees WHERE cluster = $2 AND (call_id = $1 OR call_id IS NULL) ORDER BY call_id IS NULL LIMIT 1",
            [proposal.callID, proposal.cluster.rawValue]
        ).first else {
            throw StoreError.rejected(
                "committee_missing",
                "No review committee serves the \(proposal.cluster.displayName) cluster of call \(proposal.call); create one with `rrfctl committee create`."
            )
        }
        let committee = try loadCommittee(try row.decode("code"), on: connection)
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

    private func loadReviews(proposalID: UUID, round: Int, at now: Date, on connection: Connection) throws -> [ReviewRecord] {
        try connection.query(
            ReviewRecord.select + " WHERE r.proposal_id = $1 AND r.round = $2 ORDER BY r.submitted_at NULLS LAST, u.login FOR UPDATE OF r",
            [proposalID, round]
        ).rows.map { try ReviewRecord(row: $0, at: now) }
    }

    private func loadReview(_ proposal: ProposalRecord, reviewerID: UUID, at now: Date, on connection: Connection) throws -> ReviewRecord {
        guard let row = try connection.query(
            ReviewRecord.select + " WHERE r.proposal_id = $1 AND r.round = $2 AND r.reviewer_id = $3 FOR UPDATE OF r",
            [proposal.id, proposal.round, reviewerID]
        ).first else {
            throw StoreError.rejected(
                "not_assigned_reviewer", "Nobody with this login is assigned to review \(proposal.reference) (round \(proposal.round)); list its reviews with `rrfctl review show \(proposal.reference)`."
            )
        }
        return try ReviewRecord(row: row, at: now)
    }

    private func loadAggregate(_ proposal: ProposalRecord, on connection: Connection) throws -> ReviewAggregateRecord? {
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

    /// Refuses unless the proposal passed screening and is in review.
    private func requireInReview(_ proposal: ProposalRecord) throws {
        guard proposal.state == "in_review" else {
            let hint = ["submitted", "resubmitted"].contains(proposal.state)
                ? "screen it first with `rrfctl proposal screen \(proposal.reference) pass`."
                : "only proposals in review are reviewed."
            throw StoreError.rejected(
                "proposal_not_in_review", "Proposal \(proposal.reference) is \(proposal.state.replacingOccurrences(of: "_", with: " ")); \(hint)"
            )
        }
    }

    private func declaredConflicts(of userID: UUID, on connection: Connection) throws -> Set<OrganisationID> {
        Set(try connection.query("SELECT organisation_id FROM conflict_declarations WHERE user_id = $1", [userID]).rows.map {
            OrganisationID(try $0.decode("organisation_id", as: UUID.self))
        })
    }

    /// Assigns `reviewer` after the committee, duplicate and machine checks; enqueues the deadline aggregation.
    private func assign(_ reviewer: Actor, panel: Panel, by actor: Actor? = nil, context: CommandContext) throws -> ReviewRecord {
        let proposal = panel.proposal
        try requireInReview(proposal)
        let isMember = try context.connection.query(
            "SELECT EXISTS (SELECT 1 FROM committee_members WHERE committee_id = $1 AND user_id = $2) AS member",
            [panel.committee.id, reviewer.userID.uuid]
        ).single().decode("member", as: Bool.self)
        guard isMember else {
            throw StoreError.rejected(
                "reviewer_not_member", "\(reviewer.displayName) is not a member of committee \(panel.committee.code); add them with `rrfctl committee add-member` first."
            )
        }
        let existing = try context.connection.query(
            "SELECT state FROM reviews WHERE proposal_id = $1 AND round = $2 AND reviewer_id = $3", [proposal.id, proposal.round, reviewer.userID.uuid]
        ).first
        if let existing {
            let state = try existing.decode("state", as: String.self)
            throw StoreError.rejected(
                "reviewer_already_assigned",
                "\(reviewer.displayName) is already on the panel of \(proposal.reference) (round \(proposal.round), \(state)); choose another member."
            )
        }
        let (machine, action) = try ReviewMachine.assign(
            reviewer: reviewer, declaredConflicts: try declaredConflicts(of: reviewer.userID.uuid, on: context.connection),
            organisationID: OrganisationID(proposal.organisationID), round: proposal.round, dueAt: panel.deadline, by: actor ?? context.actor
        )
        guard case .notifyReviewer(let assignment) = action else {
            throw StoreError(.internal, code: "unexpected_action", "The review machine answered an assignment with \(action); this is a defect, please report it.")
        }
        let id = UUID()
        let assignedBy: UUID? = context.login == Self.systemActor ? nil : context.actor.userID.uuid
        try context.connection.query(
            """
            INSERT INTO reviews (id, proposal_id, round, reviewer_id, committee_id, state, due_at, assigned_by, assigned_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            """,
            [id, proposal.id, assignment.round, assignment.reviewerID.uuid, panel.committee.id, machine.state.name, assignment.dueAt, assignedBy, context.now]
        )
        let record = try ReviewRecord(row: context.connection.query(ReviewRecord.select + " WHERE r.id = $1", [id]).single(), at: context.now)
        try context.audit(Streams.proposal(proposal.reference), "review.assigned", record)
        let payload = Self.jobPayload(proposal, round: proposal.round)
        try context.enqueue(try NewJobs.make(
            JobKinds.proposalAggregateReviews, payload, runAt: panel.deadline, uniqueKey: "aggregate-deadline:\(proposal.reference):\(proposal.round)"
        ))
        try context.notify(NotifyPayload(
            event: "review.assigned", stream: Streams.proposal(proposal.reference), organisationID: nil, roles: [Role.reviewer.rawValue],
            message: "\(reviewer.displayName): please review proposal \(proposal.reference) by \(ISO8601DateFormatter().string(from: assignment.dueAt)).",
            userID: assignment.reviewerID.uuid.uuidString.lowercased()
        ))
        return record
    }

    private func autoAssign(_ proposal: ProposalRecord, context: CommandContext) throws -> [ReviewRecord] {
        try requireInReview(proposal)
        let panel = try loadPanel(proposal, on: context.connection)
        // One automatic assignment per committee at a time, so that loads are counted consistently.
        try context.connection.query("SELECT pg_advisory_xact_lock(hashtextextended('rrf:committee:' || $1::text, 0))", [panel.committee.id])
        let reviews = try loadReviews(proposalID: proposal.id, round: proposal.round, at: context.now, on: context.connection)
        let active = reviews.filter { $0.conflictedAt == nil && $0.state != "recused" }.count
        let needed = panel.quorum - active
        guard needed > 0 else { return [] }
        let candidates = try context.connection.query(
            """
            SELECT u.login,
                   (SELECT count(*) FROM reviews r WHERE r.reviewer_id = u.id AND r.state = 'assigned' AND r.conflicted_at IS NULL) AS open
            FROM committee_members cm JOIN users u ON u.id = cm.user_id
            WHERE cm.committee_id = $1 AND u.deactivated_at IS NULL
              AND EXISTS (SELECT 1 FROM user_roles ur WHERE ur.user_id = u.id AND ur.role = 'reviewer')
              AND NOT EXISTS (SELECT 1 FROM user_organisations uo WHERE uo.user_id = u.id AND uo.organisation_id = $2)
              AND NOT EXISTS (SELECT 1 FROM conflict_declarations d WHERE d.user_id = u.id AND d.organisation_id = $2)
              AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.proposal_id = $3 AND r.round = $4 AND r.reviewer_id = u.id)
            ORDER BY open, u.login
            """,
            [panel.committee.id, proposal.organisationID, proposal.id, proposal.round]
        ).rows.map { try $0.decode("login", as: String.self) }
        guard candidates.count >= needed else {
            throw StoreError.rejected(
                "too_few_eligible_reviewers",
                "Committee \(panel.committee.code) has \(candidates.count) eligible member(s) left for the \(needed) review(s) \(proposal.reference) still needs to reach its quorum of \(panel.quorum) (members affiliated or in conflict with \(proposal.organisation), or already on its panel, are excluded); add members to the committee."
            )
        }
        return try candidates.prefix(needed).map { login in
            try assign(try resolveActor(login, on: context.connection), panel: panel, context: context)
        }
    }

    private func recuse(
        _ loaded: ReviewRecord, proposal: ProposalRecord, reason: String, by actor: Actor, context: CommandContext, replace: Bool = true
    ) throws -> ReviewRecord {
        var machine = loaded.machine
        let action = try machine.recuse(reason: reason, by: actor)
        guard case .assignReplacement(let reason) = action else {
            throw StoreError(.internal, code: "unexpected_action", "The review machine answered a recusal with \(action); this is a defect, please report it.")
        }
        try context.updateVersioned(
            "UPDATE reviews SET state = $3, recusal_reason = $4, recused_at = $5, version = version + 1 WHERE id = $1 AND version = $2",
            [loaded.id, loaded.version, machine.state.name, reason, context.now], what: "The review of \(loaded.reference) by \(loaded.reviewerName)"
        )
        let record = try ReviewRecord(row: context.connection.query(ReviewRecord.select + " WHERE r.id = $1", [loaded.id]).single(), at: context.now)
        try context.audit(Streams.proposal(proposal.reference), "review.recused", record)
        if proposal.state == "in_review" {
            let payload = Self.jobPayload(proposal, round: proposal.round)
            if replace {
                try context.enqueue(NewJobs.make(JobKinds.proposalAssignReviewers, payload, uniqueKey: "assign:\(proposal.reference):\(proposal.round)"))
            }
            try enqueueAggregationIfComplete(proposal, context: context)
        }
        return record
    }

    /// Records a reviewer's scores (entered by the reviewer or the secretariat) and enqueues the aggregation
    /// when this completes the panel.
    private func recordScores(_ proposal: ProposalRecord, reviewer: String, _ input: ReviewScoresInput, context: CommandContext) throws -> ReviewRecord {
        let reviewerActor: Actor
        do {
            reviewerActor = try resolveActor(reviewer, on: context.connection)
        } catch let error as StoreError where error.code == "unknown_actor" {
            throw StoreError.notFound("No user has the login \"\(reviewer)\"; list them with `rrfctl user list`.")
        }
        if reviewerActor.userID != context.actor.userID {
            try context.actor.require(.secretariat, to: "enter scores on a reviewer's behalf")
        }
        try requireInReview(proposal)
        let loaded = try loadReview(proposal, reviewerID: reviewerActor.userID.uuid, at: context.now, on: context.connection)
        let organisationID = OrganisationID(proposal.organisationID)
        let conflicts = try declaredConflicts(of: reviewerActor.userID.uuid, on: context.connection)
        if loaded.conflictedAt != nil || reviewerActor.isAffiliated(with: organisationID) || conflicts.contains(organisationID) {
            throw StoreError(
                .forbidden, code: "reviewer_conflict_declared",
                "\(reviewerActor.displayName) declared a conflict of interest with \(proposal.organisation) (or belongs to it) and cannot score \(proposal.reference)."
            )
        }
        let call = try loadCall(id: proposal.callID, lock: .share, on: context.connection)
        let scorecard = call.configuration.scorecard
        let general = input.comments?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        var comments: [String: String] = [:]
        for criterion in scorecard.criteria {
            let own = input.criterionComments[criterion.id]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            if !own.isEmpty {
                comments[criterion.id] = own
            } else if !general.isEmpty, let score = input.scores[criterion.id], scorecard.needsComment(score: score, on: criterion) {
                comments[criterion.id] = general
            }
        }
        for (key, text) in input.criterionComments where !scorecard.criteria.contains(where: { $0.id == key }) && !text.isEmpty {
            throw StoreError.rejected("score_unknown_criterion", "\"\(key)\" is not a criterion of this scorecard; comment only on its criteria.")
        }
        var machine = loaded.machine
        let action = try machine.submit(scores: input.scores, comments: comments, scorecard: scorecard, at: context.now, by: reviewerActor)
        guard case .aggregate(let sheet) = action else {
            throw StoreError(.internal, code: "unexpected_action", "The review machine answered a submission with \(action); this is a defect, please report it.")
        }
        try mappingReviewConstraints {
            try context.updateVersioned(
                """
                UPDATE reviews SET state = $3, scores = $4::jsonb, comments = $5::jsonb, general_comments = $6, submitted_at = $7,
                    entered_by = $8, version = version + 1
                WHERE id = $1 AND version = $2
                """,
                [
                    loaded.id, loaded.version, machine.state.name, JSONValue(sheet.scores), JSONValue(sheet.comments),
                    general.isEmpty ? String?.none : general, sheet.submittedAt, context.actor.userID.uuid,
                ],
                what: "The review of \(loaded.reference) by \(loaded.reviewerName)"
            )
        }
        let record = try ReviewRecord(row: context.connection.query(ReviewRecord.select + " WHERE r.id = $1", [loaded.id]).single(), at: context.now)
        try context.audit(Streams.proposal(proposal.reference), "review.submitted", record)
        try enqueueAggregationIfComplete(proposal, context: context)
        return record
    }

    private func enqueueAggregationIfComplete(_ proposal: ProposalRecord, context: CommandContext) throws {
        let panel = try loadPanel(proposal, on: context.connection)
        let reviews = try loadReviews(proposalID: proposal.id, round: proposal.round, at: context.now, on: context.connection)
        guard Self.progress(reviews, panel: panel).isScored(at: context.now) else { return }
        try context.enqueue(NewJobs.make(
            JobKinds.proposalAggregateReviews, Self.jobPayload(proposal, round: proposal.round),
            uniqueKey: "aggregate:\(proposal.reference):\(proposal.round)"
        ))
    }

    /// Conflicted reviews are done and never count; recused reviews are done.
    /// Stores the proposal's new review state (in review ↔ scored), refusing when it changed since it was loaded.
    private func saveReviewState(_ proposal: ProposalRecord, _ machine: ProposalMachine, context: CommandContext) throws {
        try context.updateVersioned(
            "UPDATE proposals SET state = $3, version = version + 1 WHERE id = $1 AND version = $2",
            [proposal.id, proposal.version, machine.state.name], what: "The proposal \(proposal.reference)"
        )
    }

    /// A conflict declared after scoring left fewer counting reviews than the quorum: back to review, with
    /// replacements assigned by rrfd and the secretariat told.
    private func reopenReview(_ proposal: ProposalRecord, progress: ReviewProgress, context: CommandContext) throws {
        var machine = proposal.machine
        let action = try machine.reopenReview(progress: progress, by: context.actor)
        guard case .assignReviewers(let round) = action else { throw Self.unexpected(action, answering: "reopening the review") }
        try saveReviewState(proposal, machine, context: context)
        try context.audit(Streams.proposal(proposal.reference), "proposal.review_reopened", ReviewReopening(round: round, counted: progress.submitted, quorum: progress.quorum))
        let payload = Self.jobPayload(proposal, round: round)
        try context.enqueue(try NewJobs.make(JobKinds.proposalAssignReviewers, payload, uniqueKey: "assign:\(proposal.reference):\(round)"))
        try context.notify(NotifyPayload(
            event: "proposal.review_reopened", stream: Streams.proposal(proposal.reference), organisationID: nil, roles: [Role.secretariat.rawValue],
            message: "Proposal \(proposal.reference) is back in review: after a conflict of interest only \(progress.submitted) of the \(progress.quorum) reviews needed count; replacements are being assigned."
        ))
    }

    static func progress(_ reviews: [ReviewRecord], panel: Panel) -> ReviewProgress {
        let submitted = reviews.filter(\.counts).count
        let pending = reviews.filter(\.isPending).count
        return ReviewProgress(
            submitted: submitted, recused: reviews.count - submitted - pending, pending: pending, quorum: panel.quorum, reviewDeadline: panel.deadline
        )
    }

    private func storeAggregate(_ proposal: ProposalRecord, reviews: [ReviewRecord], panel: Panel, context: CommandContext) throws -> ReviewAggregateRecord {
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

    /// Runs a command as the system (the daemon), with the secretariat's authority; recorded as `system`.
    func reviewSystemCommand<T>(_ name: String, _ body: (CommandContext) throws -> T) throws -> T {
        try transaction(name, actorLogin: Self.systemActor) { connection, now in
            try body(CommandContext(connection: connection, actor: Self.reviewSystem, login: Self.systemActor, now: now, store: self))
        }
    }

    /// The system as an actor: the secretariat's role, no affiliation, the nil UUID (never written as a user).
    static let reviewSystem: Actor = {
        // Valid by construction: no ngo_user role, so no affiliation is required.
        (try? Actor(userID: UserID(UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0))), displayName: "RRF system", roles: [.secretariat]))!
    }()
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
