import Foundation
import RRFStore
import RRFWorkflow

/// Acts 10 and 11: agreements and first tranches (four eyes), then months of reports, later tranches and closures.
extension DemoStory {
    func grants() throws {
        let manager = DemoCast.fundManager.login
        let finance = DemoCast.financeOfficer.login
        let approved = try store.proposals(ProposalFilter(state: "approved", limit: 1000))
        for (index, proposal) in approved.enumerated() {
            let grant = try desk.store(manager).signGrant(proposal.reference, signatory: "Director, \(proposal.organisation)", as: manager)
            grantReferences.append(grant.reference)
            let tranches = try desk.store(DemoCast.secretariat.login).evaluateTranches(grant.reference, as: DemoCast.secretariat.login)
            narrator.say("\(grant.organisation) signs grant \(grant.reference) for \(grant.amount.grouped) (\(grant.risk.rawValue) risk: \(tranches.count) tranches of \(tranches.map { $0.amount.grouped }.joined(separator: " / "))).")
            guard let first = tranches.first, first.stateName == .ready else {
                narrator.say("Its first tranche is not ready yet: \(tranches.first?.unmet.joined(separator: "; ") ?? "no tranche").")
                continue
            }
            if index == 0 {
                // The deputy holds both money roles: he approves, then may not release.
                _ = try desk.store(DemoCast.deputyManager.login).approveTranche(grant.reference, sequence: 1, as: DemoCast.deputyManager.login)
                do {
                    _ = try desk.store(DemoCast.deputyManager.login).releaseTranche(grant.reference, sequence: 1, amount: first.amount, idempotencyKey: "\(grant.reference)-T1", as: DemoCast.deputyManager.login)
                } catch let error as StoreError {
                    narrator.refused("\(DemoCast.deputyManager.name) approves tranche 1 of \(grant.reference) and tries to release it himself", error)
                }
            } else {
                _ = try desk.store(manager).approveTranche(grant.reference, sequence: 1, as: manager)
            }
            _ = try desk.store(finance).releaseTranche(grant.reference, sequence: 1, amount: first.amount, idempotencyKey: "\(grant.reference)-T1", as: finance)
            narrator.say("Tranche 1 of \(grant.reference) (\(first.amount.grouped)) is approved and released by \(DemoCast.financeOfficer.name).")
            clock.advance(businessHours: 1)
        }
    }

    /// Moves the clock to the morning after `date`.
    private func advance(past date: LocalDate) {
        let target = date.adding(days: 1).start(utcOffsetMinutes: store.calendar.utcOffsetMinutes).addingTimeInterval(9 * 3600)
        while clock.now < target { clock.advance(businessHours: 9) }
    }

    /// The partner that falls behind with its reporting: its reports end the story overdue.
    static let latePartner = "DARFUR-WOMEN"

    /// Months go by: every partner but one reports on time after each period, the fund accepts the reports,
    /// and the tranches whose conditions are now met are approved and released; it ends when the first grant
    /// has closed on its final report.
    func reportsAndTranches() throws {
        guard let closing = grantReferences.first else { return }
        let secretariat = DemoCast.secretariat.login
        var grants: [String: GrantRecord] = [:]
        for reference in grantReferences { grants[reference] = try store.grant(reference) }
        var toldLate: Set<String> = []
        while try store.grant(closing).stateName != .closed {
            // The next period to end among the reports the punctual partners still owe.
            let owed = try grantReferences.filter { grants[$0]?.organisation != Self.latePartner }.flatMap { reference in
                try store.reports(reference).filter { [.scheduled, .due].contains($0.stateName) }
            }
            guard let next = owed.min(by: { ($0.periodEnd, $0.grant) < ($1.periodEnd, $1.grant) }) else { break }
            advance(past: next.periodEnd)
            // rrfd's hourly `grant.mark_reports_due` job does this; the story cannot wait for the hour.
            let due = try desk.store(secretariat).markReportsDue(as: secretariat)
            for late in try store.notifyOverdueReports() {
                narrator.say("Report \(late.sequence) on \(late.grant) was due by \(late.dueDate) and is not in: rrfd's reports job tells \(grants[late.grant]?.organisation ?? "the partner") and the secretariat.")
            }
            for report in due.sorted(by: { ($0.grant, $0.sequence) < ($1.grant, $1.sequence) }) {
                guard let grant = grants[report.grant] else { continue }
                if grant.organisation == Self.latePartner {
                    if toldLate.insert(report.grant).inserted {
                        narrator.say("\(grant.organisation)'s \(report.kind.rawValue) report \(report.sequence) on \(report.grant) is due by \(report.dueDate); it will not come in time.")
                    }
                    continue
                }
                try submitAndAccept(report, of: grant)
            }
            clock.advance(businessHours: 3)
        }
        for reference in grantReferences where grants[reference]?.organisation == Self.latePartner {
            let overdue = try store.reports(reference).filter(\.overdue)
            guard !overdue.isEmpty else { continue }
            narrator.say("\(Self.latePartner) has \(overdue.count) overdue report(s) on \(reference) (the oldest due \(overdue[0].dueDate)); its next tranche waits for them.")
        }
        let closed = try store.grants(state: "closed", limit: 1000).filter { grantReferences.contains($0.reference) }
        for grant in closed {
            narrator.say("Grant \(grant.reference) of \(grant.organisation) is closed\(grant.refund.map { "; the unspent \($0.grouped) is refunded to the fund" } ?? "").")
        }
    }

    /// The partner reports a few days after the period (spending 85 % of what it received, 96 % at the end),
    /// the secretariat (the fund manager for a final report) accepts, and any tranche now ready is released.
    private func submitAndAccept(_ report: ReportRecord, of grant: GrantRecord) throws {
        let officer = DemoCast.ngoUser(DemoCast.partners.first { $0.code == grant.organisation }!).login
        let released = try store.tranches(grant.reference).filter { $0.stateName == .released }.reduce(Int64(0)) { $0 + $1.amount.minorUnits }
        let spent = Money(minorUnits: released * (report.kind == .final ? 96 : 85) / 100, currency: grant.amount.currency)
        _ = try desk.store(officer).submitReport(
            grant.reference, sequence: report.sequence, narrative: "Activities on plan for the period; \(spent.grouped) spent so far.",
            spending: [SpendingLine(line: "Activities, supplies and transport", amount: spent.description)], as: officer
        )
        clock.advance(businessHours: 4)
        let acceptor = report.kind == .final ? DemoCast.fundManager.login : DemoCast.secretariat.login
        _ = try desk.store(acceptor).acceptReport(grant.reference, sequence: report.sequence, as: acceptor)
        let which = report.kind == .final ? "final report" : "interim report \(report.sequence)"
        narrator.say("\(grant.organisation) sends its \(which) on \(grant.reference) (spent \(spent.grouped)); it is accepted.")
        guard try store.grant(grant.reference).stateName == .active else { return }
        for tranche in try desk.store(DemoCast.secretariat.login).evaluateTranches(grant.reference, as: DemoCast.secretariat.login) where tranche.stateName == .ready {
            _ = try desk.store(DemoCast.fundManager.login).approveTranche(grant.reference, sequence: tranche.sequence, as: DemoCast.fundManager.login)
            _ = try desk.store(DemoCast.financeOfficer.login).releaseTranche(
                grant.reference, sequence: tranche.sequence, amount: tranche.amount, idempotencyKey: "\(grant.reference)-T\(tranche.sequence)",
                as: DemoCast.financeOfficer.login
            )
            narrator.say("Its conditions met, tranche \(tranche.sequence) of \(grant.reference) (\(tranche.amount.grouped)) is approved and released.")
        }
        clock.advance(businessHours: 1)
    }
}
