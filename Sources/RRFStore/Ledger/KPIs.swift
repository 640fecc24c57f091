import Foundation
import Postgres
import RRFWorkflow

/// The fund's key performance indicators, computed from the stored facts (never from cached counters).
///
/// Durations are counted in the fund's ``BusinessCalendar`` (weekends, holidays and working hours excluded).
/// Medians are the middle value (the mean of the two middle values for an even count); the 90th percentile
/// uses the nearest-rank method. Rates are percentages rounded to one decimal; `nil` when nothing was counted.
public struct FundKPIs: Codable, Sendable, Equatable {
    /// Proposals per state, e.g. `approved: 4`.
    public var proposalsByState: [String: Int]
    /// Submission → decision of the current round, per call kind (`reserve`, `standard`) and `all`.
    public var timeToDecision: [String: DurationStatistics]
    /// Approved / (approved + rejected) per cluster.
    public var approvalRates: [ClusterApprovalRate]
    /// Committed against each envelope.
    public var envelopeUse: [EnvelopeUse]
    /// Submission → first released tranche, per call kind and `all` (the SLA: the decision deadline plus 10 business days).
    public var timeToFirstDisbursement: [String: DurationStatistics]
    /// Released / committed over all signed grants, per currency, from the ledger: what a termination or closure
    /// de-committed is no longer committed.
    public var disbursement: [Disbursement]
    /// Reports not yet in (scheduled, due or returned) whose due date has passed, of grants still running (active,
    /// suspended or closing); the same rule as a report's overdue flag.
    public var overdueReports: Int
    /// Distinct people who passed a training, per organisation and gender (`unspecified` when not given).
    public var trainedStaff: [TrainedStaff]

    public struct Disbursement: Codable, Sendable, Equatable {
        public var committed: Money
        public var released: Money
        public var ratePercent: Double?
    }

    public struct TrainedStaff: Codable, Sendable, Equatable {
        public var organisation: String
        public var gender: String
        public var people: Int
    }

    /// How long something took over a set of proposals, against its service level.
    public struct DurationStatistics: Codable, Sendable, Equatable {
        public var count: Int
        public var medianBusinessHours: Double?
        public var p90BusinessHours: Double?
        public var medianBusinessDays: Double?
        public var p90BusinessDays: Double?
        /// How many finished within their service level (e.g. the decision by `decision_due`).
        public var withinSLA: Int
        /// `withinSLA` as a percentage of `count`.
        public var withinSLAPercent: Double?
    }

    /// Decisions in one cluster.
    public struct ClusterApprovalRate: Codable, Sendable, Equatable {
        public var cluster: Cluster
        public var approved: Int
        public var rejected: Int
        /// Failed screening.
        public var ineligible: Int
        public var approvalRatePercent: Double?
    }

    /// One envelope of one call.
    public struct EnvelopeUse: Codable, Sendable, Equatable {
        public var call: String
        public var cluster: Cluster
        public var envelope: Money
        public var committed: Money
        public var usePercent: Double?
    }
}

/// Statistics over a list of numbers.
enum Statistics {
    /// The middle value (the mean of the two middle values for an even count), nil when empty.
    static func median(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let middle = sorted.count / 2
        return sorted.count.isMultiple(of: 2) ? (sorted[middle - 1] + sorted[middle]) / 2 : sorted[middle]
    }

    /// The nearest-rank percentile (`p` in 1…100), nil when empty.
    static func percentile(_ p: Int, of values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let rank = Int((Double(p) / 100 * Double(sorted.count)).rounded(.up))
        return sorted[max(0, min(sorted.count - 1, rank - 1))]
    }

    /// `part / whole` in percent, one decimal; nil when `whole` is zero.
    static func percent(_ part: Int64, of whole: Int64) -> Double? {
        guard whole != 0 else { return nil }
        return (Double(part) * 1000 / Double(whole)).rounded() / 10
    }
}

extension FundKPIs.DurationStatistics {
    /// Statistics over (start, end, deadline) triples, durations measured in `calendar`.
    init(_ spans: [(start: Date, end: Date, deadline: Date)], calendar: BusinessCalendar) {
        let hours = spans.map { calendar.businessSeconds(from: $0.start, to: $0.end) / 3600 }
        let hoursPerDay = Double(calendar.workdayEndMinute - calendar.workdayStartMinute) / 60
        let days = hours.map { $0 / hoursPerDay }
        count = spans.count
        medianBusinessHours = Statistics.median(hours).map(Self.oneDecimal)
        p90BusinessHours = Statistics.percentile(90, of: hours).map(Self.oneDecimal)
        medianBusinessDays = Statistics.median(days).map(Self.oneDecimal)
        p90BusinessDays = Statistics.percentile(90, of: days).map(Self.oneDecimal)
        withinSLA = spans.filter { $0.end <= $0.deadline }.count
        withinSLAPercent = Statistics.percent(Int64(withinSLA), of: Int64(count))
    }

    static func oneDecimal(_ value: Double) -> Double { (value * 10).rounded() / 10 }
}

extension FundStore {
    /// The fund's KPIs from the current data.
    public func kpis() throws -> FundKPIs {
        try read("report.kpis") { connection, viewer in
            try viewer.require(.finance, notFound: Self.financeOnly)
            var byState: [String: Int] = [:]
            for row in try connection.query("SELECT state, count(*)::int AS n FROM proposals GROUP BY state").rows {
                byState[try row.decode("state")] = try row.decode("n", as: Int.self)
            }
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
            let rates = try connection.query(
                """
                SELECT cluster, count(*) FILTER (WHERE state = 'approved')::int AS approved,
                       count(*) FILTER (WHERE state = 'rejected')::int AS rejected,
                       count(*) FILTER (WHERE state = 'ineligible')::int AS ineligible
                FROM proposals GROUP BY cluster ORDER BY cluster
                """
            ).rows.map { row in
                let approved: Int = try row.decode("approved")
                let rejected: Int = try row.decode("rejected")
                return FundKPIs.ClusterApprovalRate(
                    cluster: try Cluster.stored(try row.decode("cluster")), approved: approved, rejected: rejected,
                    ineligible: try row.decode("ineligible"), approvalRatePercent: Statistics.percent(Int64(approved), of: Int64(approved + rejected))
                )
            }
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
                            deadline: calendar.addingBusinessHours(10 * (calendar.workdayEndMinute - calendar.workdayStartMinute) / 60, to: due))
                disbursementSpans[try row.decode("kind", as: String.self), default: []].append(span)
                disbursementSpans["all", default: []].append(span)
            }
            let disbursement = try connection.query(
                """
                SELECT a.currency,
                       coalesce(sum(e.amount_minor) FILTER (WHERE a.kind = 'committed' AND t.kind IN ('commit', 'decommit')), 0)::bigint AS committed,
                       coalesce(sum(e.amount_minor) FILTER (WHERE a.kind = 'released' AND t.kind = 'release'), 0)::bigint AS released
                FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id JOIN ledger_accounts a ON a.id = e.account_id
                JOIN grants g ON g.proposal_id = a.proposal_id AND g.signed_on IS NOT NULL
                WHERE a.kind IN ('committed', 'released')
                GROUP BY a.currency ORDER BY a.currency
                """
            ).rows.map { row in
                let currency = try Currency.stored(try row.decode("currency"))
                let committed: Int64 = try row.decode("committed")
                let released: Int64 = try row.decode("released")
                return FundKPIs.Disbursement(
                    committed: Money(minorUnits: committed, currency: currency), released: Money(minorUnits: released, currency: currency),
                    ratePercent: Statistics.percent(released, of: committed)
                )
            }
            let today = self.today
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
                timeToFirstDisbursement: disbursementSpans.mapValues { FundKPIs.DurationStatistics($0, calendar: calendar) },
                disbursement: disbursement, overdueReports: overdue, trainedStaff: trained
            )
        }
    }
}
