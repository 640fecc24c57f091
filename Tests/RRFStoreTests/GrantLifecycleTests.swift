import Foundation
import Postgres
import RRFStore
import RRFTestSupport
import RRFWorkflow
import Testing

@Suite struct GrantLifecycleTests {
    @Test func signingPlansTranchesThatSumExactlyAndSchedulesReports() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let proposal = try fund.approvedProposal(requested: "12500.50 USD")
            #expect(try fund.balance("committed:\(proposal.reference)") == 1_250_050)
            #expect(try fund.balance("envelope:SA-1:health") == 10_000_000 - 1_250_050)
            #expect(refusal { _ = try fund.store.signGrant(proposal.reference, signatory: "A, B", as: "sec") }?.code == "role_required")
            #expect(refusal { _ = try fund.store.signGrant(proposal.reference, signatory: "  ", as: "fm") }?.code == "signatory_missing")
            let grant = try fund.store.signGrant(proposal.reference, signatory: "Amina Yusuf, Director", as: "fm")
            #expect(grant.state == "active")
            #expect(grant.risk == .medium)
            #expect(grant.signatory == "Amina Yusuf, Director")
            let tranches = try fund.store.tranches(grant.reference)
            // Medium risk: 50/30/20, the remainder to the last tranche.
            #expect(tranches.map(\.amount.minorUnits) == [625_025, 375_015, 250_010])
            #expect(tranches.map(\.amount.minorUnits).reduce(0, +) == grant.amount.minorUnits)
            #expect(tranches.allSatisfy { $0.state == "planned" })
            // Six months in three tranches: an interim report every two months, so each later tranche has one.
            let reports = try fund.store.reports(grant.reference)
            #expect(reports.map(\.kind) == [.interim, .interim, .final])
            #expect(reports.last?.periodEnd == grant.endDate)
            #expect(try fund.count("SELECT count(*) FROM jobs WHERE kind = $1", [JobKinds.grantEvaluateTranches]) == 1)
            #expect(refusal { _ = try fund.store.signGrant(proposal.reference, signatory: "A, B", as: "fm") }?.code == "invalid_transition")
            try fund.expectLedgerConsistent()
        }
    }

    @Test func fullLifecycleClosureRefundsExactlyTheUnspentBalance() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let store = fund.store
            let (grant, _) = try fund.grantWithApprovedFirstTranche()
            let ref = grant.reference
            _ = try store.releaseTranche(ref, sequence: 1, amount: Fund.usd(625_025), idempotencyKey: "PO-1", as: "fin")
            // Tranche 2 waits for a report accepted after tranche 1 was released.
            let waiting = try store.evaluateTranches(ref, trainingShortfalls: [], as: "sec")
            #expect(waiting[1].state == "planned")
            #expect(waiting[1].unmet.contains { $0.contains("previous tranche has not been accepted") })
            // The interim report becomes due when its period has ended.
            let later = fund.later(days: 100)
            #expect(try later.markReportsDue(as: "sec").map(\.sequence) == [1])
            #expect(refusal { _ = try store.submitReport(ref, sequence: 1, narrative: "Done.", spending: [SpendingLine(line: "Everything", amount: "1 USD")], as: "sec") }?.code == "role_required")
            _ = try store.submitReport(ref, sequence: 1, narrative: "Wells dug.", spending: [
                SpendingLine(line: "Everything", amount: "4000.00 USD"),
            ], as: "ngo")
            let returned = try store.returnReport(ref, sequence: 1, comment: "Add the receipts.", as: "sec")
            #expect(returned.state == "returned")
            _ = try store.submitReport(ref, sequence: 1, narrative: "Wells dug; receipts attached.", spending: [
                SpendingLine(line: "Everything", amount: "4000.00 USD"),
            ], as: "ngo")
            let accepted = try store.acceptReport(ref, sequence: 1, as: "sec")
            #expect(accepted.spent == Fund.usd(400_000))
            // 4,000.00 of 6,250.25 received is 64 %: below the policy's 70 %.
            let below = try store.evaluateTranches(ref, trainingShortfalls: [], as: "sec")
            #expect(below[1].state == "planned")
            #expect(below[1].unmet.count == 1)
            // The fund manager reopens the report; the organisation corrects it to 4,500.00 (72 %).
            #expect(try store.reopenReport(ref, sequence: 1, reason: "Receipts for the staff costs were left out.", as: "fm").state == "returned")
            _ = try store.submitReport(ref, sequence: 1, narrative: "Wells dug; all receipts.", spending: [
                SpendingLine(line: "Everything", amount: "4500.00 USD"),
            ], as: "ngo")
            _ = try store.acceptReport(ref, sequence: 1, as: "sec")
            let shortfall = TrainingShortfall(courseCode: "PSEA", courseTitle: "Protection from sexual exploitation and abuse", required: 2, valid: 1)
            let untrained = try store.evaluateTranches(ref, trainingShortfalls: [shortfall], as: "sec")
            #expect(untrained[1].state == "planned")
            #expect(untrained[1].unmet == [shortfall.description])
            let ready = try store.evaluateTranches(ref, as: "sec")
            #expect(ready[1].state == "ready")
            _ = try store.approveTranche(ref, sequence: 2, as: "fm")
            _ = try store.releaseTranche(ref, sequence: 2, amount: Fund.usd(375_015), idempotencyKey: "PO-2", as: "fin")
            // The final report after the end of the project; a fund manager's acceptance closes the grant.
            let muchLater = fund.later(days: 200)
            #expect(try muchLater.markReportsDue(as: "sec").map(\.kind) == [.interim, .final])
            #expect(try muchLater.kpis().overdueReports == 1, "the second interim report")
            _ = try store.submitReport(ref, sequence: 3, narrative: "Project completed.", spending: [SpendingLine(line: "Everything", amount: "9000.00 USD")], as: "ngo")
            _ = try store.acceptReport(ref, sequence: 3, as: "fm")
            let closed = try store.grant(ref)
            #expect(closed.state == "closed")
            // Released 10,000.40; spent 9,000.00: the refund is exactly 1,000.40.
            #expect(closed.refund == Fund.usd(100_040))
            #expect(try fund.balance("refunds:USD") == 100_040)
            #expect(try fund.balance("released:\(ref)") == 900_000)
            #expect(try fund.balance("committed:\(ref)") == 0)
            // The third tranche was never released: cancelled and de-committed back to the envelope.
            #expect(try store.tranches(ref).map(\.state) == ["released", "released", "cancelled"])
            #expect(try store.grantHistory(ref).filter { $0.type == "tranche.cancelled" }.count == 1)
            #expect(try fund.balance("envelope:SA-1:health") == 10_000_000 - 1_250_050 + 250_010)
            #expect(try store.call("SA-1").envelopes.first { $0.cluster == .health }?.committed.minorUnits == 1_250_050 - 250_010)
            #expect(try store.grantHistory(ref).map(\.type).contains("grant.closed"))
            #expect(try muchLater.kpis().overdueReports == 0, "a closed grant's missing interim report no longer counts")
            #expect(try muchLater.reports(ref).allSatisfy { !$0.overdue })
            try fund.expectLedgerConsistent()
        }
    }

    @Test func suspensionBlocksReleasesAndTerminationDecommitsTheUnreleased() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let store = fund.store
            let (grant, _) = try fund.grantWithApprovedFirstTranche()
            let ref = grant.reference
            _ = try store.suspendGrant(ref, reason: "Audit finding.", as: "fm")
            #expect(refusal { _ = try store.releaseTranche(ref, sequence: 1, amount: Fund.usd(625_025), idempotencyKey: "K1", as: "fin") }?.code == "grant_not_active")
            #expect(try fund.count("SELECT count(*) FROM release_requests") == 0)
            _ = try store.resumeGrant(ref, as: "fm")
            _ = try store.releaseTranche(ref, sequence: 1, amount: Fund.usd(625_025), idempotencyKey: "K1", as: "fin")
            #expect(refusal { _ = try store.terminateGrant(ref, reason: " ", as: "fm") }?.code == "reason_required")
            let terminated = try store.terminateGrant(ref, reason: "Partner ceased operations.", as: "fm")
            #expect(terminated.state == "terminated")
            #expect(try store.tranches(ref).map(\.state) == ["released", "cancelled", "cancelled"])
            #expect(try fund.balance("committed:\(ref)") == 0)
            #expect(try fund.balance("released:\(ref)") == 625_025)
            #expect(try fund.balance("envelope:SA-1:health") == 10_000_000 - 625_025)
            #expect(try store.call("SA-1").envelopes.first { $0.cluster == .health }?.committed.minorUnits == 625_025)
            // A terminated grant owes no more reports.
            #expect(try fund.later(days: 400).markReportsDue(as: "sec").isEmpty)
            try fund.expectLedgerConsistent()
        }
    }

    @Test func theApproverCannotReleaseNeitherByCommandNorInTheDatabase() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let store = fund.store
            _ = try store.addUser(login: "boss", displayName: "Bo Both", roles: [.fundManager, .financeOfficer], as: "admin")
            let proposal = try fund.approvedProposal()
            let grant = try store.signGrant(proposal.reference, signatory: "Amina Yusuf, Director", as: "fm")
            try store.evaluateTranches(grant.reference, trainingShortfalls: [], as: "sec")
            _ = try store.approveTranche(grant.reference, sequence: 1, as: "boss")
            #expect(refusal { _ = try store.releaseTranche(grant.reference, sequence: 1, amount: Fund.usd(625_025), idempotencyKey: "K", as: "boss") }?.code == "same_person_release")
            #expect(refusal { _ = try store.releaseTranche(grant.reference, sequence: 1, amount: Fund.usd(625_025), idempotencyKey: "K", as: "fm") }?.code == "role_required")
            #expect(try fund.count("SELECT count(*) FROM ledger_transactions WHERE kind = 'release'") == 0)
            // The CHECK constraint is the last line of defence.
            let connection = try db.connect()
            defer { connection.close() }
            let error = #expect(throws: PostgresError.self) {
                try connection.execute("UPDATE tranches SET released_by = approved_by WHERE sequence = 1")
            }
            #expect(error?.constraint == "tranches_released_by_other_than_approver")
            try fund.expectLedgerConsistent()
        }
    }

    @Test func aFundedEnvelopeCannotBeRemovedFromADraftCall() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let store = fund.store
            _ = try store.createCall(code: "SA-3", configuration: Fund.configuration(envelopes: [.health: 1_000_000, .wash: 500_000]), as: "sec")
            try store.deposit(call: "SA-3", cluster: .health, amount: Fund.usd(250_000), donor: "ECHO", as: "fin")
            let removal = refusal { _ = try store.setCallEnvelopes("SA-3", [.wash: Fund.usd(500_000)], as: "sec") }
            #expect(removal?.code == "envelope_funded")
            #expect(removal?.message.contains("2,500.00 USD") == true)
            // The unfunded one may go, and the funded one may change its amount.
            let changed = try store.setCallEnvelopes("SA-3", [.health: Fund.usd(2_000_000)], as: "sec")
            #expect(changed.envelopes.map(\.cluster) == [.health])
            try fund.expectLedgerConsistent()
        }
    }

    @Test func approvalsNeedDepositedFunding() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let store = fund.store
            #expect(refusal { try store.deposit(call: "SA-1", cluster: .health, amount: Fund.usd(100), donor: "ECHO", as: "ngo") }?.code == "role_required")
            #expect(refusal { try store.deposit(call: "SA-1", cluster: .health, amount: Money(minorUnits: 100, currency: try Currency(code: "EUR")), donor: "ECHO", as: "fin") }?.code == "currency_differs_from_call")
            #expect(refusal { try store.deposit(call: "SA-1", cluster: .shelter, amount: Fund.usd(100), donor: "ECHO", as: "fin") }?.code == "cluster_not_funded")
            #expect(refusal { try store.deposit(call: "SA-1", cluster: .health, amount: Fund.usd(0), donor: "ECHO", as: "fin") }?.code == "amount_not_positive")
            _ = try store.createCall(code: "SA-2", configuration: Fund.configuration(envelopes: [.health: 10_000_000]), as: "sec")
            _ = try store.openCall("SA-2", as: "sec")
            let submitted = try store.submitProposal(Fund.submission(requested: "1000 USD", call: "SA-2"), as: "ngo")
            try fund.markScored(submitted.reference)
            let unfunded = refusal { _ = try store.decideProposal(submitted.reference, .approve(amount: Fund.usd(100_000), justification: "Good."), as: "fm") }
            #expect(unfunded?.code == "insufficient_funds")
            #expect(try store.proposal(submitted.reference).state == "scored")
            try store.deposit(call: "SA-2", cluster: .health, amount: Fund.usd(100_000), donor: "DFID", as: "fin")
            _ = try store.decideProposal(submitted.reference, .approve(amount: Fund.usd(100_000), justification: "Good."), as: "fm")
            #expect(try fund.balance("envelope:SA-2:health") == 0)
            #expect(try fund.balance("donor:DFID:USD") == -100_000)
            try fund.expectLedgerConsistent()
        }
    }
}
