import Foundation
import Postgres
import RRFWorkflow

/// Performs what the tranche machine decided, in the command's transaction: the one place a tranche action
/// becomes writes (the tranche row, the ledger movement, the idempotency record, the audit event, the
/// notification). Commands read as load → decide (``TrancheMachine``) → `perform`.
struct TrancheExecutor {
    let store: FundStore
    let grant: GrantRecord
    /// The tranche as loaded (locked) before the event.
    let loaded: TrancheRecord
    let context: CommandContext

    private var stream: String { Streams.grant(grant.reference) }
    private var what: String { "Tranche \(loaded.sequence) of \(grant.reference)" }

    /// Writes `action`, taken by `machine` (now in its new state), and returns the tranche as stored after it.
    @discardableResult
    func perform(_ action: TrancheMachine.Action, machine: TrancheMachine) throws -> TrancheRecord {
        let state = machine.state.name
        switch action {
        case .recordUnmet(let unmet):
            try write("UPDATE tranches SET unmet = $3::jsonb, evaluated_at = $4, version = version + 1 WHERE id = $1 AND version = $2",
                      [JSONValue(unmet.map(\.sentence)), context.now])
            return try reload()
        case .requestApproval(let threshold, let previous):
            try write("UPDATE tranches SET state = $3, unmet = '[]', evaluated_at = $4, version = version + 1 WHERE id = $1 AND version = $2",
                      [state, context.now])
            let record = try reload()
            try context.audit(stream, "tranche.ready", TrancheReadyEvent(
                tranche: record, policyVersion: grant.policyVersion, spendThresholdPercent: threshold, received: previous?.received, spent: previous?.spent
            ))
            try notify("tranche.ready", roles: [.fundManager], "Tranche \(loaded.sequence) of grant \(grant.reference) (\(loaded.amount.grouped)) is ready for approval.")
            return record
        case .requestRelease(let approval):
            try write(
                """
                UPDATE tranches SET state = $3, approved_by = $4, approved_by_name = $5, approved_at = $6, approval = $7::jsonb,
                    version = version + 1
                WHERE id = $1 AND version = $2
                """,
                [state, approval.userID.uuid, approval.name, approval.at, JSONValue(approval)]
            )
            let record = try reload()
            try context.audit(stream, "tranche.approved", record)
            try notify("tranche.approved", roles: [.financeOfficer], "Tranche \(loaded.sequence) of grant \(grant.reference) (\(record.amount.grouped)) is approved and awaits release.")
            return record
        case .postRelease(let paid, let release):
            guard let transactionID = try Ledger.post(
                "release", legs: [LedgerLeg(account: grant.committedAccount, amount: -paid.minorUnits),
                                  LedgerLeg(account: grant.releasedAccount, amount: paid.minorUnits)],
                proposalID: grant.proposalID, memo: "tranche \(loaded.sequence) of \(grant.reference)", actor: context.login, at: context.now,
                on: context.connection
            ) else { throw StoreError(.internal, code: "ledger_empty", "A release of nothing was asked; this is a defect, please report it.") }
            try write(
                """
                UPDATE tranches SET state = $3, released_by = $4, released_by_name = $5, released_at = $6, idempotency_key = $7,
                    release = $8::jsonb, ledger_transaction_id = $9, version = version + 1
                WHERE id = $1 AND version = $2
                """,
                [state, release.signature.userID.uuid, release.signature.name, release.signature.at, release.idempotencyKey, JSONValue(release), transactionID]
            )
            let record = try reload()
            try KPISpans.recordRelease(of: grant, at: record.releasedAt ?? release.signature.at, calendar: store.calendar, on: context.connection)
            let result = try TrancheRelease(released: record)
            try context.connection.queryPrepared(
                "UPDATE release_requests SET result = $2::jsonb WHERE idempotency_key = $1", [release.idempotencyKey, JSONValue(result)]
            )
            try context.audit(stream, "tranche.released", result)
            try notify("tranche.released", roles: [.ngoUser], organisation: grant.organisationID, "Tranche \(loaded.sequence) of grant \(grant.reference) (\(paid.grouped)) was released.")
            return record
        case .recordCancellation(let reason):
            try write("UPDATE tranches SET state = $3, cancel_reason = $4, version = version + 1 WHERE id = $1 AND version = $2", [state, reason])
            try context.audit(stream, "tranche.cancelled", TrancheCancellation(sequence: loaded.sequence, amount: loaded.amount, reason: reason))
            return try reload()
        }
    }

    private func write(_ sql: String, _ values: [(any PostgresEncodable)?]) throws {
        try context.updateVersioned(sql, [loaded.id, loaded.version] + values, what: what)
    }

    private func reload() throws -> TrancheRecord {
        try store.loadTranche(grant, sequence: loaded.sequence, lock: .update, on: context.connection)
    }

    private func notify(_ event: String, roles: [Role], organisation: UUID? = nil, _ message: String) throws {
        try context.notify(NotifyPayload(
            event: event, stream: stream, organisationID: organisation?.uuidString.lowercased(), roles: roles.map(\.rawValue), message: message
        ))
    }
}
