import JobQueue
import Logging
import RRFStore

/// `proposal.aggregate_reviews` → ``FundStore/aggregateReviews(proposalID:)``: scores and ranks the proposal
/// as soon as its panel is complete (enqueued with the last review), telling the fund managers.
struct AggregateReviewsHandler: StoreJobHandler {
    static let jobKind = JobKinds.proposalAggregateReviews
    let services: RRFServices

    func perform(_ payload: ProposalJobPayload, store: FundStore, context: JobContext) throws {
        let aggregate = try store.aggregateReviews(proposalID: payload.proposalID)
        context.logger.info(aggregate == nil ? "panel not complete yet" : "proposal aggregated", metadata: ["proposal": "\(payload.reference)"])
    }
}
