import Foundation
import Postgres
import RRFWorkflow

/// HXL-tagged CSV ("who does what where") of the fund's proposals: the CSV rules of ``CSV``, a header row,
/// then the HXL hashtag row, then one row per proposal that passed screening, ordered by reference.
///
/// | column | hashtag |
/// |---|---|
/// | funder | `#org +funder` (the fund) |
/// | implementing organisation | `#org +impl` |
/// | organisation code | `#org +impl +code` |
/// | cluster | `#sector +cluster` (the cluster's name) |
/// | cluster code | `#sector +cluster +code` (IATI vocabulary 10 acronym, e.g. `HEA`) |
/// | reference | `#activity +code` |
/// | title | `#activity +name` |
/// | country | `#country +code` (ISO 3166-1 alpha-2 of the organisation) |
/// | locations | `#adm1 +name` (names as submitted, `; ` between them: proposals carry no P-codes) |
/// | requested | `#value +requested` |
/// | approved | `#value +funded` (empty until approved) |
/// | currency | `#currency` |
/// | submitted | `#date +start` (YYYY-MM-DD) |
/// | status | `#status` (the proposal's state) |
public enum HXLExport {
    public static let headers = [
        "Funder", "Implementing organisation", "Organisation code", "Cluster", "Cluster code", "Reference", "Title", "Country",
        "Locations", "Requested", "Approved", "Currency", "Submitted", "Status",
    ]
    public static let hashtags = [
        "#org +funder", "#org +impl", "#org +impl +code", "#sector +cluster", "#sector +cluster +code", "#activity +code",
        "#activity +name", "#country +code", "#adm1 +name", "#value +requested", "#value +funded", "#currency", "#date +start", "#status",
    ]

    static func table(funder: String) -> ExportTable {
        ExportTable(
            headers: headers, hashtags: hashtags,
            select: """
                SELECT o.name AS organisation, o.code AS organisation_code, o.country, p.cluster, p.reference, p.title,
                       array_to_string(p.locations, '; ') AS locations, p.requested_minor, p.approved_minor, p.currency,
                       (p.submitted_at AT TIME ZONE 'UTC')::date::text AS submitted, p.state
                FROM proposals p JOIN organisations o ON o.id = p.organisation_id
                WHERE p.state NOT IN ('draft', 'ineligible')
                ORDER BY p.reference
                """,
            count: "SELECT count(*)::int AS n FROM proposals WHERE state NOT IN ('draft', 'ineligible')"
        ) { row, _ in
            let currency: String = try row.decode("currency")
            let cluster = try Cluster.stored(try row.decode("cluster"))
            return [
                funder, try row.decode("organisation"), try row.decode("organisation_code"), cluster.displayName, cluster.iatiCode,
                try row.decode("reference"), try row.decode("title"), try row.decode("country"), try row.decode("locations"),
                try ExportTable.amount(try row.decode("requested_minor"), currency),
                try row.decode("approved_minor", as: Int64?.self).map { try ExportTable.amount($0, currency) } ?? "",
                currency, try row.decode("submitted"), try row.decode("state"),
            ]
        }
    }
}

extension FundStore {
    /// Streams the HXL export (see ``HXLExport``); `funder` names the fund in `#org +funder`.
    public func exportHXL(
        funder: String, pageSize: Int = 500, header: ([String]) throws -> Void, record: ([String]) throws -> Void,
        progress: (Int, Int) -> Void = { _, _ in }
    ) throws {
        let funder = try parsedRule { () throws(WorkflowRejection) in try Validate.text(funder, field: "funder's name (--funder)", maximum: TextLimit.line) }
        try export(HXLExport.table(funder: funder), name: "hxl", pageSize: pageSize, header: header, record: record, progress: progress)
    }
}
