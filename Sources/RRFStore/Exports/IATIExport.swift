import Foundation
import Postgres
import RRFWorkflow

extension FundStore {
    /// One IATI activity per signed grant (see ``IATIXML``), from the grants, tranches, reports and ledger:
    /// commitment = the grant's amount on its signing day; one disbursement per released tranche on its release
    /// day; one expenditure per accepted financial report (the report's cumulative spending minus the previous
    /// accepted report's) on its acceptance day. Funders are the donors whose deposits fund the grant's
    /// envelope. `reportingOrg` is the fund's manager (also the extending organisation); the identifier is
    /// `<reporting-org ref>-<grant reference>`.
    public func iatiActivities(reportingOrg: IATIOrganisation) throws -> [IATIActivity] {
        try read("export.iati") { connection in
            try connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            let grants = try connection.query(
                """
                SELECT g.id, g.reference, g.state, g.amount_minor, g.currency, g.cluster, g.start_date::text AS start_date,
                       g.end_date::text AS end_date, g.signed_on::text AS signed_on, g.call_id, p.title, p.summary,
                       o.name AS organisation, o.country
                FROM grants g JOIN proposals p ON p.id = g.proposal_id JOIN organisations o ON o.id = g.organisation_id
                WHERE g.signed_on IS NOT NULL ORDER BY g.reference
                """
            ).rows
            let offset = calendar.utcOffsetMinutes
            return try grants.map { row in
                let id: UUID = try row.decode("id")
                let currency = try Currency.stored(try row.decode("currency"))
                let cluster = try Cluster.stored(try row.decode("cluster"))
                let signedOn = try LocalDate.stored(try row.decode("signed_on"))
                var transactions = [IATIActivity.Transaction(
                    type: .commitment, date: signedOn, value: Money(minorUnits: try row.decode("amount_minor"), currency: currency),
                    description: "Grant agreement signed"
                )]
                for tranche in try connection.query(
                    "SELECT sequence, amount_minor, released_at FROM tranches WHERE grant_id = $1 AND state = 'released' ORDER BY sequence", [id]
                ).rows {
                    transactions.append(.init(
                        type: .disbursement, date: LocalDate(try tranche.decode("released_at", as: Date.self), utcOffsetMinutes: offset),
                        value: Money(minorUnits: try tranche.decode("amount_minor"), currency: currency),
                        description: "Tranche \(try tranche.decode("sequence", as: Int.self)) released"
                    ))
                }
                var spentBefore: Int64 = 0
                for report in try connection.query(
                    "SELECT sequence, spent_minor, reviewed_at FROM grant_reports WHERE grant_id = $1 AND state = 'accepted' ORDER BY sequence", [id]
                ).rows {
                    let spent: Int64 = try report.decode("spent_minor")
                    if spent > spentBefore {
                        transactions.append(.init(
                            type: .expenditure, date: LocalDate(try report.decode("reviewed_at", as: Date.self), utcOffsetMinutes: offset),
                            value: Money(minorUnits: spent - spentBefore, currency: currency),
                            description: "Spending in report \(try report.decode("sequence", as: Int.self))"
                        ))
                    }
                    spentBefore = max(spentBefore, spent)
                }
                let donors = try connection.query(
                    """
                    SELECT DISTINCT d.donor
                    FROM ledger_accounts envelope
                    JOIN ledger_entries ee ON ee.account_id = envelope.id
                    JOIN ledger_transactions t ON t.id = ee.transaction_id AND t.kind = 'deposit'
                    JOIN ledger_entries de ON de.transaction_id = t.id
                    JOIN ledger_accounts d ON d.id = de.account_id AND d.kind = 'donor'
                    WHERE envelope.kind = 'envelope' AND envelope.call_id = $1 AND envelope.cluster = $2
                    ORDER BY d.donor
                    """,
                    [try row.decode("call_id", as: UUID.self), cluster.rawValue]
                ).rows.map { try $0.decode("donor", as: String.self) }
                let state: String = try row.decode("state")
                let status: IATIActivity.Status = switch state {
                case "closing": .finalisation
                case "closed": .closed
                case "terminated": .cancelled
                case "suspended": .suspended
                default: .implementation
                }
                let summary: String = try row.decode("summary")
                let title: String = try row.decode("title")
                return IATIActivity(
                    identifier: "\(reportingOrg.ref ?? "RRF")-\(try row.decode("reference", as: String.self))", reportingOrg: reportingOrg,
                    title: title, description: summary.isEmpty ? title : summary,
                    funders: donors.map { IATIOrganisation(ref: nil, type: "90", name: $0) }, extending: reportingOrg,
                    implementing: IATIOrganisation(ref: nil, type: "22", name: try row.decode("organisation")), status: status,
                    start: try LocalDate.stored(try row.decode("start_date")), plannedEnd: try LocalDate.stored(try row.decode("end_date")),
                    recipientCountry: try row.decode("country"), sectors: [.init(cluster: cluster, percentage: 100)], currency: currency,
                    transactions: transactions, lastUpdated: clock()
                )
            }
        }
    }
}
