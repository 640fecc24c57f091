import Foundation
import Postgres
import RRFWorkflow

extension FundStore {
    /// One IATI activity per signed grant (see ``IATIXML``), its money read from the ledger so that it says what
    /// the KPIs and `ledger verify` say: commitment = the grant's amount on its signing day, reduced by a negative
    /// commitment when what was never released is de-committed (termination, closure); one disbursement per
    /// release transaction on its day, and a negative disbursement for the unspent balance refunded at closure;
    /// one expenditure per accepted financial report (its cumulative spending minus the previous accepted
    /// report's, never more than what had been disbursed by its acceptance) on its acceptance day. A closed or
    /// terminated grant has its actual end date. Funders are the donors whose deposits fund the grant's envelope.
    /// `reportingOrg` is the fund's manager (also the extending organisation); the identifier is
    /// `<reporting-org ref>-<grant reference>`.
    public func iatiActivities(reportingOrg: IATIOrganisation) throws -> [IATIActivity] {
        try read("export.iati", isolation: .repeatableRead) { connection, viewer in
            try viewer.require(.finance, notFound: Self.financeOnly)
            try connection.execute("SET TRANSACTION READ ONLY")
            let grants = try connection.query(
                """
                SELECT g.id, g.proposal_id, g.reference, g.state, g.amount_minor, g.currency, g.cluster, g.start_date::text AS start_date,
                       g.end_date::text AS end_date, g.signed_on::text AS signed_on, g.call_id, p.title, p.summary,
                       o.name AS organisation, o.country,
                       (SELECT max(e.occurred_at) FROM audit_events e
                        WHERE e.stream = $1 || g.reference AND e.event_type IN ('grant.closed', 'grant.terminated')) AS ended
                FROM grants g JOIN proposals p ON p.id = g.proposal_id JOIN organisations o ON o.id = g.organisation_id
                WHERE g.signed_on IS NOT NULL ORDER BY g.reference
                """,
                [Streams.grant("")]
            ).rows
            let offset = calendar.utcOffsetMinutes
            return try grants.map { row in
                let id: UUID = try row.decode("id")
                let reference: String = try row.decode("reference")
                let currency = try Currency.stored(try row.decode("currency"))
                let cluster = try Cluster.stored(try row.decode("cluster"))
                let signedOn = try LocalDate.stored(try row.decode("signed_on"))
                var transactions = [IATIActivity.Transaction(
                    type: .commitment, date: signedOn, value: Money(minorUnits: try row.decode("amount_minor"), currency: currency),
                    description: "Grant agreement signed"
                )]
                var disbursed: [(at: Date, minor: Int64)] = []
                for movement in try connection.query(
                    """
                    SELECT t.kind, t.occurred_at, e.amount_minor, tr.sequence
                    FROM ledger_transactions t JOIN ledger_entries e ON e.transaction_id = t.id
                    JOIN ledger_accounts a ON a.id = e.account_id AND a.proposal_id = t.proposal_id
                    LEFT JOIN tranches tr ON tr.ledger_transaction_id = t.id
                    WHERE t.proposal_id = $1 AND ((t.kind IN ('release', 'refund') AND a.kind = 'released') OR (t.kind = 'decommit' AND a.kind = 'committed'))
                    ORDER BY t.id
                    """,
                    [try row.decode("proposal_id", as: UUID.self)]
                ).rows {
                    let at: Date = try movement.decode("occurred_at")
                    let value = Money(minorUnits: try movement.decode("amount_minor"), currency: currency)
                    let date = LocalDate(at, utcOffsetMinutes: offset)
                    switch try movement.decode("kind", as: String.self) {
                    case "release":
                        let sequence = try movement.decode("sequence", as: Int?.self).map { " \($0)" } ?? ""
                        transactions.append(.init(type: .disbursement, date: date, value: value, description: "Tranche\(sequence) released"))
                        disbursed.append((at, value.minorUnits))
                    case "refund":
                        transactions.append(.init(type: .disbursement, date: date, value: value, description: "Unspent balance refunded"))
                        disbursed.append((at, value.minorUnits))
                    default:
                        transactions.append(.init(type: .commitment, date: date, value: value, description: "Commitment not released cancelled"))
                    }
                }
                var spentBefore: Int64 = 0
                for report in try connection.query(
                    "SELECT sequence, spent_minor, reviewed_at FROM grant_reports WHERE grant_id = $1 AND state = 'accepted' ORDER BY sequence", [id]
                ).rows {
                    let acceptedAt: Date = try report.decode("reviewed_at")
                    let disbursedThen = disbursed.filter { $0.at <= acceptedAt && $0.minor > 0 }.reduce(0) { $0 + $1.minor }
                    let spent = min(try report.decode("spent_minor", as: Int64.self), disbursedThen)
                    if spent > spentBefore {
                        transactions.append(.init(
                            type: .expenditure, date: LocalDate(acceptedAt, utcOffsetMinutes: offset),
                            value: Money(minorUnits: spent - spentBefore, currency: currency),
                            description: "Spending in report \(try report.decode("sequence", as: Int.self))"
                        ))
                    }
                    spentBefore = max(spentBefore, spent)
                }
                let ended: Date? = try row.decode("ended")
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
                let state: GrantMachine.State.Name = try .stored(in: row, of: "The grant \(reference)")
                let status: IATIActivity.Status = switch state {
                case .closing: .finalisation
                case .closed: .closed
                case .terminated: .cancelled
                case .suspended: .suspended
                case .agreementPending, .active: .implementation
                }
                let summary: String = try row.decode("summary")
                let title: String = try row.decode("title")
                return IATIActivity(
                    identifier: "\(reportingOrg.ref ?? "RRF")-\(reference)", reportingOrg: reportingOrg,
                    title: title, description: summary.isEmpty ? title : summary,
                    funders: donors.map { IATIOrganisation(ref: nil, type: "90", name: $0) }, extending: reportingOrg,
                    implementing: IATIOrganisation(ref: nil, type: "22", name: try row.decode("organisation")), status: status,
                    start: try LocalDate.stored(try row.decode("start_date")), plannedEnd: try LocalDate.stored(try row.decode("end_date")),
                    actualEnd: ended.map { LocalDate($0, utcOffsetMinutes: offset) },
                    recipientCountry: try row.decode("country"), sectors: [.init(cluster: cluster, percentage: 100)], currency: currency,
                    transactions: transactions, lastUpdated: clock()
                )
            }
        }
    }
}
