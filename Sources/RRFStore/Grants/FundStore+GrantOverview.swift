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
    /// (one check of the caller instead of one per grant and list).
    public func grantOverviews(limit: Int = 50) throws -> [GrantOverview] {
        let today = self.today
        return try read("grant.overview") { connection, viewer in
            let grants = try connection.query(
                GrantRecord.select + " WHERE ($2::uuid[] IS NULL OR g.organisation_id = ANY($2::uuid[])) ORDER BY g.reference LIMIT $1",
                [Validate.limit(limit), viewer.organisationFilter(.grants)]
            ).rows.map(GrantRecord.init(row:))
            return try grants.map { grant in
                GrantOverview(
                    grant: grant, tranches: try loadTranches(grant, lock: .unlocked, on: connection),
                    reports: try loadReports(grant, today: today, on: connection)
                )
            }
        }
    }
}
