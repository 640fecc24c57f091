import Foundation
import Postgres
import RRFStore
import RRFTestSupport
import RRFWorkflow
import Testing

@Suite struct ReviewReminderTests {
    /// Only a review still awaited is reminded, once, to its reviewer alone, and only within the window before its
    /// due time: not when due far away, not once submitted, recused or conflicted, not after the due time (then it
    /// is escalated instead, once, and the conflicted review is not).
    @Test func aReviewerIsRemindedOnceShortlyBeforeTheDueTime() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let store = fund.store
            let logins = ["rev-a", "rev-b", "rev-c", "rev-d"]
            for login in logins {
                _ = try store.addUser(login: login, displayName: "Reviewer \(login)", email: "\(login)@fund.example", roles: [.reviewer], as: "admin")
            }
            try fund.reviewPanel(logins)
            let proposal = try fund.proposalInReview()
            let ref = proposal.reference
            for login in logins { _ = try store.assignReviewer(ref, reviewer: login, as: "sec") }
            _ = try store.submitReview(ref, fund.scores(4), as: "rev-b")
            _ = try store.recuseReview(ref, reason: "Travelling", as: "rev-c")
            _ = try store.declareConflict(reviewer: "rev-d", organisation: "NGO-ALPHA", reason: "Former employer", as: "rev-d")
            let dueAt = try #require(try store.proposalReviews(ref).reviews.first?.dueAt)
            func at(hoursBeforeDue hours: Double) -> FundStore { Fund(db, clock: { dueAt.addingTimeInterval(-hours * 3600) }).store }

            #expect(try store.remindReviewsDueSoon().isEmpty)  // due in 45 days
            #expect(try at(hoursBeforeDue: 25).remindReviewsDueSoon().isEmpty)
            #expect(try at(hoursBeforeDue: 25).remindReviewsDueSoon(withinHours: 48).map(\.reviewer) == ["rev-a"])
            #expect(try at(hoursBeforeDue: 2).remindReviewsDueSoon().isEmpty)  // already reminded
            #expect(try at(hoursBeforeDue: -1).remindReviewsDueSoon().isEmpty)  // past due: no reminder
            #expect(try at(hoursBeforeDue: -1).escalateOverdueReviews().map(\.reviewer) == ["rev-a"])
            #expect(refusal { _ = try store.remindReviewsDueSoon(withinHours: 0) }?.code == "hours_invalid")

            func messages(_ event: String, to recipient: String) throws -> Int {
                try fund.count("SELECT count(*) FROM notifications WHERE recipient = $1 AND subject LIKE $2", [recipient, "%\(event)%"])
            }
            #expect(try messages("review.reminded", to: "rev-a@fund.example") == 1)
            #expect(try fund.count("SELECT count(*) FROM notifications WHERE subject LIKE $1", ["%review.reminded%"]) == 1)
            #expect(try fund.count("SELECT count(*) FROM audit_events WHERE event_type = $1", ["review.reminded"]) == 1)
            #expect(try messages("review.overdue", to: "rev-d@fund.example") == 0)
        }
    }

    /// A review left open on a proposal that no longer waits for it (withdrawn before rrfd cancelled its
    /// assignments) is not escalated.
    @Test func aReviewOfAWithdrawnProposalIsNotEscalated() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let store = fund.store
            _ = try store.addUser(login: "rev-a", displayName: "Reviewer A", email: "rev-a@fund.example", roles: [.reviewer], as: "admin")
            try fund.reviewPanel(["rev-a"])
            let ref = try fund.proposalInReview().reference
            _ = try store.assignReviewer(ref, reviewer: "rev-a", as: "sec")
            let dueAt = try #require(try store.proposalReviews(ref).reviews.first?.dueAt)
            _ = try store.withdrawProposal(ref, reason: "Funded elsewhere.", as: "ngo")
            #expect(try Fund(db, clock: { dueAt.addingTimeInterval(3600) }).store.escalateOverdueReviews().isEmpty)
        }
    }

    /// Issue 13: reviews past their due time are flagged overdue in lists, `state: overdue` selects them, and an
    /// unknown state is refused instead of listing nothing.
    @Test func overdueReviewsAreFlaggedAndFiltered() throws {
        try withTestDatabase { db in
            let fund = try Fund.standard(db)
            let store = fund.store
            for login in ["rev-a", "rev-b"] {
                _ = try store.addUser(login: login, displayName: "Reviewer \(login)", email: "\(login)@fund.example", roles: [.reviewer], as: "admin")
            }
            try fund.reviewPanel(["rev-a", "rev-b"])
            let ref = try fund.proposalInReview().reference
            for login in ["rev-a", "rev-b"] { _ = try store.assignReviewer(ref, reviewer: login, as: "sec") }
            _ = try store.submitReview(ref, fund.scores(4), as: "rev-b")
            let dueAt = try #require(try store.proposalReviews(ref).reviews.first?.dueAt)
            #expect(try store.reviews().filter(\.overdue).isEmpty)
            #expect(try store.reviews(ReviewFilter(state: "overdue")).isEmpty)
            let later = Fund(db, clock: { dueAt.addingTimeInterval(3600) }).store
            let listed = try later.reviews()
            #expect(listed.filter(\.overdue).map(\.reviewer) == ["rev-a"])
            #expect(try later.reviews(ReviewFilter(state: "overdue")).map(\.reviewer) == ["rev-a"])
            let overdue = try later.reviews(ReviewFilter(state: "overdue", limit: 1))
            #expect(overdue.total == 1 && overdue.next == nil)
            let firstReview = try later.reviews(ReviewFilter(limit: 1))
            #expect(firstReview.map(\.reviewer) == ["rev-a"])
            let afterFirst: PageCursor = try #require(firstReview.next)
            #expect(try later.reviews(ReviewFilter(state: "overdue", after: afterFirst)).isEmpty)
            #expect(try later.proposalReviews(ref).reviews.first { $0.reviewer == "rev-a" }?.overdue == true)
            let unknown = refusal { _ = try later.reviews(ReviewFilter(state: "late")) }
            #expect(unknown?.code == "review_state_unknown")
            #expect(unknown?.message.contains("assigned, submitted, recused, overdue") == true)
        }
    }
}
