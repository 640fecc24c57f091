import Foundation
import Postgres
import RRFStore
import RRFTestSupport
import RRFWorkflow
import Testing

/// Issue 13, items 1–4 and the reports part of 14: the tranche policy cannot be waived by one person, reported
/// spending is checked, no grant state is a dead end, every tranche is reachable, an ended grant owes nothing.
@Suite struct GrantIntegrityTests {
    @Test func theTranchePolicyIsVersionedFundConfigurationChangedOnlyByAFundManagerOrAdmin() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let store = fund.store
            #expect(try store.tranchePolicy().version == 1)
            #expect(try store.tranchePolicy().policy == .standard)
            let lax = try TranchePolicy(percentages: TranchePolicy.standard.percentages, spendThresholdPercent: 0)
            // The secretariat user who could once pass --spend-threshold 0 cannot change the policy at all.
            #expect(refusal { _ = try store.changeTranchePolicy(lax, reason: "Speed things up", as: "sec") }?.code == "role_required")
            #expect(refusal { _ = try store.changeTranchePolicy(.standard, reason: "Same", as: "fm") }?.code == "tranche_policy_unchanged")
            #expect(refusal { _ = try store.changeTranchePolicy(lax, reason: "  ", as: "fm") }?.code == "reason_missing")
            #expect(try store.tranchePolicyHistory().count == 1, "refusals change nothing")

            // A grant signed under version 1 keeps its 70 % threshold after the policy changes to 0 %.
            let signedBefore = try fund.grantWithReleasedFirstTranche()
            let changed = try store.changeTranchePolicy(lax, reason: "Board decision 2026-12", as: "fm")
            #expect(changed.version == 2)
            #expect(changed.changedBy == "fm")
            #expect(try store.tranchePolicyHistory().map(\.version) == [2, 1])
            let events = try fund.count("SELECT count(*) FROM audit_events WHERE stream = $1 AND event_type = 'tranche_policy.changed'", [Streams.tranchePolicy])
            #expect(events == 1)
            #expect(try store.grant(signedBefore.reference).policyVersion == 1)
            let later = fund.later(days: 100)
            _ = try later.markReportsDue(as: "sec")
            _ = try later.submitReport(signedBefore.reference, sequence: 1, narrative: "Wells.", spending: [SpendingLine(line: "Everything", amount: "1 USD")], as: "ngo")
            _ = try later.acceptReport(signedBefore.reference, sequence: 1, as: "sec")
            let evaluated = try store.evaluateTranches(signedBefore.reference, trainingShortfalls: [], as: "sec")
            #expect(evaluated[1].state == "planned")
            #expect(evaluated[1].unmet.contains { $0.contains("at least 70 % is needed") })

            // A grant signed after the change is judged by version 2, and the audit event says so.
            let signedAfter = try fund.grantWithReleasedFirstTranche()
            #expect(try store.grant(signedAfter.reference).policyVersion == 2)
            _ = try later.markReportsDue(as: "sec")
            _ = try later.submitReport(signedAfter.reference, sequence: 1, narrative: "Wells.", spending: [SpendingLine(line: "Everything", amount: "1 USD")], as: "ngo")
            _ = try later.acceptReport(signedAfter.reference, sequence: 1, as: "sec")
            #expect(try store.evaluateTranches(signedAfter.reference, trainingShortfalls: [], as: "sec")[1].state == "ready")
            let ready = try #require(try store.grantHistory(signedAfter.reference).last { $0.type == "tranche.ready" })
            #expect(ready.payload.contains("\"policyVersion\":2"))
            #expect(ready.payload.contains("\"spendThresholdPercent\":0"))
            try fund.expectLedgerConsistent()
        }
    }

    @Test func reportedSpendingMustBeOnTheGrantsBudgetLinesAndWithinWhatWasReleased() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let grant = try fund.grantWithReleasedFirstTranche(requested: "12500.50 USD")  // 6,250.25 released
            let later = fund.later(days: 100)
            _ = try later.markReportsDue(as: "sec")
            func submit(_ lines: [SpendingLine]) -> String? {
                refusal { _ = try later.submitReport(grant.reference, sequence: 1, narrative: "Wells dug.", spending: lines, as: "ngo") }?.code
            }
            #expect(submit([SpendingLine(line: "Everything", amount: "1000000004.00 USD")]) == "spending_exceeds_released")
            #expect(submit([SpendingLine(line: "Everything", amount: "6250.26 USD")]) == "spending_exceeds_released")
            #expect(submit([SpendingLine(line: "Helicopters", amount: "10.00 USD")]) == "budget_line_unknown")
            #expect(submit([SpendingLine(line: "Everything", amount: "10.00 EUR")]) == "currency_mismatch")
            #expect(submit([SpendingLine(line: "Everything", amount: "1.00 USD"), SpendingLine(line: "everything", amount: "1.00 USD")]) == "budget_line_repeated")
            #expect(submit([]) == "spending_missing")
            #expect(try later.reports(grant.reference)[0].state == "due", "refusals change nothing")
            _ = try later.submitReport(grant.reference, sequence: 1, narrative: "Wells dug.", spending: [SpendingLine(line: " everything ", amount: "6250.25 USD")], as: "ngo")
            let report = try later.reports(grant.reference)[0]
            #expect(report.spent == Fund.usd(625_025))
            #expect(report.spendingLines == [SpendingLine(line: "Everything", amount: "6250.25 USD")])
        }
    }

    @Test func aFundManagerReopensAnAcceptedFinalReportSoAClosingGrantIsNeverStuck() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let store = fund.store
            let grant = try fund.grantWithReleasedFirstTranche()
            let end = fund.later(days: 300)
            _ = try end.markReportsDue(as: "sec")
            _ = try end.submitReport(grant.reference, sequence: 3, narrative: "Done.", spending: [SpendingLine(line: "Everything", amount: "6000.00 USD")], as: "ngo")
            // The secretariat accepts the final report: the grant waits for a fund manager's closure.
            _ = try end.acceptReport(grant.reference, sequence: 3, as: "sec")
            #expect(try store.grant(grant.reference).state == "closing")
            #expect(refusal { _ = try end.reopenReport(grant.reference, sequence: 3, reason: "Wrong figures", as: "sec") }?.code == "role_required")
            let reopened = try end.reopenReport(grant.reference, sequence: 3, reason: "The figures leave out the last month.", as: "fm")
            #expect(reopened.state == "returned")
            #expect(try store.grant(grant.reference).state == "active")
            #expect(try store.grantHistory(grant.reference).suffix(2).map(\.type) == ["report.reopened", "grant.reopened"])
            _ = try end.submitReport(grant.reference, sequence: 3, narrative: "Done; all months.", spending: [SpendingLine(line: "Everything", amount: "6250.25 USD")], as: "ngo")
            _ = try end.acceptReport(grant.reference, sequence: 3, as: "fm")
            let closed = try store.grant(grant.reference)
            #expect(closed.state == "closed")
            #expect(closed.refund == Fund.usd(0))
            // Once closed, nothing reopens.
            #expect(refusal { _ = try end.reopenReport(grant.reference, sequence: 3, reason: "Again", as: "fm") }?.code == "report_reopen_too_late")
            // The interim reports it never sent are waived, not left due.
            #expect(try store.reports(grant.reference).map(\.state) == ["waived", "waived", "accepted"])
            try fund.expectLedgerConsistent()
        }
    }

    @Test func anInterimReportCannotBeReopenedOnceATrancheMovedOnIt() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let store = fund.store
            let grant = try fund.grantWithReleasedFirstTranche()
            let later = fund.later(days: 100)
            _ = try later.markReportsDue(as: "sec")
            _ = try later.submitReport(grant.reference, sequence: 1, narrative: "Wells.", spending: [SpendingLine(line: "Everything", amount: "5000.00 USD")], as: "ngo")
            _ = try later.acceptReport(grant.reference, sequence: 1, as: "sec")
            #expect(try later.evaluateTranches(grant.reference, trainingShortfalls: [], as: "sec")[1].state == "ready")
            #expect(refusal { _ = try later.reopenReport(grant.reference, sequence: 1, reason: "Wrong", as: "fm") }?.code == "report_reopen_too_late")
            #expect(try store.reports(grant.reference)[0].state == "accepted")
        }
    }

    @Test func aShortHighRiskGrantGetsOnlyTranchesItsReportsCanRelease() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let store = fund.store
            _ = try store.assessOrganisation("NGO-ALPHA", risk: .high, dueDiligenceExpires: fund.today.adding(days: 365), as: "sec")
            var submission = Fund.submission(requested: "10000.00 USD")
            submission.durationMonths = 3
            let submitted = try store.submitProposal(submission, as: "ngo")
            try fund.markScored(submitted.reference)
            _ = try store.decideProposal(submitted.reference, .approve(amount: Fund.usd(1_000_000), justification: "Urgent."), as: "fm")
            let grant = try store.signGrant(submitted.reference, signatory: "Amina Yusuf, Director", as: "fm")
            #expect(grant.risk == .high)
            #expect(try store.tranches(grant.reference).map(\.amount.minorUnits) == [400_000, 300_000, 300_000])
            #expect(try store.reports(grant.reference).map(\.kind) == [.interim, .interim, .final])
        }
    }

    @Test func aTerminatedGrantOwesNoReports() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let store = fund.store
            let grant = try fund.grantWithReleasedFirstTranche()
            let later = fund.later(days: 100)
            #expect(try later.markReportsDue(as: "sec").map(\.sequence) == [1])
            let terminated = try later.terminateGrant(grant.reference, reason: "Partner's registration revoked.", as: "fm")
            #expect(terminated.state == "terminated")
            let reports = try later.reports(grant.reference)
            #expect(reports.map(\.state) == ["waived", "waived", "waived"])
            #expect(reports.allSatisfy { !$0.overdue })
            #expect(try store.grantHistory(grant.reference).filter { $0.type == "report.waived" }.count == 3)
            #expect(try fund.later(days: 400).markReportsDue(as: "sec").isEmpty)
            #expect(try fund.later(days: 400).kpis().overdueReports == 0)
            try fund.expectLedgerConsistent()
        }
    }
}

/// Issue 13 item 6: the KPIs and the IATI export read the same ledger truth as `ledger verify`.
@Suite struct LedgerTruthInReportsTests {
    @Test func aTerminatedGrantsCommitmentShrinksToWhatWasReleasedInTheKPIsAndIATI() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let store = fund.store
            let grant = try fund.grantWithReleasedFirstTranche(requested: "12500.50 USD")  // 6,250.25 of 12,500.50 released
            _ = try store.terminateGrant(grant.reference, reason: "Partner's registration revoked.", as: "fm")
            let kpis = try store.kpis()
            #expect(kpis.disbursement.map(\.committed) == [Fund.usd(625_025)])
            #expect(kpis.disbursement.map(\.released) == [Fund.usd(625_025)])
            let activity = try #require(try store.iatiActivities(reportingOrg: IATIOrganisation(ref: "XM-RRF", type: "40", name: "RRF")).first)
            #expect(activity.status == .cancelled)
            #expect(activity.actualEnd == fund.today)
            let commitments = activity.transactions.filter { $0.type == .commitment }.map(\.value.minorUnits)
            #expect(commitments == [1_250_050, -625_025])
            #expect(activity.transactions.filter { $0.type == .disbursement }.map(\.value.minorUnits) == [625_025])
            let xml = IATIXML.document([activity], generated: Date())
            #expect(xml.contains("<activity-date type=\"4\" iso-date=\"\(fund.today)\"/>"))
            #expect(xml.contains(">-6250.25</value>"))
        }
    }

    @Test func aClosedGrantsRefundIsANegativeDisbursementAndItsExpenditureNeverExceedsWhatWasReceived() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let store = fund.store
            let grant = try fund.grantWithReleasedFirstTranche(requested: "12500.50 USD")
            let end = fund.later(days: 300)
            _ = try end.markReportsDue(as: "sec")
            _ = try end.submitReport(grant.reference, sequence: 3, narrative: "Done.", spending: [SpendingLine(line: "Everything", amount: "6000.00 USD")], as: "ngo")
            _ = try end.acceptReport(grant.reference, sequence: 3, as: "fm")
            #expect(try store.grant(grant.reference).state == "closed")
            let activity = try #require(try end.iatiActivities(reportingOrg: IATIOrganisation(ref: "XM-RRF", type: "40", name: "RRF")).first)
            #expect(activity.status == .closed)
            #expect(activity.actualEnd != nil)
            #expect(activity.transactions.filter { $0.type == .disbursement }.map(\.value.minorUnits) == [625_025, -25_025])
            #expect(activity.transactions.filter { $0.type == .expenditure }.map(\.value.minorUnits) == [600_000])
            #expect(activity.transactions.filter { $0.type == .commitment }.map(\.value.minorUnits) == [1_250_050, -625_025])
            #expect(try end.kpis().disbursement.map(\.committed) == [Fund.usd(625_025)])
        }
    }
}
