import JobQueue
import Logging
import RRFStore

/// `proposal.decision_sla_watch` → ``FundStore/escalateDecisionSLA(proposalID:round:)``: at a reserve-call
/// proposal's decision deadline (72 business hours), tells the fund managers once if it is still undecided.
struct DecisionSLAWatchHandler: StoreJobHandler {
    static let jobKind = JobKinds.proposalDecisionSLAWatch
    let services: RRFServices

    func perform(_ payload: ProposalJobPayload, store: FundStore, context: JobContext) throws {
        if try store.escalateDecisionSLA(proposalID: payload.proposalID, round: payload.round) {
            context.logger.warning("decision deadline passed; fund managers told", metadata: ["proposal": "\(payload.reference)"])
        }
    }
}
