import JobQueue
import Logging
import RRFStore

/// `review.escalate_overdue` (periodic, every 15 minutes), one pass over the open review assignments:
/// ``FundStore/remindReviewsDueSoon(withinHours:)`` reminds the reviewer once when the due time is within 24
/// hours, then ``FundStore/escalateOverdueReviews()`` tells the secretariat and the reviewer once after it.
struct ReviewRemindersHandler: StoreJobHandler {
    static let jobKind = DaemonJobKinds.reviewReminders
    let services: RRFServices

    func perform(_ payload: NoPayload, store: FundStore, context: JobContext) throws {
        let reminded = try store.remindReviewsDueSoon(withinHours: 24)
        let escalated = try store.escalateOverdueReviews()
        context.logger.info("review reminders", metadata: ["reminded": "\(reminded.count)", "escalated": "\(escalated.count)"])
    }
}
