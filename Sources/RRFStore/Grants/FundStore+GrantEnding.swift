import Foundation
import Postgres
import RRFWorkflow

// How a grant ends: closure on its accepted final report, or termination. Either way the tranches not paid are
// cancelled, what was never released is de-committed, and the reports still owed are waived.
extension FundStore {
    /// Closes a grant in `closing` inside the caller's command (also used when a fund manager accepts the final report).
    func close(_ loaded: GrantRecord, context: CommandContext) throws -> GrantRecord {
        var machine = try loaded.machine
        let final = try context.connection.queryPrepared(
            "SELECT state, spent_minor FROM grant_reports WHERE grant_id = $1 AND kind = 'final'", [loaded.id]
        ).first
        let accepted = try final?.decode("state", as: String.self) == "accepted"
        let spent = Money(minorUnits: try final?.decode("spent_minor", as: Int64?.self) ?? 0, currency: loaded.amount.currency)
        let released = try releasedTotal(loaded, on: context.connection)
        let action = try machine.close(finalReportAccepted: accepted, released: released, spent: spent, by: context.actor)
        return try GrantExecutor(store: self, loaded: loaded, context: context).perform(action, machine: machine)
    }

    /// Cancels the tranches not released (each through its machine, with a `tranche.cancelled` event) and
    /// de-commits what is left of the commitment (it must be `expected`),
    /// keeping `call_envelopes.committed_minor` in step with the ledger.
    func settleCommitment(_ grant: GrantRecord, expected: Money, cancelReason: String, context: CommandContext) throws {
        for tranche in try loadTranches(grant, lock: .update, on: context.connection) where ![.released, .cancelled].contains(tranche.stateName) {
            var machine = try tranche.machine
            let action = try machine.cancel(reason: cancelReason, by: context.actor)
            try TrancheExecutor(store: self, grant: grant, loaded: tranche, context: context).perform(action, machine: machine)
        }
        // The grants lock order: tranches, then the envelope row, then ledger accounts (as an approval does).
        try context.connection.queryPrepared(
            "SELECT 1 FROM call_envelopes WHERE call_id = $1 AND cluster = $2 FOR UPDATE", [grant.callID, grant.cluster.rawValue]
        )
        let remaining = try Ledger.balance(grant.committedAccount, lock: true, on: context.connection)
        guard remaining == expected.minorUnits else {
            throw StoreError(
                .internal, code: "ledger_mismatch",
                "The ledger holds \(Money(minorUnits: remaining, currency: expected.currency).grouped) committed for \(grant.reference), not the \(expected.grouped) unreleased; run `rrfctl audit verify` and report it."
            )
        }
        try Ledger.post(
            "decommit", legs: [LedgerLeg(account: grant.committedAccount, amount: -remaining),
                               LedgerLeg(account: grant.envelopeAccount, amount: remaining)],
            proposalID: grant.proposalID, memo: "unreleased commitment of \(grant.reference)", actor: context.login, at: context.now,
            on: context.connection
        )
        if remaining > 0 {
            let updated = try context.connection.queryPrepared(
                "UPDATE call_envelopes SET committed_minor = committed_minor - $3 WHERE call_id = $1 AND cluster = $2",
                [grant.callID, grant.cluster.rawValue, remaining]
            )
            guard updated.affectedRows == 1 else { throw StoreError.changedSinceLoaded("The envelope of \(grant.call)") }
        }
    }

    /// Waives every report the grant still owed (scheduled, due or returned) through the report machine, each
    /// with a `report.waived` audit event; submitted reports stay to be reviewed.
    func waiveOpenReports(_ grant: GrantRecord, reason: String, context: CommandContext) throws {
        let rows = try context.connection.query(
            ReportRecord.select + " WHERE r.grant_id = $1 AND r.state IN ('scheduled', 'due', 'returned') ORDER BY r.sequence FOR UPDATE OF r",
            [grant.id]
        ).rows
        for row in rows {
            let loaded = try ReportRecord(row: row, today: context.today)
            var machine = try loaded.machine
            let action = try machine.waive(reason: reason, by: context.actor)
            try ReportExecutor(store: self, grant: grant, loaded: loaded, context: context).perform(action, machine: machine)
        }
    }
}

/// Payload of the `tranche.cancelled` audit event: a tranche its grant ended without paying.
struct TrancheCancellation: Codable {
    let sequence: Int
    let amount: Money
    let reason: String
}

/// Payload of the `report.waived` audit event: a report its grant ended without.
struct ReportWaiver: Codable {
    let sequence: Int
    let kind: ReportKind
    let reason: String
}
