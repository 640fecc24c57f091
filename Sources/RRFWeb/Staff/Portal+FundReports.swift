import Foundation
import Hummingbird
import RRFStore
import RRFWorkflow

// The fund's figures for its managers and donors: the KPI dashboard (times against the SLA in business hours,
// approval rates per cluster, envelope use, disbursement) with server-drawn charts, and the open-data downloads.

extension Portal {
    func addFundReportRoutes(to router: Router<WebContext>) {
        router.get("/kpis") { request, _ in try await signedIn(request) { store, person in try await kpiDashboard(request, store: store, person: person) } }
        router.get("/exports/{file}") { request, context in
            let file = context.parameters.get("file") ?? ""
            return try await signedIn(request) { store, _ in try await download(file, store: store) }
        }
    }

    func kpiDashboard(_ request: Request, store: FundStore, person: SignedInPerson) async throws -> Response {
        let kpis = try await runner.run { try store.kpis() }
        let messages = pages.messages(for: request)
        func percent(_ value: Double?) -> String { value.map { String(format: "%.0f %%", $0) } ?? "—" }
        func hours(_ value: Double?) -> String { value.map { String(format: "%.1f", $0) } ?? "—" }
        func durations(_ statistics: [String: FundKPIs.DurationStatistics]) -> [[String: Any]] {
            statistics.keys.sorted().map { kind in
                let figures = statistics[kind]!
                return [
                    "kind": messages["call_kind_\(kind)"] ?? kind, "count": figures.count, "median": hours(figures.medianBusinessHours),
                    "p90": hours(figures.p90BusinessHours), "withinSLA": "\(figures.withinSLA) (\(percent(figures.withinSLAPercent)))",
                ]
            }
        }
        let approval = BarChart(title: messages["approval_rate_chart"] ?? "", bars: kpis.approvalRates.map {
            .init(label: $0.cluster.displayName, percent: $0.approvalRatePercent ?? 0, value: "\(percent($0.approvalRatePercent)) (\($0.approved)/\($0.approved + $0.rejected))")
        })
        let envelopes = BarChart(title: messages["envelope_use_chart"] ?? "", bars: kpis.envelopeUse.map {
            .init(label: "\($0.call) \($0.cluster.displayName)", percent: $0.usePercent ?? 0, value: "\(percent($0.usePercent)) of \($0.envelope.grouped)")
        })
        let disbursement = BarChart(title: messages["disbursement_chart"] ?? "", bars: kpis.disbursement.map {
            .init(label: $0.committed.currency.code, percent: $0.ratePercent ?? 0, value: "\($0.released.grouped) / \($0.committed.grouped)")
        })
        let values: [String: Any] = [
            "decision": durations(kpis.timeToDecision), "disbursementTimes": durations(kpis.timeToFirstDisbursement),
            "states": kpis.proposalsByState.keys.sorted().map { ["state": pages.state($0, for: request), "count": kpis.proposalsByState[$0]!] },
            "approvalChart": approval.svg, "envelopeChart": envelopes.svg, "disbursementChart": disbursement.svg,
            "overdueReports": kpis.overdueReports,
            "exports": ExportAggregate.allCases.map { ["file": "\($0.rawValue).csv", "name": $0.rawValue] },
        ]
        return pages.render("kpis", values, request: request, person: person.page)
    }

    /// A download: `<aggregate>.csv`, `hxl.csv` or `iati.xml`, as `rrfctl export` writes them.
    func download(_ file: String, store: FundStore) async throws -> Response {
        let configuration = self.configuration
        let (body, type): (String, String) = try await runner.run {
            var text = ""
            switch file {
            case "iati.xml":
                let organisation = try IATIOrganisation.reporting(ref: configuration.iatiOrganisationRef, type: "40", name: configuration.fundName)
                return (IATIXML.document(try store.iatiActivities(reportingOrg: organisation), generated: Date()), "application/xml; charset=utf-8")
            case "hxl.csv":
                try store.exportHXL(funder: configuration.fundName, header: { text += CSV.record($0) }, record: { text += CSV.record($0) })
            default:
                guard file.hasSuffix(".csv"), let aggregate = ExportAggregate(rawValue: String(file.dropLast(4))) else {
                    throw StoreError.notFound("There is no export \(file).")
                }
                try store.export(aggregate, header: { text += CSV.record($0) }, record: { text += CSV.record($0) })
            }
            return (text, "text/csv; charset=utf-8")
        }
        return Response(
            status: .ok, headers: [.contentType: type, .contentDisposition: "attachment; filename=\"rrf-\(file)\"", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: body))
        )
    }
}
