import Foundation
import JobQueue
import Postgres
import RRFWorkflow

// Screening, deciding on and withdrawing proposals.

extension FundStore {
    /// Screens a submitted (or resubmitted) proposal (secretariat): passing sends it to review; failing makes it
    /// ineligible and needs a reason.
    public func screenProposal(
        _ reference: String, passed: Bool, reason: String? = nil, expectedVersion: Int? = nil, as login: String
    ) throws -> ProposalRecord {
        try proposalCommand("proposal.screen", reference, expectedVersion: expectedVersion, as: login) { machine, loaded, context in
            let action = passed
                ? try machine.passScreening(by: context.actor)
                : try machine.failScreening(reason: reason ?? "", by: context.actor)
            let screeningReason: String? = if case .ineligible(let text) = machine.state { text } else { nil }
            try context.updateVersioned(
                "UPDATE proposals SET state = $3, screening_reason = $4, version = version + 1 WHERE id = $1 AND version = $2",
                [loaded.id, loaded.version, machine.state.name, screeningReason], what: "The proposal \(loaded.reference)"
            )
            let record = try loadProposal(loaded.reference, lock: .update, on: context.connection)
            let stream = Streams.proposal(record.reference)
            switch action {
            case .assignReviewers(let round):
                try context.audit(stream, "proposal.screening_passed", record)
                try context.enqueue(NewJobs.make(
                    JobKinds.proposalAssignReviewers, Self.jobPayload(record, round: round), uniqueKey: "assign:\(record.reference):\(round)"
                ))
            case .notifyIneligible(let reason):
                try context.audit(stream, "proposal.screening_failed", record)
                try context.notify(notification(record, event: "proposal.screening_failed", message: "Proposal \(record.reference) did not pass screening: \(reason)"))
            case .recordSubmission, .requestDecision, .commitFunds, .recordDecision, .cancelReviews:
                throw Self.unexpected(action, answering: "screening")
            }
            return record
        }
    }

    /// Decides on a scored proposal (fund manager, not affiliated with the organisation). An approval commits its
    /// amount against the envelope of the proposal's call and cluster in the same transaction.
    public func decideProposal(
        _ reference: String, _ decision: ProposalDecisionInput, expectedVersion: Int? = nil, as login: String
    ) throws -> ProposalRecord {
        try proposalCommand("proposal.decide", reference, expectedVersion: expectedVersion, as: login) { machine, loaded, context in
            let organisationID = OrganisationID(loaded.organisationID)
            let action: ProposalMachine.Action
            switch decision {
            case .approve(let amount, let justification):
                let envelope = try context.connection.query(
                    "SELECT amount_minor - committed_minor AS balance FROM call_envelopes WHERE call_id = $1 AND cluster = $2 FOR UPDATE",
                    [loaded.callID, loaded.cluster.rawValue]
                ).single()
                let balance = Money(minorUnits: try envelope.decode("balance"), currency: loaded.requested.currency)
                action = try machine.approve(
                    amount: amount, requested: loaded.requested, envelopeBalance: balance, justification: justification,
                    organisationID: organisationID, at: context.now, by: context.actor
                )
            case .reject(let justification):
                action = try machine.reject(justification: justification, organisationID: organisationID, at: context.now, by: context.actor)
            case .requestRevision(let reason):
                action = try machine.requestRevision(reason: reason, organisationID: organisationID, at: context.now, by: context.actor)
            }
            let recorded: ProposalDecision
            switch action {
            case .commitFunds(let approval):
                recorded = approval
                // Grants module (issue #5): the ledger is the source of truth; it moves envelope → committed here.
                if let amount = approval.amount { try commitApproval(loaded, amount: amount, context: context) }
                let committed = try context.connection.query(
                    "UPDATE call_envelopes SET committed_minor = committed_minor + $3 WHERE call_id = $1 AND cluster = $2",
                    [loaded.callID, loaded.cluster.rawValue, approval.amount?.minorUnits ?? 0]
                )
                guard committed.affectedRows == 1 else { throw StoreError.changedSinceLoaded("The envelope of \(loaded.call)") }
            case .recordDecision(let other):
                recorded = other
            case .recordSubmission, .assignReviewers, .notifyIneligible, .requestDecision, .cancelReviews:
                throw Self.unexpected(action, answering: "a decision")
            }
            try context.updateVersioned(
                """
                UPDATE proposals SET state = $3, decision = $4, decided_by = $5, decided_at = $6, approved_minor = $7,
                    justification = $8, version = version + 1
                WHERE id = $1 AND version = $2
                """,
                [
                    loaded.id, loaded.version, machine.state.name, recorded.kind.rawValue, recorded.decidedBy.uuid, recorded.decidedAt,
                    recorded.amount?.minorUnits, recorded.justification,
                ],
                what: "The proposal \(loaded.reference)"
            )
            let record = try loadProposal(loaded.reference, lock: .update, on: context.connection)
            let eventType = switch recorded.kind {
            case .approve: "proposal.approved"
            case .reject: "proposal.rejected"
            case .requestRevision: "proposal.revision_requested"
            }
            try context.audit(Streams.proposal(record.reference), eventType, record)
            if recorded.kind == .approve {
                try context.enqueue(NewJobs.make(
                    JobKinds.proposalCreateGrant, Self.jobPayload(record, round: record.round), uniqueKey: "grant:\(record.reference)"
                ))
            }
            try context.notify(notification(record, event: eventType, message: "Decision on proposal \(record.reference): \(recorded.kind.rawValue.replacingOccurrences(of: "_", with: " ")). \(recorded.justification)"))
            return record
        }
    }

    /// Withdraws a proposal before its decision (a user of the organisation or the secretariat); reason required.
    public func withdrawProposal(_ reference: String, reason: String, expectedVersion: Int? = nil, as login: String) throws -> ProposalRecord {
        try proposalCommand("proposal.withdraw", reference, expectedVersion: expectedVersion, as: login) { machine, loaded, context in
            let action = try machine.withdraw(reason: reason, organisationID: OrganisationID(loaded.organisationID), by: context.actor)
            guard case .cancelReviews(let reason) = action else {
                throw Self.unexpected(action, answering: "a withdrawal")
            }
            try context.updateVersioned(
                "UPDATE proposals SET state = $3, withdrawal_reason = $4, version = version + 1 WHERE id = $1 AND version = $2",
                [loaded.id, loaded.version, machine.state.name, reason], what: "The proposal \(loaded.reference)"
            )
            let record = try loadProposal(loaded.reference, lock: .update, on: context.connection)
            try context.audit(Streams.proposal(record.reference), "proposal.withdrawn", record)
            try context.enqueue(NewJobs.make(
                JobKinds.proposalCancelReviews, Self.jobPayload(record, round: record.round), uniqueKey: "cancel-reviews:\(record.reference)"
            ))
            return record
        }
    }

    /// A notification to the users of the proposal's organisation.
    private func notification(_ record: ProposalRecord, event: String, message: String) -> NotifyPayload {
        NotifyPayload(
            event: event, stream: Streams.proposal(record.reference), organisationID: record.organisationID.uuidString.lowercased(),
            roles: [Role.ngoUser.rawValue], message: message
        )
    }
}
