import Foundation
import JobQueue
import Postgres
import RRFWorkflow

// Submitting and resubmitting proposals: the submission check, references, the decision SLA watch.

extension FundStore {
    /// The longest summary accepted, in characters.
    public static let maximumSummaryLength = 20_000

    /// Submits a proposal for an organisation to an open call (an ngo_user of that organisation); gives it its
    /// reference (e.g. `RRF-2026-0042`) and, for reserve calls, schedules the decision SLA watch.
    public func submitProposal(_ submission: ProposalSubmission, as login: String) throws -> ProposalRecord {
        try command("proposal.submit", as: login) { context in try submit(submission, context: context) }
    }

    /// The submission inside a command's transaction (also a draft's, ``submitProposalDraft(_:as:)``).
    func submit(_ submission: ProposalSubmission, context: CommandContext) throws -> ProposalRecord {
            let organisation = try loadOrganisation(submission.organisation, lock: .share, on: context.connection)
            let call = try loadCall(submission.call, lock: .share, on: context.connection)
            let draft = try submission.draft()
            let summary = try Self.summary(submission.summary)
            var machine = ProposalMachine(state: .draft)
            let (round, requested, decisionDue) = try runSubmission(
                &machine, draft: draft, organisation: organisation, call: call, context: context, isRevision: false
            )
            let reference = try nextReference(on: context)
            let id = UUID()
            try context.connection.query(
                """
                INSERT INTO proposals (id, reference, organisation_id, call_id, cluster, title, summary, locations, beneficiaries,
                    requested_minor, currency, duration_months, budget_lines, state, round, submitted_by, submitted_at, decision_due)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8::text[], $9, $10, $11, $12, $13::jsonb, $14, $15, $16, $17, $18)
                """,
                [
                    id, reference, organisation.id, call.id, draft.cluster?.rawValue, draft.title.trimmingCharacters(in: .whitespacesAndNewlines),
                    summary, draft.locations, draft.beneficiaries, requested.minorUnits, requested.currency.code, draft.durationMonths,
                    JSONValue(draft.budgetLines), machine.state.name, round, context.actor.userID.uuid, context.now, decisionDue,
                ]
            )
            let record = try loadProposal(reference, lock: .update, on: context.connection)
            try context.audit(Streams.proposal(reference), "proposal.submitted", record)
            try enqueueAfterSubmission(record, kind: call.configuration.kind, context: context)
            return record
    }

    /// Resubmits a proposal sent back for revision, as a new review round; `revised` replaces the content
    /// (its organisation and call must stay the same), nil keeps it.
    public func resubmitProposal(
        _ reference: String, revised: ProposalSubmission? = nil, expectedVersion: Int? = nil, as login: String
    ) throws -> ProposalRecord {
        try proposalCommand("proposal.resubmit", reference, expectedVersion: expectedVersion, as: login) { machine, loaded, context in
            let organisation = try loadOrganisation(loaded.organisation, lock: .share, on: context.connection)
            let call = try loadCall(id: loaded.callID, lock: .share, on: context.connection)
            if let revised {
                try ProposalDraft.requireRevisionInPlace(
                    organisation: revised.organisation, call: revised.call, originalOrganisation: loaded.organisation, originalCall: loaded.call
                )
            }
            let draft = try revised?.draft() ?? loaded.draft
            let summary = try revised.map { try Self.summary($0.summary) } ?? loaded.summary
            let (round, requested, decisionDue) = try runSubmission(
                &machine, draft: draft, organisation: organisation, call: call, context: context, isRevision: true
            )
            try context.updateVersioned(
                """
                UPDATE proposals SET state = $3, round = $4, cluster = $5, title = $6, summary = $7, locations = $8::text[],
                    beneficiaries = $9, requested_minor = $10, currency = $11, duration_months = $12, budget_lines = $13::jsonb,
                    submitted_by = $14, submitted_at = $15, decision_due = $16, decision = NULL, decided_by = NULL,
                    decided_at = NULL, approved_minor = NULL, justification = NULL, version = version + 1
                WHERE id = $1 AND version = $2
                """,
                [
                    loaded.id, loaded.version, machine.state.name, round, draft.cluster?.rawValue,
                    draft.title.trimmingCharacters(in: .whitespacesAndNewlines), summary, draft.locations, draft.beneficiaries,
                    requested.minorUnits, requested.currency.code, draft.durationMonths, JSONValue(draft.budgetLines),
                    context.actor.userID.uuid, context.now, decisionDue,
                ],
                what: "The proposal \(loaded.reference)"
            )
            let record = try loadProposal(loaded.reference, lock: .update, on: context.connection)
            try context.audit(Streams.proposal(record.reference), "proposal.resubmitted", record)
            try enqueueAfterSubmission(record, kind: call.configuration.kind, context: context)
            return record
        }
    }

    /// Runs the ``SubmissionCheck`` through `submit` or, for a revision, `resubmit`, then checks the call's training
    /// requirements (a revision too: a certificate may have expired since); returns what to record.
    private func runSubmission(
        _ machine: inout ProposalMachine, draft: ProposalDraft, organisation: OrganisationRecord, call: CallRecord,
        context: CommandContext, isRevision: Bool
    ) throws -> (round: Int, requested: Money, decisionDue: Date) {
        let check = SubmissionCheck(
            draft: draft, organisationID: OrganisationID(organisation.id), organisation: try organisation.machine,
            call: try call.machine, actor: context.actor, now: context.now, calendar: calendar, isRevision: isRevision
        )
        let action = isRevision ? try machine.resubmit(check) : try machine.submit(check)
        guard case .recordSubmission(let round, let requested, let decisionDue) = action else {
            throw Self.unexpected(action, answering: isRevision ? "a resubmission" : "a submission")
        }
        // FundStore+Training.swift: refused naming the missing course.
        try requireCallTraining(organisation: organisation, call: call, context: context)
        return (round, requested, decisionDue)
    }

    /// The next reference of the current year from the per-year counter (the row lock serialises submitters).
    private func nextReference(on context: CommandContext) throws -> String {
        let year = context.today.year
        let sequence = try context.connection.query(
            """
            INSERT INTO proposal_reference_counters (prefix, year, last_sequence) VALUES ($1, $2, 1)
            ON CONFLICT (prefix, year) DO UPDATE SET last_sequence = proposal_reference_counters.last_sequence + 1
            RETURNING last_sequence
            """,
            [referencePrefix, year]
        ).single().decode("last_sequence", as: Int.self)
        return try ProposalReference(prefix: referencePrefix, year: year, sequence: sequence).description
    }

    /// After a (re)submission: the decision SLA watch for reserve calls, and the secretariat told to screen.
    private func enqueueAfterSubmission(_ record: ProposalRecord, kind: CallKind, context: CommandContext) throws {
        switch kind {
        case .reserve:
            try context.enqueue(NewJobs.make(
                JobKinds.proposalDecisionSLAWatch, Self.jobPayload(record, round: record.round), runAt: record.decisionDue,
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

    /// The optional summary, checked (at most ``maximumSummaryLength`` characters).
    static func summary(_ text: String?) throws -> String {
        try Validate.optionalText(text, field: "summary", maximum: maximumSummaryLength)
    }
}
