import JobQueue
import Logging
import RRFStore

/// `proposal.assign_reviewers` → ``FundStore/assignReviewers(proposalID:)`` (a no-op once the panel is full or
/// the proposal left review). `too_few_eligible_reviewers` is a refusal for good: the secretariat is told.
struct AssignReviewersHandler: StoreJobHandler {
    static let jobKind = JobKinds.proposalAssignReviewers
    let services: RRFServices

    func perform(_ payload: ProposalJobPayload, store: FundStore, context: JobContext) throws {
        let assigned = try store.assignReviewers(proposalID: payload.proposalID)
        context.logger.info("reviewers assigned", metadata: ["proposal": "\(payload.reference)", "assigned": "\(assigned.map(\.reviewer))"])
    }
}
