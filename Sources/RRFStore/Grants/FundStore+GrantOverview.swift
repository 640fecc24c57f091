import Foundation
import Postgres
import RRFWorkflow

/// A grant with its tranches (and what each waits for) and its reports (with their overdue flag): what a
/// dashboard shows of one grant.
public struct GrantOverview: Sendable {
    public let grant: GrantRecord
    public let tranches: [TrancheRecord]
    public let reports: [ReportRecord]
}

extension FundStore {
    /// The grants the reader may see, by reference, each with its tranches and reports, in one transaction
    /// and three statements however many grants there are (one for the grants, one for all their tranches, one
    /// for all their reports).
    public func grantOverviews(limit: Int = 50) throws -> [GrantOverview] {
        let today = self.today
        return try read("grant.overview") { connection, viewer in
            let grants = try connection.query(
                GrantRecord.select + " WHERE ($2::uuid[] IS NULL OR g.organisation_id = ANY($2::uuid[])) ORDER BY g.reference LIMIT $1",
                [Validate.limit(limit), viewer.organisationFilter(.grants)]
            ).rows.map(GrantRecord.init(row:))
            guard !grants.isEmpty else { return [] }
            let ids = grants.map(\.id)
            let tranches = try Dictionary(grouping: connection.query(
                TrancheRecord.select + " WHERE t.grant_id = ANY($1::uuid[]) ORDER BY t.grant_id, t.sequence", [ids]
            ).rows.map(TrancheRecord.init(row:)), by: \.grant)
            let reports = try Dictionary(grouping: connection.query(
                ReportRecord.select + " WHERE r.grant_id = ANY($1::uuid[]) ORDER BY r.grant_id, r.sequence", [ids]
            ).rows.map { try ReportRecord(row: $0, today: today) }, by: \.grant)
            return grants.map { GrantOverview(grant: $0, tranches: tranches[$0.reference] ?? [], reports: reports[$0.reference] ?? []) }
        }
    }
}
