import ArgumentParser
import Foundation
import RRFStore

/// `rrfctl kpis`: the fund's key performance indicators from the current data.
struct KPIsCommand: StoreQuery {
    static let configuration = CommandConfiguration(
        commandName: "kpis",
        abstract: "Show the fund's KPIs: time to decision against the SLA, approval rates, envelope use.",
        discussion: """
            Durations are business hours of the fund's calendar (Monday to Friday, 08:00–17:00 UTC): the median \
            and the 90th percentile (nearest rank) of the time from submission to decision, per call kind, and how \
            many decisions came within their SLA. Approval rate = approved / (approved + rejected) per cluster. \
            Envelope use = committed / envelope per call and cluster.
            """
    )
    @OptionGroup var options: ReadOptions

    func perform(_ store: FundStore) throws -> FundKPIs { try store.kpis() }

    func show(_ kpis: FundKPIs) { print(KPIText.render(kpis)) }
}
