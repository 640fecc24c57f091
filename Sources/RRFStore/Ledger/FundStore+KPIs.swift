import Foundation
import Postgres
import RRFWorkflow

/// The KPI report from the stored spans, and its check against the full computation.
extension FundStore {
    /// The fund's KPIs from the current data, in one snapshot: durations from the stored spans (``KPISpans``),
    /// proposals per state and cluster from the counts kept beside them (`proposal_state_counts`, sql/0028), the
    /// disbursement from the totals kept beside the ledger (`kpi_disbursement_totals`, sql/0031).
    /// Spans not yet counted in the store's calendar (copied by the migration, or counted in another calendar)
    /// are counted first, in the same transaction.
    public func kpis() throws -> FundKPIs {
        try read("report.kpis", isolation: .repeatableRead) { connection, viewer in
            try viewer.require(.finance, notFound: Self.financeOnly)
            return try storedKPIs(on: connection)
        }
    }

    /// The report from the stored spans and the full computation (``kpisRecomputed()``), in one snapshot.
    public func kpiComparison() throws -> KPIComparison {
        try read("report.kpis.compare", isolation: .repeatableRead) { connection, viewer in
            try viewer.require(.finance, notFound: Self.financeOnly)
            let stored = try storedKPIs(on: connection)
            return KPIComparison(stored: stored, recomputed: try recomputedKPIs(on: connection))
        }
    }

    private func storedKPIs(on connection: Connection) throws -> FundKPIs {
        try KPISpans.countStale(calendar: calendar, on: connection)
        var byState: [String: Int] = [:]
        for row in try connection.query(
            "SELECT state, sum(proposals)::int AS n FROM proposal_state_counts GROUP BY state HAVING sum(proposals) <> 0"
        ).rows {
            byState[try row.decode("state")] = try row.decode("n", as: Int.self)
        }
        let rates = try connection.query(
            """
            SELECT cluster, coalesce(sum(proposals) FILTER (WHERE state = 'approved'), 0)::int AS approved,
                   coalesce(sum(proposals) FILTER (WHERE state = 'rejected'), 0)::int AS rejected,
                   coalesce(sum(proposals) FILTER (WHERE state = 'ineligible'), 0)::int AS ineligible
            FROM proposal_state_counts GROUP BY cluster HAVING sum(proposals) <> 0 ORDER BY cluster
            """
        ).rows.map(FundKPIs.ClusterApprovalRate.init(row:))
        return try kpis(
            proposalsByState: byState, approvalRates: rates,
            timeToDecision: KPISpans.statistics(.decision, calendar: calendar, on: connection),
            timeToFirstDisbursement: KPISpans.statistics(.firstRelease, calendar: calendar, on: connection),
            disbursement: connection.query(
                """
                SELECT currency, sum(committed_minor)::bigint AS committed, sum(released_minor)::bigint AS released
                FROM kpi_disbursement_totals GROUP BY currency ORDER BY currency
                """
            ).rows.map(FundKPIs.Disbursement.init(row:)),
            on: connection
        )
    }
}

/// The KPI report twice over one snapshot: from the stored spans and from the full computation.
public struct KPIComparison: Codable, Sendable, Equatable {
    /// What the report shows (``FundStore/kpis()``).
    public let stored: FundKPIs
    /// The reference (``FundStore/kpisRecomputed()``).
    public let recomputed: FundKPIs

    /// Whether the two agree in every figure.
    public var agree: Bool { firstDifference == nil }

    /// The first figure in which they differ (its JSON path, e.g. `timeToDecision.reserve.p90BusinessHours`) with
    /// both values, nil when they agree. Figures are visited in the order of their sorted JSON keys.
    public var firstDifference: String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let storedJSON = try? JSONSerialization.jsonObject(with: encoder.encode(stored), options: [.fragmentsAllowed]),
              let recomputedJSON = try? JSONSerialization.jsonObject(with: encoder.encode(recomputed), options: [.fragmentsAllowed])
        else { return stored == recomputed ? nil : "the report (it could not be encoded to compare)" }
        return Self.difference(storedJSON, recomputedJSON, at: "")
    }

    private static func difference(_ stored: Any?, _ recomputed: Any?, at path: String) -> String? {
        switch (stored, recomputed) {
        case (let left as [String: Any], let right as [String: Any]):
            for key in Set(left.keys).union(right.keys).sorted() {
                if let found = difference(left[key], right[key], at: path.isEmpty ? key : "\(path).\(key)") { return found }
            }
            return nil
        case (let left as [Any], let right as [Any]):
            for index in 0..<max(left.count, right.count) {
                if let found = difference(index < left.count ? left[index] : nil, index < right.count ? right[index] : nil, at: "\(path)[\(index)]") {
                    return found
                }
            }
            return nil
        default:
            let left = text(stored), right = text(recomputed)
            return left == right ? nil : "\(path): stored \(left), recomputed \(right)"
        }
    }

    private static func text(_ value: Any?) -> String {
        guard let value, !(value is NSNull) else { return "none" }
        return "\(value)"
    }
}
