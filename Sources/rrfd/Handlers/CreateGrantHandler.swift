import JobQueue
import Logging
import RRFStore

/// `proposal.create_grant` → ``FundStore/createGrant(_:startDate:as:)`` as the daemon's actor (idempotent: an
/// existing grant is returned unchanged).
struct CreateGrantHandler: StoreJobHandler {
    static let jobKind = JobKinds.proposalCreateGrant
    let services: RRFServices

    func perform(_ payload: ProposalJobPayload, store: FundStore, context: JobContext) throws {
        let grant = try store.createGrant(payload.reference, as: services.actor)
        context.logger.info("grant created", metadata: ["proposal": "\(payload.reference)", "grant": "\(grant.reference)"])
    }
}
