import Foundation
import Postgres
import RRFWorkflow

/// Performs what the report machine decided, in the command's transaction: the one place a report action
/// becomes writes (the report row, the audit event, the notification, the follow-up job); the grant's own
/// transition when a final report closes or reopens it goes through ``GrantExecutor``. Commands read as load → decide (``ReportMachine``) →
/// `perform`.
struct ReportExecutor {
    let store: FundStore
    let grant: GrantRecord
    /// The report as loaded (locked) before the event.
    let loaded: ReportRecord
    let context: CommandContext

    private var stream: String { Streams.grant(grant.reference) }
    private var what: String { "Report \(loaded.sequence) of \(grant.reference)" }

    /// Writes `action`, taken by `machine` (now in its new state), and returns the report as stored after it;
    /// `comment` is the reviewer's comment of an acceptance (a return or reopening carries its reason).
    @discardableResult
    func perform(_ action: ReportMachine.Action, machine: ReportMachine, comment: String? = nil) throws -> ReportRecord {
        let state = machine.state.name
        switch action {
        case .remindOrganisation(let dueDate):
            try write("UPDATE grant_reports SET state = $3, version = version + 1 WHERE id = $1 AND version = $2", [state])
            let record = try reload()
            try context.audit(stream, "report.due", record)
            try notify("report.due", roles: [.ngoUser], toOrganisation: true, "The \(record.kind.rawValue) report \(record.sequence) of grant \(grant.reference) is due by \(dueDate).")
            return record
        case .requestReview(let submission, let lines):
            try write(
                """
                UPDATE grant_reports SET state = $3, narrative = $4, spent_minor = $5, spending_lines = $6::jsonb, submission = $7::jsonb,
                    submitted_by = $8, submitted_at = $9, version = version + 1
                WHERE id = $1 AND version = $2
                """,
                [state, submission.narrative, submission.spent.minorUnits, JSONValue(lines.map { SpendingLine(line: $0.line, amount: $0.amount.description) }),
                 JSONValue(submission), submission.submittedBy.uuid, submission.submittedAt]
            )
            let record = try reload()
            try context.audit(stream, "report.submitted", record)
            try notify("report.submitted", roles: [.secretariat], toOrganisation: false, "The \(record.kind.rawValue) report \(record.sequence) of grant \(grant.reference) awaits review.")
            return record
        case .evaluateNextTranche:
            let record = try review(state, comment: comment)
            try context.audit(stream, "report.accepted", record)
            try context.enqueue(FundStore.evaluateJob(grant))
            return record
        case .closeGrant:
            let record = try review(state, comment: comment)
            try context.audit(stream, "report.accepted", record)
            var grantMachine = try grant.machine
            let closing = try grantMachine.beginClosing(by: context.actor)
            let closingGrant = try GrantExecutor(store: store, loaded: grant, context: context).perform(closing, machine: grantMachine)
            if context.actor.roles.contains(.fundManager) {
                _ = try store.close(closingGrant, context: context)
            }
            return record
        case .notifyReturned(let reason):
            let record = try review(state, comment: reason)
            try context.audit(stream, "report.returned", record)
            try notify("report.returned", roles: [.ngoUser], toOrganisation: true, "Report \(loaded.sequence) of grant \(grant.reference) was returned: \(reason)")
            return record
        case .notifyReopened(let reason, let reopenGrant):
            let record = try review(state, comment: reason)
            try context.audit(stream, "report.reopened", record)
            if reopenGrant {
                var grantMachine = try grant.machine
                let reopened = try grantMachine.reopen(by: context.actor)
                try GrantExecutor(store: store, loaded: grant, context: context).perform(reopened, machine: grantMachine)
            }
            try notify("report.reopened", roles: [.ngoUser], toOrganisation: true, "Report \(loaded.sequence) of grant \(grant.reference) was reopened for correction: \(reason)")
            return record
        case .recordWaiver(let reason):
            try write("UPDATE grant_reports SET state = $3, comment = $4, version = version + 1 WHERE id = $1 AND version = $2", [state, reason])
            try context.audit(stream, "report.waived", ReportWaiver(sequence: loaded.sequence, kind: loaded.kind, reason: reason))
            return try reload()
        }
    }

    /// Stores a review of the report (acceptance, return, reopening) by the actor now.
    private func review(_ state: ReportMachine.State.Name, comment: String?) throws -> ReportRecord {
        let text = comment?.trimmingCharacters(in: .whitespacesAndNewlines)
        try write(
            "UPDATE grant_reports SET state = $3, comment = $4, reviewed_by = $5, reviewed_at = $6, version = version + 1 WHERE id = $1 AND version = $2",
            [state, text?.isEmpty == false ? text : nil, context.actor.userID.uuid, context.now]
        )
        return try reload()
    }

    private func write(_ sql: String, _ values: [(any PostgresEncodable)?]) throws {
        try context.updateVersioned(sql, [loaded.id, loaded.version] + values, what: what)
    }

    private func reload() throws -> ReportRecord {
        try store.loadReport(grant.reference, sequence: loaded.sequence, lock: .update, today: context.today, on: context.connection)
    }

    private func notify(_ event: String, roles: [Role], toOrganisation: Bool, _ message: String) throws {
        try context.notify(NotifyPayload(
            event: event, stream: stream, organisationID: toOrganisation ? grant.organisationID.uuidString.lowercased() : nil,
            roles: roles.map(\.rawValue), message: message
        ))
    }
}
