import Foundation
import JobQueue
import Postgres
import RRFWorkflow

/// Performs what the call machine decided, in the command's transaction: the one place a call action becomes
/// writes (the call row and its envelopes, the audit event, the closing job). Commands read as load → decide
/// (``CallMachine``) → `perform`.
struct CallExecutor {
    let store: FundStore
    /// The call as loaded (locked) before the event; nil for a call being created with `code`.
    let loaded: CallRecord?
    let context: CommandContext

    /// Writes `action`, taken by `machine` (now in its new state), and returns the call as stored after it (nil
    /// once deleted). `code` names a new call; `event` names the audit event of a new configuration
    /// (`call.created`, `call.edited`, `call.envelopes_set`), the other actions name their own.
    @discardableResult
    func perform(_ action: CallMachine.Action, machine: CallMachine, code: String? = nil, event: String = "call.edited") throws -> CallRecord? {
        switch action {
        case .storeConfiguration(let configuration):
            guard let loaded else { return try create(code ?? "", configuration, state: machine.state.name, event: event) }
            let (unit, amount) = FundStore.slaColumns(configuration.decisionSLA)
            try context.updateVersioned(
                """
                UPDATE calls SET state = $3, title = $4, kind = $5, currency = $6, ceiling_minor = $7, submission_deadline = $8,
                    review_deadline = $9, decision_sla_unit = $10, decision_sla_amount = $11, scorecard = $12::jsonb, quorum = $13,
                    divergence_spread = $14, version = version + 1
                WHERE id = $1 AND version = $2
                """,
                [
                    loaded.id, loaded.version, machine.state.name, configuration.title, configuration.kind.rawValue, configuration.currency.code,
                    configuration.perProposalCeiling.minorUnits, configuration.submissionDeadline, configuration.reviewDeadline, unit, amount,
                    JSONValue(configuration.scorecard), configuration.quorum, configuration.divergenceSpread,
                ],
                what: "The call \(loaded.code)"
            )
            try store.writeEnvelopes(callID: loaded.id, configuration.envelopes, on: context.connection)
            return try audited(loaded, event)
        case .scheduleClosing(let deadline):
            let record = try move(machine, "call.opened")
            try context.enqueue(NewJobs.make(
                JobKinds.callClose, CallJobPayload(callID: record.id, code: record.code), runAt: deadline, uniqueKey: "call-close:\(record.code)"
            ))
            return record
        case .recordClosing:
            return try move(machine, "call.closed")
        case .recordDecided:
            return try move(machine, "call.decided")
        case .recordArchived:
            return try move(machine, "call.archived")
        case .deleteDraft:
            let loaded = try required()
            do {
                try context.updateVersioned("DELETE FROM calls WHERE id = $1 AND version = $2", [loaded.id, loaded.version], what: "The call \(loaded.code)")
            } catch let error as PostgresError where error.sqlState == "23503" {
                throw StoreError(.rejected, code: "call_in_use", FundStore.callInUseSentence(loaded.code, constraint: error.constraint), underlying: error)
            }
            try context.audit(Streams.call(loaded.code), "call.deleted", loaded)
            return nil
        }
    }

    private func create(_ code: String, _ configuration: CallConfiguration, state: CallMachine.State.Name, event: String) throws -> CallRecord {
        let id = UUID()
        let (unit, amount) = FundStore.slaColumns(configuration.decisionSLA)
        try context.connection.query(
            """
            INSERT INTO calls (id, code, state, title, kind, currency, ceiling_minor, submission_deadline, review_deadline,
                               decision_sla_unit, decision_sla_amount, scorecard, quorum, divergence_spread)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb, $13, $14)
            """,
            [
                id, code, state, configuration.title, configuration.kind.rawValue, configuration.currency.code, configuration.perProposalCeiling.minorUnits,
                configuration.submissionDeadline, configuration.reviewDeadline, unit, amount, JSONValue(configuration.scorecard),
                configuration.quorum, configuration.divergenceSpread,
            ]
        )
        try store.writeEnvelopes(callID: id, configuration.envelopes, on: context.connection)
        let record = try store.loadCallForUpdate(code, on: context.connection)
        try context.audit(Streams.call(code), event, record)
        return record
    }

    /// Stores the machine's new state and audits `event`.
    private func move(_ machine: CallMachine, _ event: String) throws -> CallRecord {
        let loaded = try required()
        try context.updateVersioned(
            "UPDATE calls SET state = $3, version = version + 1 WHERE id = $1 AND version = $2",
            [loaded.id, loaded.version, machine.state.name], what: "The call \(loaded.code)"
        )
        return try audited(loaded, event)
    }

    private func audited(_ loaded: CallRecord, _ event: String) throws -> CallRecord {
        let record = try store.loadCallForUpdate(loaded.code, on: context.connection)
        try context.audit(Streams.call(record.code), event, record)
        return record
    }

    private func required() throws -> CallRecord {
        guard let loaded else {
            throw StoreError(.internal, code: "action_facts_missing", "A call action was performed without the call; this is a defect, please report it.")
        }
        return loaded
    }
}
