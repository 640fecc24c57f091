import Foundation
import Postgres
import RRFWorkflow

/// The aggregates `rrfctl export csv` writes, one CSV file each.
///
/// Formats (one header row, then one row per record, ordered by the first column; `TS-`/`TC-` references by
/// their number):
/// - `organisations`: code, name, country (ISO 3166 alpha-2), state, risk, assessed_on, due_diligence_expires,
///   ineligible_until (dates `YYYY-MM-DD`).
/// - `calls`: code, title, kind, currency (ISO 4217), ceiling, submission_deadline, review_deadline,
///   decision_sla (e.g. `72 business_hours`), state (times ISO 8601 UTC).
/// - `envelopes`: call, cluster, currency, amount, committed, uncommitted.
/// - `proposals`: reference, organisation, call, cluster, title, locations (separated by `; `), beneficiaries,
///   currency, requested, approved, state, round, submitted_at, decision_due, decision, decided_at.
/// - `grants`: reference, organisation, call, cluster, currency, amount, risk, start_date, end_date, state, signed_on,
///   signatory, refund.
/// - `tranches`: grant, sequence, currency, amount, state, approved_by, approved_at, released_by, released_at.
/// - `reports`: grant, sequence, kind (interim | final), period_start, period_end, due_date, state, overdue (`yes` or
///   `no` on the day of the export), currency, spent (cumulative to the end of the period; empty until submitted),
///   submitted_by, submitted_at, reviewed_by, reviewed_at (the last acceptance or return), comment (the reviewer's).
/// - `courses`: code, title, validity_months, description.
/// - `sessions`: session (`TS-12`), course, start_date, end_date, place, trainer (login), capacity, state,
///   participants, attended, passed, cancel_reason.
/// - `attendance`: session, course, name, organisation, role, gender, attended, passed (`yes` or `no`), score
///   (empty when none): the columns of a sign-in sheet (`rrfctl training import`); by session, organisation, name.
/// - `certificates`: certificate (`TC-7`), holder, organisation, gender (as the holder stated it at the session),
///   course, session, issued_on, valid_through (the last valid day), status (valid | expired | revoked |
///   not_yet_valid on the day of the export), revoked_at, revocation_reason.
///
/// Amounts are decimals in the row's currency without grouping (`12500.50`). Users are shown by login.
public enum ExportAggregate: String, CaseIterable, Sendable {
    case organisations, calls, envelopes, proposals, grants, tranches, reports, courses, sessions, attendance, certificates

    /// The header row of the aggregate's CSV.
    public var columns: [String] { table.headers }

    /// The table behind the aggregate.
    var table: ExportTable {
        switch self {
        case .organisations:
            ExportTable(
                headers: ["code", "name", "country", "state", "risk", "assessed_on", "due_diligence_expires", "ineligible_until"],
                select: """
                    SELECT code, name, country, state, coalesce(risk, '') AS risk, coalesce(assessed_on::text, '') AS assessed_on,
                           coalesce(due_diligence_expires::text, '') AS due_diligence_expires,
                           coalesce(ineligible_until::text, '') AS ineligible_until
                    FROM organisations ORDER BY code
                    """,
                count: "SELECT count(*)::int AS n FROM organisations"
            ) { row, _ in try ["code", "name", "country", "state", "risk", "assessed_on", "due_diligence_expires", "ineligible_until"].map { try row.decode($0) } }
        case .calls:
            ExportTable(
                headers: ["code", "title", "kind", "currency", "ceiling", "submission_deadline", "review_deadline", "decision_sla", "state"],
                select: """
                    SELECT code, title, kind, currency, ceiling_minor, \(ExportTable.utc("submission_deadline")) AS submission_deadline,
                           \(ExportTable.utc("review_deadline")) AS review_deadline, decision_sla_amount || ' ' || decision_sla_unit AS decision_sla, state
                    FROM calls ORDER BY code
                    """,
                count: "SELECT count(*)::int AS n FROM calls"
            ) { row, _ in
                let currency: String = try row.decode("currency")
                return [
                    try row.decode("code"), try row.decode("title"), try row.decode("kind"), currency,
                    try ExportTable.amount(try row.decode("ceiling_minor"), currency), try row.decode("submission_deadline"),
                    try row.decode("review_deadline"), try row.decode("decision_sla"), try row.decode("state"),
                ]
            }
        case .envelopes:
            ExportTable(
                headers: ["call", "cluster", "currency", "amount", "committed", "uncommitted"],
                select: """
                    SELECT c.code, e.cluster, c.currency, e.amount_minor, e.committed_minor
                    FROM call_envelopes e JOIN calls c ON c.id = e.call_id ORDER BY c.code, e.cluster
                    """,
                count: "SELECT count(*)::int AS n FROM call_envelopes"
            ) { row, _ in
                let currency: String = try row.decode("currency")
                let amount: Int64 = try row.decode("amount_minor")
                let committed: Int64 = try row.decode("committed_minor")
                return [
                    try row.decode("code"), try row.decode("cluster"), currency, try ExportTable.amount(amount, currency),
                    try ExportTable.amount(committed, currency), try ExportTable.amount(amount - committed, currency),
                ]
            }
        case .proposals:
            ExportTable(
                headers: [
                    "reference", "organisation", "call", "cluster", "title", "locations", "beneficiaries", "currency", "requested",
                    "approved", "state", "round", "submitted_at", "decision_due", "decision", "decided_at",
                ],
                select: """
                    SELECT p.reference, o.code AS organisation, c.code AS call, p.cluster, p.title, array_to_string(p.locations, '; ') AS locations,
                           p.beneficiaries, p.currency, p.requested_minor, p.approved_minor, p.state, p.round,
                           \(ExportTable.utc("p.submitted_at")) AS submitted_at, \(ExportTable.utc("p.decision_due")) AS decision_due,
                           coalesce(p.decision, '') AS decision, coalesce(\(ExportTable.utc("p.decided_at")), '') AS decided_at
                    FROM proposals p JOIN organisations o ON o.id = p.organisation_id JOIN calls c ON c.id = p.call_id
                    ORDER BY p.reference
                    """,
                count: "SELECT count(*)::int AS n FROM proposals"
            ) { row, _ in
                let currency: String = try row.decode("currency")
                return [
                    try row.decode("reference"), try row.decode("organisation"), try row.decode("call"), try row.decode("cluster"),
                    try row.decode("title"), try row.decode("locations"), "\(try row.decode("beneficiaries", as: Int.self))", currency,
                    try ExportTable.amount(try row.decode("requested_minor"), currency),
                    try row.decode("approved_minor", as: Int64?.self).map { try ExportTable.amount($0, currency) } ?? "",
                    try row.decode("state"), "\(try row.decode("round", as: Int.self))", try row.decode("submitted_at"),
                    try row.decode("decision_due"), try row.decode("decision"), try row.decode("decided_at"),
                ]
            }
        case .grants:
            ExportTable(
                headers: [
                    "reference", "organisation", "call", "cluster", "currency", "amount", "risk", "start_date", "end_date", "state",
                    "signed_on", "signatory", "refund",
                ],
                select: """
                    SELECT g.reference, o.code AS organisation, c.code AS call, g.cluster, g.currency, g.amount_minor, g.risk,
                           g.start_date::text AS start_date, g.end_date::text AS end_date, g.state,
                           coalesce(g.signed_on::text, '') AS signed_on, coalesce(g.signatory, '') AS signatory, g.refund_minor
                    FROM grants g JOIN organisations o ON o.id = g.organisation_id JOIN calls c ON c.id = g.call_id
                    ORDER BY g.reference
                    """,
                count: "SELECT count(*)::int AS n FROM grants"
            ) { row, _ in
                let currency: String = try row.decode("currency")
                return [
                    try row.decode("reference"), try row.decode("organisation"), try row.decode("call"), try row.decode("cluster"), currency,
                    try ExportTable.amount(try row.decode("amount_minor"), currency), try row.decode("risk"), try row.decode("start_date"),
                    try row.decode("end_date"), try row.decode("state"), try row.decode("signed_on"), try row.decode("signatory"),
                    try row.decode("refund_minor", as: Int64?.self).map { try ExportTable.amount($0, currency) } ?? "",
                ]
            }
        case .tranches:
            ExportTable(
                headers: ["grant", "sequence", "currency", "amount", "state", "approved_by", "approved_at", "released_by", "released_at"],
                select: """
                    SELECT g.reference AS grant_reference, t.sequence, t.currency, t.amount_minor, t.state,
                           coalesce(t.approved_by_name, '') AS approved_by, coalesce(\(ExportTable.utc("t.approved_at")), '') AS approved_at,
                           coalesce(t.released_by_name, '') AS released_by, coalesce(\(ExportTable.utc("t.released_at")), '') AS released_at
                    FROM tranches t JOIN grants g ON g.id = t.grant_id
                    ORDER BY g.reference, t.sequence
                    """,
                count: "SELECT count(*)::int AS n FROM tranches"
            ) { row, _ in
                let currency: String = try row.decode("currency")
                return [
                    try row.decode("grant_reference"), "\(try row.decode("sequence", as: Int.self))", currency,
                    try ExportTable.amount(try row.decode("amount_minor"), currency), try row.decode("state"), try row.decode("approved_by"),
                    try row.decode("approved_at"), try row.decode("released_by"), try row.decode("released_at"),
                ]
            }
        case .reports: .reports
        case .courses: .courses
        case .sessions: .sessions
        case .attendance: .attendance
        case .certificates: .certificates
        }
    }
}

/// A query whose rows become CSV records.
struct ExportTable: Sendable {
    let headers: [String]
    /// HXL: the hashtag row written right after the header.
    var hashtags: [String]? = nil
    /// The full query, ordered; read through a cursor in batches.
    let select: String
    /// `SELECT count(*)::int AS n …` over the same rows.
    let count: String
    /// One record from one row, given the day of the export (for flags such as overdue).
    let row: @Sendable (Row, LocalDate) throws -> [String]

    /// A timestamp column as ISO 8601 UTC text (`2026-11-22T17:00:00Z`).
    static func utc(_ column: String) -> String {
        "to_char(\(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    }

    /// Minor units as a plain decimal in the currency's minor-unit digits (`12500.50`).
    static func amount(_ minorUnits: Int64, _ currencyCode: String) throws -> String {
        Money(minorUnits: minorUnits, currency: try Currency.stored(currencyCode)).amountText(grouped: false)
    }
}

extension FundStore {
    /// Streams an aggregate's rows: `header` once, then `record` per row, in pages of `pageSize`;
    /// `progress(done, total)` after each page.
    public func export(
        _ aggregate: ExportAggregate, pageSize: Int = 500, header: ([String]) throws -> Void, record: ([String]) throws -> Void,
        progress: (Int, Int) -> Void = { _, _ in }
    ) throws {
        try export(aggregate.table, name: aggregate.rawValue, pageSize: pageSize, header: header, record: record, progress: progress)
    }

    /// Streams `table`: its header (and HXL hashtag row), then its records page by page, in one snapshot.
    func export(
        _ table: ExportTable, name: String, pageSize: Int, header: ([String]) throws -> Void, record: ([String]) throws -> Void,
        progress: (Int, Int) -> Void
    ) throws {
        let today = self.today
        try read("export.\(name)", isolation: .repeatableRead) { connection, viewer in
            try viewer.require(.finance, notFound: Self.financeOnly)
            // One snapshot for the count and every page.
            try connection.execute("SET TRANSACTION READ ONLY")
            let total = try connection.query(table.count).single().decode("n", as: Int.self)
            try header(table.headers)
            if let hashtags = table.hashtags { try record(hashtags) }
            var done = 0
            try connection.forEachBatch(table.select, batchSize: pageSize) { rows in
                for row in rows { try record(try table.row(row, today)) }
                done += rows.count
                progress(done, total)
            }
        }
    }
}
