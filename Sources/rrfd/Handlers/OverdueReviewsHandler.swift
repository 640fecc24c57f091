import JobQueue
import Logging
import RRFStore

/// `review.escalate_overdue` (periodic) → ``FundStore/escalateOverdueReviews()``: assignments past their due
/// time → the secretariat and the reviewer are told, once per review.
struct OverdueReviewsHandler: StoreJobHandler {
    static let jobKind = DaemonJobKinds.escalateOverdueReviews
    let services: RRFServices

    func perform(_ payload: EmptyPayload, context: JobContext) throws {
        let escalated = try store.escalateOverdueReviews()
        context.logger.info("overdue reviews escalated", metadata: ["count": "\(escalated.count)"])
    }
}
