import Foundation
import Postgres
import RRFWorkflow

/// What a grant's signature records beside the machine's plan: who signed for the partner and the version of the
/// tranche policy the agreement is under.
struct GrantSigning {
    let signatory: String
    let policyVersion: Int
}

/// Performs what the grant machine decided, in the command's transaction: the one place a grant action becomes
/// writes (the grant row, its tranche plan and report schedule, the ledger's refund and de-commitment, the
/// waived reports, the audit event, the follow-up job). Commands read as load → decide (``GrantMachine``) →
/// `perform`.
struct GrantExecutor {
    let store: FundStore
    /// The grant as loaded (locked) before the event.
    let loaded: GrantRecord
    let context: CommandContext

    private var stream: String { Streams.grant(loaded.reference) }

    /// Writes `action`, taken by `machine` (now in its new state), and returns the grant as stored after it.
    /// `signing` is required for a signature.
    @discardableResult
    func perform(_ action: GrantMachine.Action, machine: GrantMachine, signing: GrantSigning? = nil) throws -> GrantRecord {
        let state = machine.state.name
        switch action {
        case .createTranches(let amounts, let reports):
            guard let signing else { throw StoreError(.internal, code: "signing_missing", "A grant was signed without its signatory; this is a defect, please report it.") }
            try write(
                "UPDATE grants SET state = $3, signed_on = $4::date, signatory = $5, signed_by = $6, policy_version = $7, version = version + 1 WHERE id = $1 AND version = $2",
                [state, context.today.description, signing.signatory, context.actor.userID.uuid, signing.policyVersion]
            )
            for (index, amount) in amounts.enumerated() {
                try context.connection.queryPrepared(
                    "INSERT INTO tranches (id, grant_id, sequence, amount_minor, currency, state) VALUES ($1, $2, $3, $4, $5, 'planned')",
                    [UUID(), loaded.id, index + 1, amount.minorUnits, amount.currency.code]
                )
            }
            for (index, spec) in reports.enumerated() {
                try context.connection.queryPrepared(
                    """
                    INSERT INTO grant_reports (id, grant_id, sequence, kind, period_start, period_end, due_date, state, currency)
                    VALUES ($1, $2, $3, $4, $5::date, $6::date, $7::date, 'scheduled', $8)
                    """,
                    [UUID(), loaded.id, index + 1, spec.kind.rawValue, spec.periodStart.description, spec.periodEnd.description,
                     spec.dueDate.description, loaded.amount.currency.code]
                )
            }
            let record = try reload()
            try context.audit(stream, "grant.signed", GrantSignedEvent(grant: record, tranches: amounts, reports: reports))
            try context.enqueue(FundStore.evaluateJob(record))
            return record
        case .holdReleases(let reason):
            return try move(state, reason: reason, event: "grant.suspended")
        case .resumeReleases:
            let record = try move(state, reason: nil, event: "grant.resumed")
            try context.enqueue(FundStore.evaluateJob(record))
            return record
        case .awaitFinalAcceptance:
            return try move(state, reason: loaded.reason, event: "grant.closing")
        case .awaitCorrectedFinalReport:
            return try move(state, reason: loaded.reason, event: "grant.reopened")
        case .refund(let refund, let unreleased):
            try Ledger.post(
                "refund", legs: [LedgerLeg(account: loaded.releasedAccount, amount: -refund.minorUnits),
                                 LedgerLeg(account: .refunds(currency: refund.currency.code), amount: refund.minorUnits)],
                proposalID: loaded.proposalID, memo: "unspent balance of \(loaded.reference)", actor: context.login, at: context.now,
                on: context.connection
            )
            try store.waiveOpenReports(loaded, reason: "The grant closed on its final report.", context: context)
            try store.settleCommitment(loaded, expected: unreleased, cancelReason: "The grant was closed.", context: context)
            try write("UPDATE grants SET state = $3, refund_minor = $4, version = version + 1 WHERE id = $1 AND version = $2", [state, refund.minorUnits])
            let record = try reload()
            try context.audit(stream, "grant.closed", GrantMoneyEvent(grant: record, amount: refund))
            return record
        case .decommit(let unreleased):
            let reason: String? = if case .terminated(_, let text) = machine.state { text } else { nil }
            try store.waiveOpenReports(loaded, reason: "The grant was terminated: \(reason ?? "")", context: context)
            try store.settleCommitment(loaded, expected: unreleased, cancelReason: "The grant was terminated.", context: context)
            try write("UPDATE grants SET state = $3, reason = $4, version = version + 1 WHERE id = $1 AND version = $2", [state, reason])
            let record = try reload()
            try context.audit(stream, "grant.terminated", GrantMoneyEvent(grant: record, amount: unreleased))
            return record
        }
    }

    /// Stores a change of state (with the reason the state keeps) and its audit event.
    private func move(_ state: GrantMachine.State.Name, reason: String?, event: String) throws -> GrantRecord {
        try write("UPDATE grants SET state = $3, reason = $4, version = version + 1 WHERE id = $1 AND version = $2", [state, reason])
        let record = try reload()
        try context.audit(stream, event, record)
        return record
    }

    private func write(_ sql: String, _ values: [(any PostgresEncodable)?]) throws {
        try context.updateVersioned(sql, [loaded.id, loaded.version] + values, what: "The grant \(loaded.reference)")
    }

    private func reload() throws -> GrantRecord {
        try store.loadGrant(loaded.reference, lock: .update, for: context.viewer, on: context.connection)
    }
}
