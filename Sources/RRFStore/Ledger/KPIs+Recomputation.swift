import Foundation
import Postgres
import RRFWorkflow

/// The KPI report's figures that are not durations, and the report's full computation from the stored facts:
/// every decided proposal and every first release counted again in the business calendar. The full computation
/// is the reference the stored spans (``KPISpans``) are checked against (`rrfctl report kpis --recompute`).
extension FundStore {
    /// The fund's KPIs computed from every stored fact, without the stored spans (the reference path).
    public func kpisRecomputed() throws -> FundKPIs {
        try read("report.kpis.recompute") { connection, viewer in
            try viewer.require(.finance, notFound: Self.financeOnly)
            return try recomputedKPIs(on: connection)
        }
    }

    /// The full computation on `connection`.
    func recomputedKPIs(on connection: Connection) throws -> FundKPIs {
        var spans: [String: [(start: Date, end: Date, deadline: Date)]] = [:]
        for row in try connection.query(
            """
            SELECT c.kind, p.submitted_at, p.decided_at, p.decision_due
            FROM proposals p JOIN calls c ON c.id = p.call_id WHERE p.decided_at IS NOT NULL
            """
        ).rows {
            let span = (start: try row.decode("submitted_at", as: Date.self), end: try row.decode("decided_at", as: Date.self),
                        deadline: try row.decode("decision_due", as: Date.self))
            spans[try row.decode("kind", as: String.self), default: []].append(span)
            spans["all", default: []].append(span)
        }
        var timeToDecision = spans.mapValues { FundKPIs.DurationStatistics($0, calendar: calendar) }
        if timeToDecision["all"] == nil { timeToDecision["all"] = FundKPIs.DurationStatistics([], calendar: calendar) }
        var disbursementSpans: [String: [(start: Date, end: Date, deadline: Date)]] = ["all": []]
        for row in try connection.query(
            """
            SELECT c.kind, p.submitted_at, p.decision_due, min(t.released_at) AS first_release
            FROM grants g JOIN proposals p ON p.id = g.proposal_id JOIN calls c ON c.id = g.call_id
            JOIN tranches t ON t.grant_id = g.id AND t.state = 'released'
            GROUP BY c.kind, p.submitted_at, p.decision_due, g.id
            """
        ).rows {
            let due = try row.decode("decision_due", as: Date.self)
            let span = (start: try row.decode("submitted_at", as: Date.self), end: try row.decode("first_release", as: Date.self),
                        deadline: BusinessSpan.firstReleaseDeadline(decisionDue: due, calendar: calendar))
            disbursementSpans[try row.decode("kind", as: String.self), default: []].append(span)
            disbursementSpans["all", default: []].append(span)
        }
        var byState: [String: Int] = [:]
        for row in try connection.query("SELECT state, count(*)::int AS n FROM proposals GROUP BY state").rows {
            byState[try row.decode("state")] = try row.decode("n", as: Int.self)
        }
        let rates = try connection.query(
            """
            SELECT cluster, count(*) FILTER (WHERE state = 'approved')::int AS approved,
                   count(*) FILTER (WHERE state = 'rejected')::int AS rejected,
                   count(*) FILTER (WHERE state = 'ineligible')::int AS ineligible
            FROM proposals GROUP BY cluster ORDER BY cluster
            """
        ).rows.map(FundKPIs.ClusterApprovalRate.init(row:))
        return try kpis(
            proposalsByState: byState, approvalRates: rates, timeToDecision: timeToDecision,
            timeToFirstDisbursement: disbursementSpans.mapValues { FundKPIs.DurationStatistics($0, calendar: calendar) },
            disbursement: Self.disbursementFromLedger(on: connection), on: connection
        )
    }

    /// Committed and released per currency over signed grants, summed from every ledger entry (the reference for
    /// the totals kept beside the ledger, sql/0031).
    static func disbursementFromLedger(on connection: Connection) throws -> [FundKPIs.Disbursement] {
        try connection.query(
            """
            SELECT a.currency,
                   coalesce(sum(e.amount_minor) FILTER (WHERE a.kind = 'committed' AND t.kind IN ('commit', 'decommit')), 0)::bigint AS committed,
                   coalesce(sum(e.amount_minor) FILTER (WHERE a.kind = 'released' AND t.kind = 'release'), 0)::bigint AS released
            FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id JOIN ledger_accounts a ON a.id = e.account_id
            JOIN grants g ON g.proposal_id = a.proposal_id AND g.signed_on IS NOT NULL
            WHERE a.kind IN ('committed', 'released')
            GROUP BY a.currency ORDER BY a.currency
            """
        ).rows.map(FundKPIs.Disbursement.init(row:))
    }

    /// The report with the given proposal counts, durations and disbursement, and every other figure read from the
    /// stored facts.
    func kpis(
        proposalsByState byState: [String: Int], approvalRates rates: [FundKPIs.ClusterApprovalRate],
        timeToDecision: [String: FundKPIs.DurationStatistics], timeToFirstDisbursement: [String: FundKPIs.DurationStatistics],
        disbursement: [FundKPIs.Disbursement], on connection: Connection
    ) throws -> FundKPIs {
        let envelopes = try connection.query(
            """
            SELECT c.code, c.currency, e.cluster, e.amount_minor, e.committed_minor
            FROM call_envelopes e JOIN calls c ON c.id = e.call_id ORDER BY c.code, e.cluster
            """
        ).rows.map { row in
            let currency = try Currency.stored(try row.decode("currency"))
            let amount: Int64 = try row.decode("amount_minor")
            let committed: Int64 = try row.decode("committed_minor")
            return FundKPIs.EnvelopeUse(
                call: try row.decode("code"), cluster: try Cluster.stored(try row.decode("cluster")),
                envelope: Money(minorUnits: amount, currency: currency), committed: Money(minorUnits: committed, currency: currency),
                usePercent: Statistics.percent(committed, of: amount)
            )
        }
        let overdue = try connection.query(
            """
            SELECT count(*)::int AS n FROM grant_reports r JOIN grants g ON g.id = r.grant_id
            WHERE r.state IN ('scheduled', 'due', 'returned') AND r.due_date < $1::date AND g.state = ANY($2::text[])
            """,
            [today.description, ReportRecord.grantsOwingReports]
        ).single().decode("n", as: Int.self)
        let trained = try connection.query(
            """
            SELECT o.code, CASE WHEN btrim(a.gender) = '' THEN 'unspecified' ELSE lower(btrim(a.gender)) END AS gender,
                   count(DISTINCT a.name_key)::int AS people
            FROM training_attendance a JOIN organisations o ON o.id = a.organisation_id
            WHERE a.passed GROUP BY 1, 2 ORDER BY 1, 2
            """
        ).rows.map { FundKPIs.TrainedStaff(organisation: try $0.decode("code"), gender: try $0.decode("gender"), people: try $0.decode("people")) }
        return FundKPIs(
            proposalsByState: byState, timeToDecision: timeToDecision, approvalRates: rates, envelopeUse: envelopes,
            timeToFirstDisbursement: timeToFirstDisbursement, disbursement: disbursement, overdueReports: overdue, trainedStaff: trained
        )
    }
}

extension FundKPIs.ClusterApprovalRate {
    /// One cluster's row of `cluster`, `approved`, `rejected` and `ineligible` counts.
    init(row: Row) throws {
        let approved: Int = try row.decode("approved")
        let rejected: Int = try row.decode("rejected")
        self.init(
            cluster: try Cluster.stored(try row.decode("cluster")), approved: approved, rejected: rejected,
            ineligible: try row.decode("ineligible"), approvalRatePercent: Statistics.percent(Int64(approved), of: Int64(approved + rejected))
        )
    }
}

extension FundKPIs.Disbursement {
    /// One currency's row of `currency`, `committed` and `released` minor units.
    init(row: Row) throws {
        let currency = try Currency.stored(try row.decode("currency"))
        let committed: Int64 = try row.decode("committed")
        let released: Int64 = try row.decode("released")
        self.init(
            committed: Money(minorUnits: committed, currency: currency), released: Money(minorUnits: released, currency: currency),
            ratePercent: Statistics.percent(released, of: committed)
        )
    }
}
