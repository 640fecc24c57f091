import Foundation
import RRFStore
import RRFWorkflow

/// The fund dashboard shown at the end of the demo (and printed as JSON with `demo --json`):
/// envelopes with what is committed, proposals by state, and the fund's KPIs, all read back from the database.
struct DemoDashboard: Codable {
    struct Envelope: Codable {
        let call: String
        let cluster: Cluster
        let amount: Money
        let committed: Money
        let uncommitted: Money
    }

    let calls: [String]
    let envelopes: [Envelope]
    /// Sum over all envelopes, in minor units, per currency code.
    let envelopeTotalMinor: [String: Int64]
    let committedTotalMinor: [String: Int64]
    /// Released tranches, in minor units, per currency code.
    let releasedTotalMinor: [String: Int64]
    let grantsByState: [String: Int]
    let proposalsByState: [String: Int]
    let kpis: FundKPIs
    /// The demo's people and how to sign in as each (the demo's passwords and one-time-password secrets are
    /// meant to be shown: nobody real uses them).
    var people: [DemoDesk.Credential] = []

    static func load(store: FundStore) throws -> DemoDashboard {
        let calls = try store.calls(limit: 1000)
        let envelopes = calls.sorted { $0.code < $1.code }.flatMap { call in
            call.envelopes.map { Envelope(call: call.code, cluster: $0.cluster, amount: $0.amount, committed: $0.committed, uncommitted: $0.uncommitted) }
        }
        let kpis = try store.kpis()
        let grants = try store.grants(limit: 1000)
        return DemoDashboard(
            calls: calls.map(\.code).sorted(), envelopes: envelopes,
            envelopeTotalMinor: envelopes.reduce(into: [:]) { $0[$1.amount.currency.code, default: 0] += $1.amount.minorUnits },
            committedTotalMinor: envelopes.reduce(into: [:]) { $0[$1.committed.currency.code, default: 0] += $1.committed.minorUnits },
            releasedTotalMinor: kpis.disbursement.reduce(into: [:]) { $0[$1.released.currency.code, default: 0] += $1.released.minorUnits },
            grantsByState: grants.reduce(into: [:]) { $0[$1.state, default: 0] += 1 },
            proposalsByState: kpis.proposalsByState, kpis: kpis
        )
    }

    func rendered() -> String {
        var envelopeTable = TextTable("CALL", "CLUSTER", "ENVELOPE", "COMMITTED", "LEFT", "USE")
        for envelope in envelopes {
            let use = kpis.envelopeUse.first { $0.call == envelope.call && $0.cluster == envelope.cluster }?.usePercent
            envelopeTable.add(
                envelope.call, envelope.cluster.displayName, envelope.amount.grouped, envelope.committed.grouped, envelope.uncommitted.grouped,
                use.map { "\($0) %" } ?? "-"
            )
        }
        var stateTable = TextTable("STATE", "PROPOSALS")
        for (state, count) in proposalsByState.sorted(by: { $0.key < $1.key }) { stateTable.add(state, "\(count)") }
        var grantTable = TextTable("STATE", "GRANTS")
        for (state, count) in grantsByState.sorted(by: { $0.key < $1.key }) { grantTable.add(state, "\(count)") }
        var sections = [
            "The fund dashboard", "", "Envelopes", envelopeTable.render(), "", "Proposals by state", stateTable.render(), "", "Grants by state", grantTable.render(),
            "", KPIText.render(kpis),
        ]
        var peopleTable = TextTable("LOGIN", "ROLES", "ORGANISATION", "PASSWORD", "ONE-TIME PASSWORD (otpauth URI)")
        for person in people {
            peopleTable.add(person.login, person.roles.joined(separator: ","), person.organisation ?? "-", person.password, person.totp ?? "-")
        }
        sections += ["", "The people of the demo fund: sign in as any of them (rrfctl login --login <login>)", peopleTable.render()]
        sections.append("")
        return sections.joined(separator: "\n")
    }
}

/// KPIs as text for people (shared by `demo` and `report kpis`).
enum KPIText {
    static func render(_ kpis: FundKPIs) -> String {
        var decision = TextTable("CALLS", "DECIDED", "MEDIAN", "P90", "WITHIN SLA")
        for (kind, statistics) in kpis.timeToDecision.sorted(by: { $0.key < $1.key }) {
            decision.add(
                kind, "\(statistics.count)", hours(statistics.medianBusinessHours), hours(statistics.p90BusinessHours),
                statistics.withinSLAPercent.map { "\(statistics.withinSLA) (\($0) %)" } ?? "-"
            )
        }
        var approval = TextTable("CLUSTER", "APPROVED", "REJECTED", "INELIGIBLE", "APPROVAL RATE")
        for rate in kpis.approvalRates {
            approval.add(rate.cluster.displayName, "\(rate.approved)", "\(rate.rejected)", "\(rate.ineligible)", rate.approvalRatePercent.map { "\($0) %" } ?? "-")
        }
        var disbursementTimes = TextTable("CALLS", "GRANTS", "MEDIAN", "P90", "WITHIN SLA")
        for (kind, statistics) in kpis.timeToFirstDisbursement.sorted(by: { $0.key < $1.key }) {
            disbursementTimes.add(
                kind, "\(statistics.count)", hours(statistics.medianBusinessHours), hours(statistics.p90BusinessHours),
                statistics.withinSLAPercent.map { "\(statistics.withinSLA) (\($0) %)" } ?? "-"
            )
        }
        var money = TextTable("COMMITTED", "RELEASED", "DISBURSEMENT RATE")
        for row in kpis.disbursement { money.add(row.committed.grouped, row.released.grouped, row.ratePercent.map { "\($0) %" } ?? "-") }
        var trained = TextTable("ORGANISATION", "GENDER", "PEOPLE TRAINED")
        for row in kpis.trainedStaff { trained.add(row.organisation, row.gender, "\(row.people)") }
        return [
            "Time from submission to decision (business hours)", decision.render(), "",
            "Approval rate per cluster", approval.render(), "",
            "Time from submission to first disbursement (business hours)", disbursementTimes.render(), "",
            "Disbursement", money.render(), "",
            "Overdue reports: \(kpis.overdueReports)", "",
            "Trained staff", trained.render(),
        ].joined(separator: "\n")
    }

    private static func hours(_ value: Double?) -> String { value.map { "\($0) h" } ?? "-" }
}
