import Postgres
import RRFWorkflow

extension ExportTable {
    /// `rrfctl export csv reports`: every grant report with its overdue flag (the report machine's rule) and who
    /// submitted and reviewed it (format in ``ExportAggregate``).
    static let reports = ExportTable(
        headers: [
            "grant", "sequence", "kind", "period_start", "period_end", "due_date", "state", "overdue", "currency", "spent",
            "submitted_by", "submitted_at", "reviewed_by", "reviewed_at", "comment",
        ],
        select: """
            SELECT \(ReportRecord.columns),
                   coalesce(su.login, '') AS submitted_by, coalesce(\(ExportTable.utc("r.submitted_at")), '') AS submitted_at,
                   coalesce(ru.login, '') AS reviewed_by, coalesce(\(ExportTable.utc("r.reviewed_at")), '') AS reviewed_at
            FROM \(ReportRecord.tables) LEFT JOIN users su ON su.id = r.submitted_by LEFT JOIN users ru ON ru.id = r.reviewed_by
            ORDER BY g.reference, r.sequence
            """,
        count: "SELECT count(*)::int AS n FROM grant_reports"
    ) { row, today in
        let report = try ReportRecord(row: row, today: today)
        return [
            report.grant, "\(report.sequence)", report.kind.rawValue, report.periodStart.description, report.periodEnd.description,
            report.dueDate.description, report.state, report.overdue ? "yes" : "no", try row.decode("currency"),
            report.spent?.amountText(grouped: false) ?? "", try row.decode("submitted_by"), try row.decode("submitted_at"),
            try row.decode("reviewed_by"), try row.decode("reviewed_at"), report.comment ?? "",
        ]
    }
}
