import JobQueue
import Logging
import RRFStore

/// `proposal.cancel_reviews` → ``FundStore/cancelReviews(proposalID:)`` (open assignments of a withdrawn proposal).
struct CancelReviewsHandler: StoreJobHandler {
    static let jobKind = JobKinds.proposalCancelReviews
    let services: RRFServices

    func perform(_ payload: ProposalJobPayload, store: FundStore, context: JobContext) throws {
        let recused = try store.cancelReviews(proposalID: payload.proposalID)
        context.logger.info("reviews cancelled", metadata: ["proposal": "\(payload.reference)", "count": "\(recused.count)"])
    }
}
