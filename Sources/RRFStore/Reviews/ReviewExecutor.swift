import Foundation
import JobQueue
import Postgres
import RRFWorkflow

/// Performs what the review machine decided, in the command's transaction: the one place a review action becomes
/// writes (the review row, the audit event on the proposal's stream, the reviewer's notification, the jobs that
/// aggregate the panel or assign a replacement). Commands read as load → decide (``ReviewMachine``) → `perform`.
struct ReviewExecutor {
    let store: FundStore
    /// The proposal the review belongs to.
    let proposal: ProposalRecord
    /// The review as loaded (locked) before the event; nil for a new assignment.
    let loaded: ReviewRecord?
    let context: CommandContext

    /// Writes `action`, taken by `machine` (now in its new state), and returns the review as stored after it.
    /// An assignment needs its `panel` and the reviewer's name; scores their general comments; a recusal says
    /// whether a replacement is wanted.
    @discardableResult
    func perform(
        _ action: ReviewMachine.Action, machine: ReviewMachine, panel: FundStore.Panel? = nil, reviewerName: String = "",
        generalComments: String? = nil, replacing: Bool = true
    ) throws -> ReviewRecord {
        let stream = Streams.proposal(proposal.reference)
        switch action {
        case .notifyReviewer(let assignment):
            guard let panel else {
                throw StoreError(.internal, code: "action_facts_missing", "A review was assigned without its panel; this is a defect, please report it.")
            }
            let id = UUID()
            let assignedBy: UUID? = context.login == FundStore.systemActor ? nil : context.actor.userID.uuid
            try context.connection.query(
                """
                INSERT INTO reviews (id, proposal_id, round, reviewer_id, committee_id, state, due_at, assigned_by, assigned_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                """,
                [id, proposal.id, assignment.round, assignment.reviewerID.uuid, panel.committee.id, machine.state.name, assignment.dueAt, assignedBy, context.now]
            )
            let record = try reload(id)
            try context.audit(stream, "review.assigned", record)
            try context.enqueue(try NewJobs.make(
                JobKinds.proposalAggregateReviews, FundStore.jobPayload(proposal, round: proposal.round), runAt: panel.deadline,
                uniqueKey: "aggregate-deadline:\(proposal.reference):\(proposal.round)"
            ))
            try context.notify(NotifyPayload(
                event: "review.assigned", stream: stream, organisationID: nil, roles: [Role.reviewer.rawValue],
                message: "\(reviewerName): please review proposal \(proposal.reference) by \(ISO8601DateFormatter().string(from: assignment.dueAt)).",
                userID: assignment.reviewerID.uuid.uuidString.lowercased()
            ))
            return record
        case .aggregate(let sheet):
            let loaded = try required()
            let general = generalComments?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            try store.mappingReviewConstraints {
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
            let record = try reload(loaded.id)
            try context.audit(stream, "review.submitted", record)
            try store.enqueueAggregationIfComplete(proposal, context: context)
            return record
        case .assignReplacement(let reason):
            let loaded = try required()
            try context.updateVersioned(
                "UPDATE reviews SET state = $3, recusal_reason = $4, recused_at = $5, version = version + 1 WHERE id = $1 AND version = $2",
                [loaded.id, loaded.version, machine.state.name, reason, context.now], what: "The review of \(loaded.reference) by \(loaded.reviewerName)"
            )
            let record = try reload(loaded.id)
            try context.audit(stream, "review.recused", record)
            if proposal.stateName == .inReview {
                if replacing {
                    try context.enqueue(NewJobs.make(
                        JobKinds.proposalAssignReviewers, FundStore.jobPayload(proposal, round: proposal.round),
                        uniqueKey: "assign:\(proposal.reference):\(proposal.round)"
                    ))
                }
                try store.enqueueAggregationIfComplete(proposal, context: context)
            }
            return record
        }
    }

    private func reload(_ id: UUID) throws -> ReviewRecord {
        try ReviewRecord(row: context.connection.query(ReviewRecord.select + " WHERE r.id = $1", [id]).single(), at: context.now)
    }

    private func required() throws -> ReviewRecord {
        guard let loaded else {
            throw StoreError(.internal, code: "action_facts_missing", "A review action was performed without the review; this is a defect, please report it.")
        }
        return loaded
    }
}
