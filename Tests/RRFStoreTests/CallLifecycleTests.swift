import Foundation
import Postgres
import RRFStore
import RRFTestSupport
import RRFWorkflow
import Testing

/// Issue 13, item 11: a call is checked when it is written, a draft can be edited and deleted, and a closed call
/// reaches decided and archived.
@Suite struct CallLifecycleTests {
    @Test func aCallThatCouldNotOpenIsRefusedAtCreateWithNothingWritten() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            var past = Fund.configuration()
            past.submissionDeadline = Date().addingTimeInterval(-3600)
            #expect(refusal { _ = try fund.store.createCall(code: "SA-2", configuration: past, as: "sec") }?.code == "submission_deadline_in_past")
            var weights = Fund.configuration()
            let json = #"{"criteria": [{"id": "a", "title": "A", "weight": 60, "maxScore": 5}, {"id": "b", "title": "B", "weight": 30, "maxScore": 5}], "passThreshold": 60, "commentFloorPercent": 40}"#
            weights.scorecard = try JSONDecoder().decode(Scorecard.self, from: Data(json.utf8))
            #expect(refusal { _ = try fund.store.createCall(code: "SA-2", configuration: weights, as: "sec") }?.code == "scorecard_weights_not_100")
            var order = Fund.configuration()
            order.reviewDeadline = order.submissionDeadline.addingTimeInterval(-60)
            #expect(refusal { _ = try fund.store.createCall(code: "SA-2", configuration: order, as: "sec") }?.code == "deadlines_out_of_order")
            var late = Fund.configuration()
            late.reviewDeadline = late.submissionDeadline.addingTimeInterval(30 * 86_400)
            #expect(refusal { _ = try fund.store.createCall(code: "SA-2", configuration: late, as: "sec") }?.code == "review_after_decision_deadline")
            #expect(try fund.count("SELECT count(*) FROM calls WHERE code = 'SA-2'") == 0)
        }
    }

    @Test func aDraftCanBeEditedAndDeletedWithAuditEventsAndVersions() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let store = fund.store
            let draft = try store.createCall(code: "SA-2", configuration: Fund.configuration(), as: "sec")
            let later = draft.configuration.reviewDeadline.addingTimeInterval(86_400)
            let edited = try store.editCall(
                "SA-2", CallChanges(title: "Drought 2026", reviewDeadline: later, decisionSLA: .businessDays(15)),
                expectedVersion: draft.version, as: "sec"
            )
            #expect(edited.configuration.title == "Drought 2026")
            #expect(edited.configuration.reviewDeadline == later)
            #expect(edited.configuration.decisionSLA == .businessDays(15))
            #expect(edited.configuration.envelopes == draft.configuration.envelopes)
            #expect(edited.version == draft.version + 1)
            // Refused, naming what to do, and nothing changed.
            #expect(refusal { _ = try store.editCall("SA-2", CallChanges(title: "Again"), expectedVersion: draft.version, as: "sec") }?.code == "changed_since_loaded")
            let backwards = refusal { _ = try store.editCall("SA-2", CallChanges(reviewDeadline: draft.configuration.submissionDeadline), as: "sec") }
            #expect(backwards?.code == "deadlines_out_of_order")
            #expect(refusal { _ = try store.editCall("SA-2", CallChanges(), as: "sec") }?.code == "call_changes_missing")
            #expect(refusal { _ = try store.editCall("SA-2", CallChanges(title: "X"), as: "fm") }?.code == "role_required")
            #expect(try store.call("SA-2") == edited)
            // An open call is no longer edited or deleted.
            #expect(refusal { _ = try store.editCall("SA-1", CallChanges(title: "X"), as: "sec") }?.code == "invalid_transition")
            let openDelete = refusal { try store.deleteCall("SA-1", as: "sec") }
            #expect(openDelete?.code == "invalid_transition")
            #expect(openDelete?.message.contains("only a draft call can be deleted") == true)
            try store.deleteCall("SA-2", expectedVersion: edited.version, as: "sec")
            #expect(refusal { _ = try store.call("SA-2") }?.kind == .notFound)
            let events = try fund.count("SELECT count(*) FROM audit_events WHERE stream = 'call:SA-2' AND event_type IN ('call.edited', 'call.deleted')")
            #expect(events == 2)
        }
    }

    @Test func aFundedDraftKeepsItsCurrencyAndCannotBeDeleted() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let store = fund.store
            _ = try store.createCall(code: "SA-2", configuration: Fund.configuration(), as: "sec")
            try store.deposit(call: "SA-2", cluster: .health, amount: Money(minorUnits: 100_000, currency: Fund.usd), donor: "ECHO", as: "fm")
            let euro = try Currency(code: "EUR")
            let currency = refusal {
                _ = try store.editCall("SA-2", CallChanges(
                    currency: euro, envelopes: [.health: Money(minorUnits: 100_000, currency: euro)], perProposalCeiling: Money(minorUnits: 1000, currency: euro)
                ), as: "sec")
            }
            #expect(currency?.code == "call_currency_funded")
            let deleted = refusal { try store.deleteCall("SA-2", as: "sec") }
            #expect(deleted?.code == "call_in_use")
            #expect(deleted?.message.contains("donor funding") == true)
            #expect(try store.call("SA-2").state == "draft")
        }
    }

    @Test func aClosedCallIsDecidedOnceNoProposalAwaitsADecisionThenArchived() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let store = fund.store
            let first = try fund.scoredProposal()
            let second = try store.submitProposal(Fund.submission(title: "Shelter kits"), as: "ngo")
            _ = try store.closeCall("SA-1", as: "sec")
            let early = refusal { _ = try store.markCallDecided("SA-1", as: "fm") }
            #expect(early?.code == "proposals_undecided")
            #expect(early?.message.contains(first.reference) == true)
            #expect(early?.message.contains(second.reference) == true)
            #expect(refusal { _ = try store.archiveCall("SA-1", as: "sec") }?.code == "invalid_transition")
            _ = try store.decideProposal(first.reference, .reject(justification: "Weak targeting."), as: "fm")
            _ = try store.withdrawProposal(second.reference, reason: "Duplicate", as: "ngo")
            #expect(refusal { _ = try store.markCallDecided("SA-1", as: "sec") }?.code == "role_required")
            let decided = try store.markCallDecided("SA-1", as: "fm")
            #expect(decided.state == "decided")
            let archived = try store.archiveCall("SA-1", expectedVersion: decided.version, as: "sec")
            #expect(archived.state == "archived")
            #expect(try fund.count("SELECT count(*) FROM audit_events WHERE stream = 'call:SA-1' AND event_type IN ('call.decided', 'call.archived')") == 2)
        }
    }
}
