import Foundation
import JobQueue
import Postgres
import RRFWorkflow

/// What a (re)submission writes beside the machine's action: the checked content, the call's kind (a reserve call
/// watches its decision deadline) and, for a first submission, the organisation and call it is filed under.
struct ProposalContent {
    let draft: ProposalDraft
    let summary: String
    let callKind: CallKind
    let organisationID: UUID
    let callID: UUID
}

/// What the end of a review round writes beside the machine's action: the panel's progress and, once scored,
/// the aggregate stored for it.
struct ReviewRoundFacts {
    let progress: ReviewProgress
    let aggregate: ReviewAggregateRecord?
}

/// Performs what the proposal machine decided, in the command's transaction: the one place a proposal action
/// becomes writes (the proposal row, the envelope's commitment in the ledger, the audit event, the
/// notifications, the follow-up jobs). Commands read as load → decide (``ProposalMachine``) → `perform`.
struct ProposalExecutor {
    let store: FundStore
    /// The proposal as loaded (locked) before the event; nil for a first submission.
    let loaded: ProposalRecord?
    let context: CommandContext

    /// Writes `action`, taken by `machine` (now in its new state), and returns the proposal as stored after it.
    /// A (re)submission needs its `content`; the end of a review round its `review` facts.
    @discardableResult
    func perform(
        _ action: ProposalMachine.Action, machine: ProposalMachine, content: ProposalContent? = nil, review: ReviewRoundFacts? = nil
    ) throws -> ProposalRecord {
        let state = machine.state.name
        switch action {
        case .recordSubmission(let round, let requested, let decisionDue):
            let content = try Self.required(content, "its content")
            let record = try loaded.map { try resubmit($0, content, state: state, round: round, requested: requested, decisionDue: decisionDue) }
                ?? insert(content, state: state, round: round, requested: requested, decisionDue: decisionDue)
            try context.audit(Streams.proposal(record.reference), loaded == nil ? "proposal.submitted" : "proposal.resubmitted", record)
            try enqueueAfterSubmission(record, kind: content.callKind)
            return record
        case .assignReviewers(let round):
            let loaded = try Self.required(loaded, "the proposal")
            if loaded.stateName == .scored {
                return try reopen(loaded, state: state, round: round, progress: try Self.required(review, "the panel's progress").progress)
            }
            let record = try write(loaded, "UPDATE proposals SET state = $3, screening_reason = NULL, version = version + 1 WHERE id = $1 AND version = $2", [state])
            try context.audit(Streams.proposal(record.reference), "proposal.screening_passed", record)
            try context.enqueue(NewJobs.make(
                JobKinds.proposalAssignReviewers, FundStore.jobPayload(record, round: round), uniqueKey: "assign:\(record.reference):\(round)"
            ))
            return record
        case .notifyIneligible(let reason):
            let loaded = try Self.required(loaded, "the proposal")
            let record = try write(loaded, "UPDATE proposals SET state = $3, screening_reason = $4, version = version + 1 WHERE id = $1 AND version = $2", [state, reason])
            try context.audit(Streams.proposal(record.reference), "proposal.screening_failed", record)
            try context.notify(notification(record, event: "proposal.screening_failed", message: "Proposal \(record.reference) did not pass screening: \(reason)"))
            return record
        case .requestDecision:
            let loaded = try Self.required(loaded, "the proposal")
            let aggregate = try Self.required(review?.aggregate, "the panel's aggregate")
            let record = try write(loaded, "UPDATE proposals SET state = $3, version = version + 1 WHERE id = $1 AND version = $2", [state])
            try context.audit(Streams.proposal(record.reference), "proposal.scored", aggregate)
            let result = aggregate.aggregation
            try context.notify(NotifyPayload(
                event: "proposal.scored", stream: Streams.proposal(record.reference), organisationID: nil, roles: [Role.fundManager.rawValue],
                message: "Proposal \(record.reference) is scored (mean \(result.mean), \(result.passes ? "passes" : "fails")\(result.isDivergent ? ", divergent reviews" : "")) and awaits a decision."
            ))
            return record
        case .commitFunds(let approval):
            let loaded = try Self.required(loaded, "the proposal")
            // The ledger is the source of truth; it moves envelope → committed here, and the envelope row follows.
            if let amount = approval.amount { try store.commitApproval(loaded, amount: amount, context: context) }
            let committed = try context.connection.query(
                "UPDATE call_envelopes SET committed_minor = committed_minor + $3 WHERE call_id = $1 AND cluster = $2",
                [loaded.callID, loaded.cluster.rawValue, approval.amount?.minorUnits ?? 0]
            )
            guard committed.affectedRows == 1 else { throw StoreError.changedSinceLoaded("The envelope of \(loaded.call)") }
            let record = try recordDecision(approval, on: loaded, state: state)
            try context.enqueue(NewJobs.make(
                JobKinds.proposalCreateGrant, FundStore.jobPayload(record, round: record.round), uniqueKey: "grant:\(record.reference)"
            ))
            return record
        case .recordDecision(let decision):
            return try recordDecision(decision, on: try Self.required(loaded, "the proposal"), state: state)
        case .cancelReviews(let reason):
            let loaded = try Self.required(loaded, "the proposal")
            let record = try write(loaded, "UPDATE proposals SET state = $3, withdrawal_reason = $4, version = version + 1 WHERE id = $1 AND version = $2", [state, reason])
            try context.audit(Streams.proposal(record.reference), "proposal.withdrawn", record)
            try context.enqueue(NewJobs.make(
                JobKinds.proposalCancelReviews, FundStore.jobPayload(record, round: record.round), uniqueKey: "cancel-reviews:\(record.reference)"
            ))
            return record
        }
    }

    // MARK: Writes

    private func insert(_ content: ProposalContent, state: ProposalMachine.State.Name, round: Int, requested: Money, decisionDue: Date) throws -> ProposalRecord {
        let reference = try store.nextReference(on: context)
        let draft = content.draft
        try context.connection.query(
            """
            INSERT INTO proposals (id, reference, organisation_id, call_id, cluster, title, summary, locations, beneficiaries,
                requested_minor, currency, duration_months, budget_lines, state, round, submitted_by, submitted_at, decision_due)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[], $9, $10, $11, $12, $13::jsonb, $14, $15, $16, $17, $18)
            """,
            [
                UUID(), reference, content.organisationID, content.callID, draft.cluster?.rawValue, draft.title.trimmingCharacters(in: .whitespacesAndNewlines),
                content.summary, draft.locations, draft.beneficiaries, requested.minorUnits, requested.currency.code, draft.durationMonths,
                JSONValue(draft.budgetLines), state, round, context.actor.userID.uuid, context.now, decisionDue,
            ]
        )
        return try store.loadProposal(reference, lock: .update, on: context.connection)
    }

    private func resubmit(
        _ loaded: ProposalRecord, _ content: ProposalContent, state: ProposalMachine.State.Name, round: Int, requested: Money, decisionDue: Date
    ) throws -> ProposalRecord {
        let draft = content.draft
        try KPISpans.forgetDecision(of: loaded.id, on: context.connection)
        return try write(
            loaded,
            """
            UPDATE proposals SET state = $3, round = $4, cluster = $5, title = $6, summary = $7, locations = $8::text[],
                beneficiaries = $9, requested_minor = $10, currency = $11, duration_months = $12, budget_lines = $13::jsonb,
                submitted_by = $14, submitted_at = $15, decision_due = $16, decision = NULL, decided_by = NULL,
                decided_at = NULL, approved_minor = NULL, justification = NULL, version = version + 1
            WHERE id = $1 AND version = $2
            """,
            [
                state, round, draft.cluster?.rawValue, draft.title.trimmingCharacters(in: .whitespacesAndNewlines), content.summary, draft.locations,
                draft.beneficiaries, requested.minorUnits, requested.currency.code, draft.durationMonths, JSONValue(draft.budgetLines),
                context.actor.userID.uuid, context.now, decisionDue,
            ]
        )
    }

    /// Back to review after a conflict left fewer counting reviews than the quorum: replacements assigned by rrfd,
    /// the secretariat told.
    private func reopen(_ loaded: ProposalRecord, state: ProposalMachine.State.Name, round: Int, progress: ReviewProgress) throws -> ProposalRecord {
        let record = try write(loaded, "UPDATE proposals SET state = $3, version = version + 1 WHERE id = $1 AND version = $2", [state])
        try context.audit(
            Streams.proposal(record.reference), "proposal.review_reopened", ReviewReopening(round: round, counted: progress.submitted, quorum: progress.quorum)
        )
        try context.enqueue(try NewJobs.make(JobKinds.proposalAssignReviewers, FundStore.jobPayload(record, round: round), uniqueKey: "assign:\(record.reference):\(round)"))
        try context.notify(NotifyPayload(
            event: "proposal.review_reopened", stream: Streams.proposal(record.reference), organisationID: nil, roles: [Role.secretariat.rawValue],
            message: "Proposal \(record.reference) is back in review: after a conflict of interest only \(progress.submitted) of the \(progress.quorum) reviews needed count; replacements are being assigned."
        ))
        return record
    }

    private func recordDecision(_ decision: ProposalDecision, on loaded: ProposalRecord, state: ProposalMachine.State.Name) throws -> ProposalRecord {
        let record = try write(
            loaded,
            """
            UPDATE proposals SET state = $3, decision = $4, decided_by = $5, decided_at = $6, approved_minor = $7,
                justification = $8, version = version + 1
            WHERE id = $1 AND version = $2
            """,
            [state, decision.kind.rawValue, decision.decidedBy.uuid, decision.decidedAt, decision.amount?.minorUnits, decision.justification]
        )
        try KPISpans.recordDecision(of: record, calendar: store.calendar, on: context.connection)
        let event = switch decision.kind {
        case .approve: "proposal.approved"
        case .reject: "proposal.rejected"
        case .requestRevision: "proposal.revision_requested"
        }
        try context.audit(Streams.proposal(record.reference), event, record)
        try context.notify(notification(
            record, event: event,
            message: "Decision on proposal \(record.reference): \(decision.kind.rawValue.replacingOccurrences(of: "_", with: " ")). \(decision.justification)"
        ))
        return record
    }

    /// Runs a versioned update of `loaded` (`$1` id, `$2` version, then `parameters`) and reloads it.
    private func write(_ loaded: ProposalRecord, _ sql: String, _ parameters: [(any PostgresEncodable)?]) throws -> ProposalRecord {
        try context.updateVersioned(sql, [loaded.id, loaded.version] + parameters, what: "The proposal \(loaded.reference)")
        return try store.loadProposal(loaded.reference, lock: .update, on: context.connection)
    }

    /// After a (re)submission: the decision SLA watch for reserve calls, and the secretariat told to screen.
    private func enqueueAfterSubmission(_ record: ProposalRecord, kind: CallKind) throws {
        switch kind {
        case .reserve:
            try context.enqueue(NewJobs.make(
                JobKinds.proposalDecisionSLAWatch, FundStore.jobPayload(record, round: record.round), runAt: record.decisionDue,
                uniqueKey: "sla:\(record.reference):\(record.round)"
            ))
        case .standard:
            break
        }
        try context.notify(NotifyPayload(
            event: record.round > 1 ? "proposal.resubmitted" : "proposal.submitted", stream: Streams.proposal(record.reference),
            organisationID: nil, roles: [Role.secretariat.rawValue],
            message: "Proposal \(record.reference) from \(record.organisation) (round \(record.round)) awaits screening."
        ))
    }

    /// A notification to the users of the proposal's organisation.
    private func notification(_ record: ProposalRecord, event: String, message: String) -> NotifyPayload {
        NotifyPayload(
            event: event, stream: Streams.proposal(record.reference), organisationID: record.organisationID.uuidString.lowercased(),
            roles: [Role.ngoUser.rawValue], message: message
        )
    }

    /// `value`, or an internal error naming what the action came without (a defect of the command).
    private static func required<T>(_ value: T?, _ what: String) throws -> T {
        guard let value else {
            throw StoreError(.internal, code: "action_facts_missing", "A proposal action was performed without \(what); this is a defect, please report it.")
        }
        return value
    }
}
