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
            Envelope use = committed / envelope per call and cluster. The durations come from the spans stored \
            when each decision and first release was recorded. With --recompute the report is also computed in full \
            from the stored facts over the same snapshot: it prints whether both agree and, when they do not, \
            names the first differing figure and exits with code 3 (--json prints the stored report either way).
            """
    )
    @OptionGroup var options: ReadOptions
    @Flag(help: "Also compute the report in full from the stored facts; exit code 3 when it differs from the stored figures.")
    var recompute = false

    func perform(_ store: FundStore) throws -> Annotated<FundKPIs, KPIComparison?> {
        if recompute {
            let comparison = try store.kpiComparison()
            return Annotated(value: comparison.stored, note: comparison)
        }
        return Annotated(value: try store.kpis(), note: nil)
    }

    func show(_ result: Annotated<FundKPIs, KPIComparison?>) {
        print(KPIText.render(result.value))
        guard let comparison = result.note else { return }
        if let difference = comparison.firstDifference {
            print("The stored figures differ from the full computation: \(difference).")
        } else {
            print("The stored figures agree with the full computation.")
        }
    }

    /// Refuses (exit code 3) when the stored figures differ from the full computation.
    func conclude(_ result: Annotated<FundKPIs, KPIComparison?>) throws {
        if let difference = result.note?.firstDifference {
            throw StoreError(.rejected, code: "kpis_differ", "The stored KPI figures differ from the full computation: \(difference).")
        }
    }
}
