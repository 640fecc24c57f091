import BenchSummary
import Foundation
import Postgres
import RRFStore
import RRFWorkflow

// `rrfbench kpis`: the KPI report at scale, from the stored spans (FundStore.kpis) beside the full computation
// (FundStore.kpisRecomputed), on one throwaway cluster in one run.

/// Runs the KPI benchmark: `swift run -c release rrfbench kpis [--proposals 1000000] [--runs 3]`.
func runKPIBenchmark(proposals: Int, runs: Int) throws {
    let bench = try BenchCluster(applicationName: "rrfbench-kpis")
    defer { bench.stop() }
    let pool = ConnectionPool(configuration: bench.database, maximumConnections: 2)
    let store = FundStore(pool: pool, logLevel: "critical")
    let templates = try KPIScaleFund.seed(store, connection: bench.connection)
    let generated = Date()
    let counts = try KPIScaleFund.bulk(proposals, like: templates, on: bench.connection)
    print("generated \(counts.proposals) proposals, \(counts.grants) grants, \(counts.released) first releases, \(counts.ledgerEntries) ledger entries and \(counts.spans) KPI spans "
          + "in set-based SQL in " + String(format: "%.1f s", Date().timeIntervalSince(generated)))

    let counting = Date()
    _ = try store.kpis()
    print(String(format: "first report after the copy: counted the %d uncounted spans in the calendar in %.1f s", counts.spans, Date().timeIntervalSince(counting)))
    let comparison = try store.kpiComparison()
    print("stored and recomputed figures " + (comparison.firstDifference.map { "DIFFER: \($0)" } ?? "agree"))

    var full: [Double] = [], stored: [Double] = []
    for _ in 0..<runs {
        var started = Date()
        _ = try store.kpisRecomputed()
        full.append(Date().timeIntervalSince(started) * 1000)
        started = Date()
        _ = try store.kpis()
        stored.append(Date().timeIntervalSince(started) * 1000)
    }
    func line(_ times: [Double]) -> String { times.map { String(format: "%.0f", $0) }.joined(separator: " / ") + " ms" }
    print("KPI report, \(counts.proposals) proposals, \(runs) runs: full computation \(line(full)); stored spans \(line(stored))")
    let command = "swift build -c release --product rrfbench && .build/release/rrfbench kpis --proposals \(proposals) --runs \(runs)"
    print("reproduce: " + command)
    BenchFigure(
        "KPI report, \(counts.proposals) proposals, \(counts.ledgerEntries) ledger entries", result: line(stored),
        baseline: "full computation " + line(full), target: "< 500 ms", met: stored.max().map { $0 < 500 }, command: command
    ).record()
}

/// The benchmark's fund: people, ten assessed partners and two calls (standard SA-1, reserve SA-2) through the
/// store, one proposal per call approved, signed and its first tranche released; then bulk copies of those.
enum KPIScaleFund {
    /// The template proposals' references: standard, reserve.
    static func seed(_ store: FundStore, connection: Connection) throws -> (standard: String, reserve: String) {
        _ = try store.addUser(login: "admin", displayName: "Ada Admin", roles: [.admin], as: nil)
        _ = try store.addUser(login: "sec", displayName: "Sam Secretariat", roles: [.secretariat], as: "admin")
        _ = try store.addUser(login: "fm", displayName: "Fatima Manager", roles: [.fundManager], as: "admin")
        _ = try store.addUser(login: "fin", displayName: "Fiona Finance", roles: [.financeOfficer], as: "admin")
        let expires = LocalDate(Date(), utcOffsetMinutes: 0).adding(days: 300)
        for number in 1...10 {
            let code = String(format: "NGO-%03d", number)
            _ = try store.registerOrganisation(code: code, name: "Partner \(number)", country: "KE", as: "sec")
            _ = try store.assessOrganisation(code, risk: .low, dueDiligenceExpires: expires, as: "sec")
        }
        _ = try store.addUser(login: "ngo", displayName: "Nadia Hassan", roles: [.ngoUser], organisations: ["NGO-001"], as: "admin")
        let usd = try Currency(code: "USD")
        var references: [String] = []
        for (code, kind) in [("SA-1", CallKind.standard), ("SA-2", .reserve)] {
            let configuration = CallConfiguration(
                title: "Floods \(code)", kind: kind, currency: usd, envelopes: [.health: Money(minorUnits: 10_000_000_000, currency: usd)],
                perProposalCeiling: Money(minorUnits: 5_000_000, currency: usd), submissionDeadline: Date().addingTimeInterval(20 * 86_400),
                reviewDeadline: Date().addingTimeInterval(21 * 86_400), decisionSLA: kind == .reserve ? .reserveCall : .businessDays(10),
                scorecard: CallDefaults.scorecard
            )
            _ = try store.createCall(code: code, configuration: configuration, as: "sec")
            _ = try store.openCall(code, as: "sec")
            try store.deposit(call: code, cluster: .health, amount: Money(minorUnits: 1_000_000_000, currency: usd), donor: "ECHO", as: "fin")
            let proposal = try store.submitProposal(ProposalSubmission(
                organisation: "NGO-001", call: code, cluster: "health", title: "Cholera response", summary: "Water and care.", locations: ["Garissa"],
                beneficiaries: 1_000, requested: "1000 USD", durationMonths: 6, budgetLines: [.init(description: "Everything", amount: "1000 USD")]
            ), as: "ngo")
            try connection.query("UPDATE proposals SET state = 'scored', version = version + 1 WHERE id = $1", [proposal.id])
            _ = try store.decideProposal(proposal.reference, .approve(amount: proposal.requested, justification: "Sound."), as: "fm")
            let grant = try store.signGrant(proposal.reference, signatory: "Amina Yusuf, Director", as: "fm")
            _ = try store.evaluateTranches(grant.reference, trainingShortfalls: [], as: "sec")
            let tranche = try store.approveTranche(grant.reference, sequence: 1, as: "fm")
            _ = try store.releaseTranche(grant.reference, sequence: 1, amount: tranche.amount, idempotencyKey: "first-\(grant.reference)", as: "fin")
            references.append(proposal.reference)
        }
        return (references[0], references[1])
    }
}
