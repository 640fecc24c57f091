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
        let content = ProposalContent(
            draft: try submission.draft(), summary: try Self.summary(submission.summary), callKind: call.configuration.kind,
            organisationID: organisation.id, callID: call.id
        )
        var machine = ProposalMachine(state: .draft)
        let action = try runSubmission(&machine, draft: content.draft, organisation: organisation, call: call, context: context, isRevision: false)
        return try ProposalExecutor(store: self, loaded: nil, context: context).perform(action, machine: machine, content: content)
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
            let content = ProposalContent(
                draft: try revised?.draft() ?? loaded.draft, summary: try revised.map { try Self.summary($0.summary) } ?? loaded.summary,
                callKind: call.configuration.kind, organisationID: loaded.organisationID, callID: loaded.callID
            )
            let action = try runSubmission(&machine, draft: content.draft, organisation: organisation, call: call, context: context, isRevision: true)
            return try ProposalExecutor(store: self, loaded: loaded, context: context).perform(action, machine: machine, content: content)
        }
    }

    /// Runs the ``SubmissionCheck`` through `submit` or, for a revision, `resubmit`, then checks the call's training
    /// requirements (a revision too: a certificate may have expired since); returns the machine's action.
    private func runSubmission(
        _ machine: inout ProposalMachine, draft: ProposalDraft, organisation: OrganisationRecord, call: CallRecord,
        context: CommandContext, isRevision: Bool
    ) throws -> ProposalMachine.Action {
        let check = SubmissionCheck(
            draft: draft, organisationID: OrganisationID(organisation.id), organisation: try organisation.machine,
            call: try call.machine, actor: context.actor, now: context.now, calendar: calendar, isRevision: isRevision
        )
        let action = isRevision ? try machine.resubmit(check) : try machine.submit(check)
        // FundStore+Training.swift: refused naming the missing course.
        try requireCallTraining(organisation: organisation, call: call, context: context)
        return action
    }

    /// The next reference of the current year from the per-year counter (the row lock serialises submitters).
    func nextReference(on context: CommandContext) throws -> String {
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

    /// The optional summary, checked (at most ``maximumSummaryLength`` characters).
    static func summary(_ text: String?) throws -> String {
        try Validate.optionalText(text, field: "summary", maximum: maximumSummaryLength, shape: .lines)
    }
}
