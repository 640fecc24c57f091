import Foundation
import JobQueue
import Postgres
import RRFWorkflow

/// Money spent on one budget line, as an organisation reports it (`amount` like `1200.00 USD`).
public struct SpendingLine: Codable, Sendable, Equatable {
    public var line: String
    public var amount: String

    public init(line: String, amount: String) {
        self.line = line
        self.amount = amount
    }
}

/// A report a grant owes (table `grant_reports`).
public struct ReportRecord: Codable, Sendable, Equatable {
    public let id: UUID
    public let grant: String
    public let sequence: Int
    public let kind: ReportKind
    public let periodStart: LocalDate
    public let periodEnd: LocalDate
    public let dueDate: LocalDate
    /// The stored state (JSON key `state`).
    public let stateName: ReportMachine.State.Name
    public let narrative: String?
    /// Cumulative money spent up to the end of the period.
    public let spent: Money?
    public let spendingLines: [SpendingLine]
    public let comment: String?
    /// Late on the day it was read.
    public private(set) var overdue: Bool
    public let version: Int
    let submission: ReportSubmission?

    /// scheduled | due | submitted | accepted | returned | waived
    public var state: String { stateName.rawValue }

    var spec: ReportSpec { ReportSpec(kind: kind, periodStart: periodStart, periodEnd: periodEnd, dueDate: dueDate) }

    /// The report's state machine rebuilt from the record.
    /// - Throws: `inconsistent_row` when the stored state is unknown or lacks what it needs.
    var machine: ReportMachine {
        get throws(StoreError) {
            let state: ReportMachine.State
            switch (stateName, submission, comment) {
            case (.scheduled, nil, _): state = .scheduled(spec)
            case (.due, nil, _): state = .due(spec)
            case (.submitted, let submission?, _): state = .submitted(spec, submission)
            case (.accepted, let submission?, _): state = .accepted(spec, submission)
            case (.returned, let submission?, let reason?): state = .returned(spec, submission, reason: reason)
            case (.waived, _, let reason?): state = .waived(spec, reason: reason)
            default: throw StoreError.inconsistentRow("Report \(sequence) of \(grant)", state: stateName.rawValue)
            }
            return ReportMachine(state: state)
        }
    }

    /// The columns `init(row:today:)` reads, from ``tables``.
    static let columns = """
        r.id, g.reference AS grant, r.sequence, r.kind, r.period_start::text AS period_start, r.period_end::text AS period_end,
        r.due_date::text AS due_date, r.state, r.narrative, r.spent_minor, r.currency, r.spending_lines::text AS spending_lines,
        r.comment, r.version, r.submission::text AS submission, g.state AS grant_state
        """
    /// The grant states in which reports are still owed (and can be late).
    static let grantsOwingReports: [GrantMachine.State.Name] = [.active, .suspended, .closing]

    /// The report `r` and its grant `g`.
    static let tables = "grant_reports r JOIN grants g ON g.id = r.grant_id"
    static let select = "SELECT \(columns) FROM \(tables)"

    init(row: Row, today: LocalDate) throws {
        let currency = try Currency.stored(try row.decode("currency"))
        id = try row.decode("id")
        grant = try row.decode("grant")
        sequence = try row.decode("sequence")
        guard let kind = ReportKind(rawValue: try row.decode("kind")) else { throw PostgresError(.decoding, "unknown report kind") }
        self.kind = kind
        periodStart = try LocalDate.stored(try row.decode("period_start"))
        periodEnd = try LocalDate.stored(try row.decode("period_end"))
        dueDate = try LocalDate.stored(try row.decode("due_date"))
        stateName = try .stored(in: row, of: "Report \(sequence) of \(grant)")
        narrative = try row.decode("narrative")
        spent = try row.decode("spent_minor", as: Int64?.self).map { Money(minorUnits: $0, currency: currency) }
        spendingLines = try row.decode("spending_lines", as: JSONValue<[SpendingLine]>.self).value
        comment = try row.decode("comment")
        version = try row.decode("version")
        submission = try row.decode("submission", as: JSONValue<ReportSubmission>?.self)?.value
        overdue = false
        // A closed or terminated grant owes nothing more, so nothing of it is late.
        if Self.grantsOwingReports.contains(try .stored(in: row, column: "grant_state", of: "The grant \(grant)")) {
            overdue = try machine.isOverdue(on: today)
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, grant, sequence, kind, periodStart, periodEnd, dueDate, stateName = "state", narrative, spent, spendingLines, comment, overdue, version
        case submission
    }
}

extension FundStore {
    /// Marks every scheduled report of a running (active, suspended or closing) grant whose period has ended as due and
    /// reminds the organisation (secretariat; the daemon's hourly `grant.mark_reports_due` job); a closed or
    /// terminated grant owes nothing more. Returns the reports made due.
    @discardableResult
    public func markReportsDue(as login: String) throws -> [ReportRecord] {
        try grantsCommand("report.mark_due", as: login) { context in
            let rows = try context.connection.query(
                ReportRecord.select + " WHERE r.state = 'scheduled' AND r.period_end < $1::date AND g.state = ANY($2::text[])"
                    + " ORDER BY g.reference, r.sequence FOR UPDATE OF r",
                [context.today.description, ReportRecord.grantsOwingReports]
            ).rows
            var made: [ReportRecord] = []
            for row in rows {
                let loaded = try ReportRecord(row: row, today: context.today)
                var machine = try loaded.machine
                let action = try machine.markDue(on: context.today, by: context.actor)
                let grant = try loadGrant(loaded.grant, lock: .unlocked, for: context.viewer, on: context.connection)
                let record = try ReportExecutor(store: self, grant: grant, loaded: loaded, context: context).perform(action, machine: machine)
                made.append(record)
            }
            return made
        }
    }

    /// Submits (or resubmits) a due or returned report (a user of the grant's organisation): the narrative and the
    /// money spent per budget line of the grant (cumulative up to the end of the period, in the grant's currency,
    /// in all no more than the money released so far; see ``ReportedSpending``).
    public func submitReport(
        _ reference: String, sequence: Int, narrative: String, spending: [SpendingLine], expectedVersion: Int? = nil, as login: String
    ) throws -> ReportRecord {
        try grantsCommand("report.submit", as: login) { context in
            // The narrative first: its refusal does not wait for the budget lines or the report's state.
            _ = try parsedRule { () throws(WorkflowRejection) in try Validate.optionalText(narrative, field: "narrative", maximum: TextLimit.narrative, shape: .lines) }
            let grant = try loadGrant(reference, lock: .update, for: context.viewer, on: context.connection)
            let loaded = try loadReport(grant.reference, sequence: sequence, lock: .update, today: context.today, on: context.connection)
            try context.requireVersion(loaded.version, expected: expectedVersion, of: "Report \(sequence) of \(grant.reference)")
            let lines = try spending.map { line in
                let name = try Validate.text(line.line, field: "budget line", maximum: 500)
                return SpendingLineAmount(line: name, amount: try Money(parsing: line.amount, field: "The amount spent on \(name)"))
            }
            let budget = try loadProposal(grant.reference, lock: .unlocked, on: context.connection).budgetLines.map(\.description)
            let checked = try ReportedSpending(lines: lines, budgetLines: budget, released: try releasedTotal(grant, on: context.connection))
            var machine = try loaded.machine
            let action = try machine.submit(
                narrative: narrative, spending: checked, organisationID: OrganisationID(grant.organisationID), at: context.now, by: context.actor
            )
            return try ReportExecutor(store: self, grant: grant, loaded: loaded, context: context).perform(action, machine: machine)
        }
    }

    /// Accepts a submitted report (secretariat or fund manager). An interim report asks for the tranches'
    /// re-evaluation (job `grant.evaluate_tranches`); the final report starts the grant's closure, and when a fund
    /// manager accepts it the grant closes at once with the refund of the unspent balance.
    public func acceptReport(_ reference: String, sequence: Int, comment: String? = nil, expectedVersion: Int? = nil, as login: String) throws -> ReportRecord {
        try reviewReport(reference, sequence: sequence, expectedVersion: expectedVersion, as: login, comment: comment) { machine, grant, context in
            try machine.accept(released: try releasedTotal(grant, on: context.connection), by: context.actor)
        }
    }

    /// Reopens an accepted report (fund manager, reason required; ``ReportMachine/reopen(reason:grant:trancheMovedSinceAcceptance:by:)``):
    /// it goes back to the organisation as returned, to be corrected and resubmitted. Reopening the final report
    /// of a closing grant takes the grant back to active.
    public func reopenReport(_ reference: String, sequence: Int, reason: String, expectedVersion: Int? = nil, as login: String) throws -> ReportRecord {
        try reviewReport(reference, sequence: sequence, expectedVersion: expectedVersion, as: login, comment: reason, commentField: "reason") { machine, grant, context in
            let moved = try context.connection.queryPrepared(
                """
                SELECT count(*) AS moved FROM tranches t, grant_reports r
                WHERE t.grant_id = $1 AND r.grant_id = $1 AND r.sequence = $2 AND t.state IN ('ready', 'approved', 'released')
                  AND greatest(t.evaluated_at, t.approved_at, t.released_at) >= r.reviewed_at
                """,
                [grant.id, sequence]
            ).single().decode("moved", as: Int.self) > 0
            return try machine.reopen(reason: reason, grant: try grant.machine, trancheMovedSinceAcceptance: moved, by: context.actor)
        }
    }

    /// Returns a submitted report for changes with a comment (secretariat or fund manager).
    public func returnReport(_ reference: String, sequence: Int, comment: String, expectedVersion: Int? = nil, as login: String) throws -> ReportRecord {
        try reviewReport(reference, sequence: sequence, expectedVersion: expectedVersion, as: login, comment: comment) { machine, _, context in
            try machine.returnForChanges(reason: comment, by: context.actor)
        }
    }

    /// The reports of a grant, in order, with their overdue flag.
    public func reports(_ reference: String) throws -> [ReportRecord] {
        let today = self.today
        return try read("report.list") { connection, viewer in
            let grant = try loadGrant(reference, lock: .unlocked, for: viewer, on: connection)
            return try loadReports(grant, today: today, on: connection)
        }
    }

    /// The reports of `grant`, in order, with their overdue flag on `today`.
    func loadReports(_ grant: GrantRecord, today: LocalDate, on connection: Connection) throws -> [ReportRecord] {
        try connection.query(ReportRecord.select + " WHERE r.grant_id = $1 ORDER BY r.sequence", [grant.id]).rows.map {
            try ReportRecord(row: $0, today: today)
        }
    }

    // MARK: Internals

    private func reviewReport(
        _ reference: String, sequence: Int, expectedVersion: Int?, as login: String, comment: String?, commentField: String = "comment",
        _ event: (inout ReportMachine, GrantRecord, CommandContext) throws -> ReportMachine.Action
    ) throws -> ReportRecord {
        try grantsCommand("report.review", as: login) { context in
            let checked = try parsedRule { () throws(WorkflowRejection) in
                try Validate.optionalText(comment, field: commentField, maximum: TextLimit.reason, shape: .lines)
            }
            let comment = checked.isEmpty ? nil : checked
            let grant = try loadGrant(reference, lock: .update, for: context.viewer, on: context.connection)
            let loaded = try loadReport(grant.reference, sequence: sequence, lock: .update, today: context.today, on: context.connection)
            try context.requireVersion(loaded.version, expected: expectedVersion, of: "Report \(sequence) of \(grant.reference)")
            var machine = try loaded.machine
            let action = try event(&machine, grant, context)
            return try ReportExecutor(store: self, grant: grant, loaded: loaded, context: context).perform(action, machine: machine, comment: comment)
        }
    }

    func loadReport(_ reference: String, sequence: Int, lock: RowLock, today: LocalDate, on connection: Connection) throws -> ReportRecord {
        guard let row = try connection.query(
            ReportRecord.select + " WHERE g.reference = $1 AND r.sequence = $2" + lock.clause(of: "r"),
            [reference.trimmingCharacters(in: .whitespaces).uppercased(), sequence]
        ).first else {
            throw StoreError.notFound("Grant \(reference.uppercased()) has no report \(sequence); list them with `rrfctl report list \(reference.uppercased())`.")
        }
        return try ReportRecord(row: row, today: today)
    }
}
