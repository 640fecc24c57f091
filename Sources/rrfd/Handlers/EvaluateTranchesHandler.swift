import JobQueue
import Logging
import RRFStore

/// `grant.evaluate_tranches` → ``FundStore/evaluateTranches(_:training:policy:as:)`` with the recorded training
/// certificates, as the daemon's actor.
struct EvaluateTranchesHandler: StoreJobHandler {
    static let jobKind = JobKinds.grantEvaluateTranches
    let services: RRFServices

    func perform(_ payload: GrantJobPayload, store: FundStore, context: JobContext) throws {
        try store.evaluateTranches(payload.reference, as: services.actor)
        context.logger.info("tranches evaluated", metadata: ["grant": "\(payload.reference)"])
    }
}
