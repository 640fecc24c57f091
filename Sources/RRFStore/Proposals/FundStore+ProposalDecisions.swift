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
            return try ProposalExecutor(store: self, loaded: loaded, context: context).perform(action, machine: machine)
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
            return try ProposalExecutor(store: self, loaded: loaded, context: context).perform(action, machine: machine)
        }
    }

    /// Withdraws a proposal before its decision (a user of the organisation or the secretariat); reason required.
    public func withdrawProposal(_ reference: String, reason: String, expectedVersion: Int? = nil, as login: String) throws -> ProposalRecord {
        try proposalCommand("proposal.withdraw", reference, expectedVersion: expectedVersion, as: login) { machine, loaded, context in
            let action = try machine.withdraw(reason: reason, organisationID: OrganisationID(loaded.organisationID), by: context.actor)
            return try ProposalExecutor(store: self, loaded: loaded, context: context).perform(action, machine: machine)
        }
    }
}
