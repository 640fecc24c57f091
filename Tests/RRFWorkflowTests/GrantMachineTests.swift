import Foundation
import RRFWorkflow
import Testing

@Suite struct GrantMachineTests {
    let terms = GrantTerms(amount: money("100000 USD"), risk: .medium, startDate: day("2026-12-01"), endDate: day("2027-05-31"))

    @Test func transitionTableCoversEveryStateAndEvent() {
        let expected = table([
            ("agreement_pending", "sign", "active"), ("active", "suspend", "suspended"), ("suspended", "resume", "active"),
            ("active", "begin_closing", "closing"), ("closing", "close", "closed"), ("closing", "reopen", "active"),
            ("agreement_pending", "terminate", "terminated"), ("active", "terminate", "terminated"),
            ("suspended", "terminate", "terminated"), ("closing", "terminate", "terminated"),
        ])
        #expect(verifyTable(GrantMachine.self, expected: expected) == [])
    }

    @Test func signingPlansTranchesAndReports() throws {
        var grant = GrantMachine(state: .agreementPending(terms))
        #expect(rejectionCode { try grant.sign(on: Fixture.today, policy: .standard, by: Fixture.finance) } == "role_required")
        let action = try grant.sign(on: Fixture.today, policy: .standard, by: Fixture.manager)
        let reports = ReportSchedule.reports(from: terms.startDate, to: terms.endDate, risk: .medium, tranches: 3)
        #expect(action == .createTranches([money("50000 USD"), money("30000 USD"), money("20000 USD")], reports: reports))
        #expect(grant.allowsRelease)
    }

    @Test func suspensionAndClosure() throws {
        var grant = GrantMachine(state: .active(terms, signedOn: Fixture.today))
        #expect(rejectionCode { try grant.suspend(reason: "", by: Fixture.manager) } == "reason_required")
        #expect(try grant.suspend(reason: "Audit", by: Fixture.manager) == .holdReleases(reason: "Audit"))
        #expect(!grant.allowsRelease)
        #expect(try grant.resume(by: Fixture.manager) == .resumeReleases)
        #expect(rejectionCode { try grant.beginClosing(by: Fixture.partner) } == "role_required")
        #expect(try grant.beginClosing(by: Fixture.secretariat) == .awaitFinalAcceptance)
        #expect(!grant.allowsRelease)
        #expect(rejectionCode { try grant.close(finalReportAccepted: false, released: money("100000 USD"), spent: money("90000 USD"), by: Fixture.manager) }
            == "final_report_not_accepted")
        #expect(rejectionCode { try grant.close(finalReportAccepted: true, released: money("100000 USD"), spent: money("100000.01 USD"), by: Fixture.manager) }
            == "spent_exceeds_released")
        #expect(try grant.close(finalReportAccepted: true, released: money("100000 USD"), spent: money("91234.56 USD"), by: Fixture.manager)
            == .refund(money("8765.44 USD"), unreleased: terms.amount.subtracting(money("100000 USD"))))
        #expect(grant.state == .closed(terms, refund: money("8765.44 USD")))
    }

    @Test func terminationDecommitsTheUnreleased() throws {
        var grant = GrantMachine(state: .suspended(terms, signedOn: Fixture.today, reason: "Audit"))
        #expect(rejectionCode { try grant.terminate(reason: "Fraud", released: money("100000.01 USD"), by: Fixture.manager) } == "released_exceeds_grant")
        #expect(rejectionCode { try grant.terminate(reason: "Fraud", released: money("1 EUR"), by: Fixture.manager) } == "currency_mismatch")
        #expect(try grant.terminate(reason: "Fraud", released: money("50000 USD"), by: Fixture.manager) == .decommit(money("50000 USD")))
        #expect(grant.state == .terminated(terms, reason: "Fraud"))
    }
}

@Suite struct TrancheMachineTests {
    let amount = money("50000 USD")
    var activeGrant: GrantMachine {
        GrantMachine(state: .active(GrantTerms(amount: money("100000 USD"), risk: .low, startDate: Fixture.today, endDate: day("2027-05-31")), signedOn: Fixture.today))
    }

    @Test func transitionTableCoversEveryStateAndEvent() {
        let expected = table([
            ("planned", "evaluate", "ready"), ("ready", "approve", "approved"), ("approved", "release", "released"),
            ("planned", "cancel", "cancelled"), ("ready", "cancel", "cancelled"), ("approved", "cancel", "cancelled"),
        ])
        #expect(verifyTable(TrancheMachine.self, expected: expected) == [])
    }

    @Test func readinessListsEveryUnmetCondition() throws {
        var tranche = TrancheMachine(state: .planned(sequence: 2, amount: amount))
        let unmet = TrancheConditions(
            agreementSigned: true, previous: PreviousTrancheReport(reportAccepted: false, received: amount, spent: money("1000 USD")), trainingShortfalls: []
        ).unmet(spendThresholdPercent: 70)
        #expect(unmet.map(\.code) == ["previous_report_not_accepted", "spending_below_threshold"])
        let facts = TrancheConditions(
            agreementSigned: true, previous: PreviousTrancheReport(reportAccepted: false, received: amount, spent: money("1000 USD")), trainingShortfalls: []
        )
        #expect(try tranche.evaluate(facts, policy: .standard, by: Fixture.secretariat) == .recordUnmet(unmet))
        #expect(tranche.state.name == .planned)
        #expect(rejectionCode { try tranche.evaluate(facts, policy: .standard, by: Fixture.partner) } == "role_required")
        let met = TrancheConditions(agreementSigned: true, previous: nil, trainingShortfalls: [])
        #expect(try tranche.evaluate(met, policy: .standard, by: Fixture.secretariat) == .requestApproval(spendThresholdPercent: 70, previous: nil))
        #expect(tranche.state.name == .ready)
        #expect(rejectionCode { try tranche.evaluate(met, policy: .standard, by: Fixture.secretariat) } == "invalid_transition")
    }

    func approved() throws -> TrancheMachine {
        var tranche = TrancheMachine(state: .ready(sequence: 1, amount: amount))
        _ = try tranche.approve(at: Fixture.now, by: Fixture.manager)
        return tranche
    }

    @Test func fourEyesRelease() throws {
        var ready = TrancheMachine(state: .ready(sequence: 1, amount: amount))
        #expect(rejectionCode { try ready.approve(at: Fixture.now, by: Fixture.finance) } == "role_required")
        var tranche = try approved()
        let approverWhoIsAlsoFinance = actor("Both", [.fundManager, .financeOfficer])
        var selfApproved = TrancheMachine(state: .ready(sequence: 1, amount: amount))
        _ = try selfApproved.approve(at: Fixture.now, by: approverWhoIsAlsoFinance)
        #expect(rejectionCode { try selfApproved.release(amount: amount, idempotencyKey: key("k"), grant: activeGrant, at: Fixture.now, by: approverWhoIsAlsoFinance) }
            == "same_person_release")
        #expect(rejectionCode { try tranche.release(amount: amount, idempotencyKey: key("k"), grant: activeGrant, at: Fixture.now, by: Fixture.manager) } == "role_required")
        #expect(rejectionCode { try IdempotencyKey(" ") } == "idempotency_key_missing")
        #expect(rejectionCode { try IdempotencyKey(String(repeating: "k", count: 201)) } == "idempotency_key_missing")
        #expect(rejectionCode { try tranche.release(amount: money("50000.01 USD"), idempotencyKey: key("k"), grant: activeGrant, at: Fixture.now, by: Fixture.finance) }
            == "release_amount_mismatch")
        let action = try tranche.release(amount: amount, idempotencyKey: key("k"), grant: activeGrant, at: Fixture.now, by: Fixture.finance)
        guard case .postRelease(let released, let release) = action else {
            Issue.record("unexpected \(action)")
            return
        }
        #expect(released == amount && release.signature.userID == Fixture.finance.userID && release.idempotencyKey == "k")
        // Replays are decided by the key, before the machine: the same request again, or refused.
        #expect(rejectionCode { try key("k").replay(requestHash: "a", earlierHash: "a") } == nil)
        #expect(rejectionCode { try key("k").replay(requestHash: "a", earlierHash: "b") } == "idempotency_key_reused")
        #expect(rejectionCode { try tranche.release(amount: amount, idempotencyKey: key("other"), grant: activeGrant, at: Fixture.now, by: Fixture.finance) }
            == "invalid_transition")
    }

    @Test(arguments: [GrantMachine.State.Name.suspended, .agreementPending, .closing, .terminated])
    func releaseRefusedUnlessTheGrantIsActive(status: GrantMachine.State.Name) throws {
        let terms = GrantTerms(amount: money("100000 USD"), risk: .low, startDate: Fixture.today, endDate: day("2027-05-31"))
        let states: [GrantMachine.State] = [
            .suspended(terms, signedOn: Fixture.today, reason: "Audit"), .agreementPending(terms), .closing(terms, signedOn: Fixture.today),
            .terminated(terms, reason: "Fraud"),
        ]
        let grant = GrantMachine(state: try #require(states.first { $0.name == status }))
        var tranche = try approved()
        #expect(rejectionCode { try tranche.release(amount: amount, idempotencyKey: key("k"), grant: grant, at: Fixture.now, by: Fixture.finance) } == "grant_not_active")
        #expect(tranche.state.name == .approved)
    }

    @Test func cancellation() throws {
        var tranche = TrancheMachine(state: .planned(sequence: 3, amount: amount))
        #expect(rejectionCode { try tranche.cancel(reason: "", by: Fixture.manager) } == "reason_required")
        #expect(rejectionCode { try tranche.cancel(reason: "Terminated", by: Fixture.finance) } == "role_required")
        #expect(try tranche.cancel(reason: "Terminated", by: Fixture.manager) == .recordCancellation(reason: "Terminated"))
        #expect(rejectionCode { try tranche.cancel(reason: "Again", by: Fixture.manager) } == "invalid_transition")
        // An approval not yet released lapses with the grant.
        var approved = TrancheMachine(state: .ready(sequence: 2, amount: amount))
        _ = try approved.approve(at: Fixture.now, by: Fixture.manager)
        #expect(try approved.cancel(reason: "The grant was closed.", by: Fixture.manager) == .recordCancellation(reason: "The grant was closed."))
        #expect(approved.state.name == .cancelled)
    }
}

/// A checked idempotency key (the tests' keys are valid).
private func key(_ text: String) -> IdempotencyKey { try! IdempotencyKey(text) }

@Suite struct ReportMachineTests {
    let spec = ReportSpec(kind: .interim, periodStart: day("2026-09-01"), periodEnd: day("2026-11-30"), dueDate: day("2026-12-30"))

    @Test func transitionTableCoversEveryStateAndEvent() {
        let expected = table([
            ("scheduled", "mark_due", "due"), ("due", "submit", "submitted"), ("returned", "submit", "submitted"),
            ("submitted", "accept", "accepted"), ("submitted", "return", "returned"), ("accepted", "reopen", "returned"),
            ("scheduled", "waive", "waived"), ("due", "waive", "waived"), ("returned", "waive", "waived"),
        ])
        #expect(verifyTable(ReportMachine.self, expected: expected) == [])
    }

    @Test func lifecycleAndOverdue() throws {
        var report = ReportMachine(state: .scheduled(spec))
        #expect(rejectionCode { try report.markDue(on: day("2026-11-30"), by: Fixture.secretariat) } == "report_period_not_ended")
        #expect(try report.markDue(on: day("2026-12-01"), by: Fixture.secretariat) == .remindOrganisation(dueDate: day("2026-12-30")))
        #expect(!report.isOverdue(on: day("2026-12-30")))
        #expect(report.isOverdue(on: day("2026-12-31")))
        #expect(rejectionCode { try report.submit(narrative: "x", spending: spent("1 USD"), organisationID: Fixture.organisationID, at: Fixture.now, by: Fixture.outsider) }
            == "actor_not_in_organisation")
        #expect(rejectionCode { try report.submit(narrative: " ", spending: spent("1 USD"), organisationID: Fixture.organisationID, at: Fixture.now, by: Fixture.partner) }
            == "required_field_missing")
        _ = try report.submit(narrative: "Wells", spending: spent("40000 USD"), organisationID: Fixture.organisationID, at: Fixture.now, by: Fixture.partner)
        #expect(!report.isOverdue(on: day("2027-01-31")))
        #expect(rejectionCode { try report.returnForChanges(reason: "", by: Fixture.secretariat) } == "reason_required")
        #expect(try report.returnForChanges(reason: "Receipts", by: Fixture.secretariat) == .notifyReturned(reason: "Receipts"))
        #expect(report.isOverdue(on: day("2027-01-31")))
        _ = try report.submit(narrative: "Wells, receipts", spending: spent("45000 USD"), organisationID: Fixture.organisationID, at: Fixture.now, by: Fixture.partner)
        #expect(rejectionCode { try report.accept(released: money("50000 USD"), by: Fixture.partner) } == "role_required")
        #expect(try report.accept(released: money("50000 USD"), by: Fixture.manager) == .evaluateNextTranche(spent: money("45000 USD")))
    }

    @Test func finalReportClosesTheGrant() throws {
        let final = ReportSpec(kind: .final, periodStart: day("2026-09-01"), periodEnd: day("2027-02-28"), dueDate: day("2027-04-29"))
        let submission = try {
            var report = ReportMachine(state: .due(final))
            _ = try report.submit(narrative: "Done", spending: spent("99000 USD"), organisationID: Fixture.organisationID, at: Fixture.now, by: Fixture.partner)
            return report
        }()
        var report = submission
        // Money released later than the report was submitted can never be less, but the rule holds at acceptance too.
        #expect(rejectionCode { try report.accept(released: money("98000 USD"), by: Fixture.secretariat) } == "spending_exceeds_released")
        #expect(try report.accept(released: money("100000 USD"), by: Fixture.secretariat) == .closeGrant(spent: money("99000 USD")))
    }

    @Test func anAcceptedFinalReportReopensWhileTheGrantIsClosing() throws {
        let final = ReportSpec(kind: .final, periodStart: day("2026-09-01"), periodEnd: day("2027-02-28"), dueDate: day("2027-04-29"))
        let submission = ReportSubmission(narrative: "Done", spent: money("99000 USD"), submittedBy: Fixture.partner.userID, submittedAt: Fixture.now)
        let terms = GrantTerms(amount: money("100000 USD"), risk: .low, startDate: day("2026-09-01"), endDate: day("2027-02-28"))
        let closing = GrantMachine(state: .closing(terms, signedOn: day("2026-09-01")))
        let closed = GrantMachine(state: .closed(terms, refund: money("1000 USD")))
        var report = ReportMachine(state: .accepted(final, submission))
        #expect(rejectionCode { try report.reopen(reason: "Wrong", grant: closing, trancheMovedSinceAcceptance: false, by: Fixture.secretariat) } == "role_required")
        #expect(rejectionCode { try report.reopen(reason: " ", grant: closing, trancheMovedSinceAcceptance: false, by: Fixture.manager) } == "reason_required")
        #expect(rejectionCode { try report.reopen(reason: "Wrong", grant: closed, trancheMovedSinceAcceptance: false, by: Fixture.manager) } == "report_reopen_too_late")
        #expect(try report.reopen(reason: "Wrong", grant: closing, trancheMovedSinceAcceptance: false, by: Fixture.manager)
            == .notifyReopened(reason: "Wrong", reopenGrant: true))
        #expect(report.state.name == .returned)
        var grant = closing
        #expect(try grant.reopen(by: Fixture.manager) == .awaitCorrectedFinalReport)
        #expect(grant.state.name == .active)
    }

    @Test func anInterimReportReopensOnlyWhileNoTrancheMovedOnIt() throws {
        let submission = ReportSubmission(narrative: "Wells", spent: money("45000 USD"), submittedBy: Fixture.partner.userID, submittedAt: Fixture.now)
        let terms = GrantTerms(amount: money("100000 USD"), risk: .medium, startDate: day("2026-09-01"), endDate: day("2027-02-28"))
        let active = GrantMachine(state: .active(terms, signedOn: day("2026-09-01")))
        var report = ReportMachine(state: .accepted(spec, submission))
        #expect(rejectionCode { try report.reopen(reason: "Wrong", grant: active, trancheMovedSinceAcceptance: true, by: Fixture.manager) } == "report_reopen_too_late")
        #expect(try report.reopen(reason: "Wrong", grant: active, trancheMovedSinceAcceptance: false, by: Fixture.manager)
            == .notifyReopened(reason: "Wrong", reopenGrant: false))
    }

    @Test func reportsStillOwedAreWaivedWhenTheGrantEnds() throws {
        var due = ReportMachine(state: .due(spec))
        #expect(rejectionCode { try due.waive(reason: "Terminated", by: Fixture.secretariat) } == "role_required")
        #expect(try due.waive(reason: "Terminated", by: Fixture.manager) == .recordWaiver(reason: "Terminated"))
        #expect(!due.isOverdue(on: day("2030-01-01")))
        let submission = ReportSubmission(narrative: "Wells", spent: money("1 USD"), submittedBy: Fixture.partner.userID, submittedAt: Fixture.now)
        var submitted = ReportMachine(state: .submitted(spec, submission))
        #expect(rejectionCode { try submitted.waive(reason: "Terminated", by: Fixture.manager) } == "invalid_transition")
    }

    /// A statement of `total` on the one budget line "Water", with 100,000 USD released.
    private func spent(_ total: String) throws -> ReportedSpending {
        try ReportedSpending(lines: [SpendingLineAmount(line: "Water", amount: money(total))], budgetLines: ["Water"], released: money("100000 USD"))
    }
}

@Suite struct ReportedSpendingTests {
    let released = money("180000 USD")

    @Test func linesMustBeTheGrantsBudgetLinesInItsCurrencyWithinWhatWasReleased() throws {
        let budget = ["Water trucking", "Hygiene kits"]
        func check(_ lines: [(String, String)]) throws -> ReportedSpending {
            try ReportedSpending(lines: lines.map { SpendingLineAmount(line: $0.0, amount: money($0.1)) }, budgetLines: budget, released: released)
        }
        let ok = try check([(" water TRUCKING ", "1000 USD"), ("Hygiene kits", "500.50 USD")])
        #expect(ok.total == money("1500.50 USD"))
        #expect(ok.lines.map(\.line) == budget, "stored as the budget spells them")
        #expect(rejectionCode { try check([]) } == "spending_missing")
        #expect(rejectionCode { try check([("Fuel", "1 USD")]) } == "budget_line_unknown")
        #expect(rejectionCode { try check([("Water trucking", "1 USD"), ("water trucking", "2 USD")]) } == "budget_line_repeated")
        #expect(rejectionCode { try check([("Water trucking", "1 EUR")]) } == "currency_mismatch")
        #expect(rejectionCode {
            try ReportedSpending(lines: [SpendingLineAmount(line: "Water trucking", amount: Money(minorUnits: -1, currency: usd))], budgetLines: budget, released: released)
        } == "amount_negative")
        // 1,000,000,004 USD on a grant that received 180,000 USD.
        #expect(rejectionCode { try check([("Water trucking", "1000000004 USD")]) } == "spending_exceeds_released")
        #expect(rejectionCode { try check([("Water trucking", "180000 USD"), ("Hygiene kits", "0.01 USD")]) } == "spending_exceeds_released")
        #expect(try check([("Water trucking", "180000 USD")]).total == released)
    }
}

@Suite struct ReportScheduleTests {
    @Test func mediumRiskQuarterly() {
        let reports = ReportSchedule.reports(from: day("2026-12-01"), to: day("2027-05-31"), risk: .medium, tranches: 2)
        #expect(reports.map(\.kind) == [.interim, .final])
        #expect(reports[0].periodEnd == day("2027-02-28") && reports[0].dueDate == day("2027-03-30"))
        #expect(reports[1].periodStart == day("2026-12-01") && reports[1].dueDate == day("2027-07-30"))
    }

    @Test func highRiskEveryTwoMonthsOverMonthEnds() {
        let reports = ReportSchedule.reports(from: day("2027-01-31"), to: day("2027-12-30"), risk: .high, tranches: 4)
        #expect(reports.filter { $0.kind == .interim }.map(\.periodEnd.description)
            == ["2027-03-30", "2027-05-30", "2027-07-30", "2027-09-29", "2027-11-29"])
        #expect(reports[1].periodStart == day("2027-03-31"))
        #expect(reports.last?.dueDate == day("2028-02-28"))
    }

    @Test func shortLowRiskGrantInOneTrancheHasOnlyAFinalReport() {
        let reports = ReportSchedule.reports(from: day("2026-12-01"), to: day("2027-05-31"), risk: .low, tranches: 1)
        #expect(reports.map(\.kind) == [.final])
    }

    /// Every tranche after the first needs an interim report to be released on, so a short project reports
    /// more often than its risk rating alone asks.
    @Test func shortGrantsReportOftenEnoughForEveryTranche() {
        let lowInTwo = ReportSchedule.reports(from: day("2026-12-01"), to: day("2027-05-31"), risk: .low, tranches: 2)
        #expect(lowInTwo.filter { $0.kind == .interim }.map(\.periodEnd.description) == ["2027-02-28"])
        let mediumInThree = ReportSchedule.reports(from: day("2026-12-01"), to: day("2027-05-31"), risk: .medium, tranches: 3)
        #expect(mediumInThree.filter { $0.kind == .interim }.map(\.periodEnd.description) == ["2027-01-31", "2027-03-31"])
        let fourMonthsInFour = ReportSchedule.reports(from: day("2026-12-01"), to: day("2027-03-31"), risk: .high, tranches: 4)
        #expect(fourMonthsInFour.filter { $0.kind == .interim }.count == 3)
        let long = ReportSchedule.reports(from: day("2026-12-01"), to: day("2028-11-30"), risk: .low, tranches: 2)
        #expect(long.filter { $0.kind == .interim }.count == 3, "a long project keeps its risk's six-month periods")
    }
}
