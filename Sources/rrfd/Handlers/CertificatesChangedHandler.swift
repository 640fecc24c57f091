import JobQueue
import Logging
import RRFStore

/// `training.certificates_changed` → ``FundStore/evaluateTranches(_:training:policy:as:)`` for each of the
/// organisation's grants that are not finished (``FundStore/openGrantReferences(organisationID:)``).
struct CertificatesChangedHandler: StoreJobHandler {
    static let jobKind = JobKinds.trainingCertificatesChanged
    let services: RRFServices

    func perform(_ payload: OrganisationJobPayload, store: FundStore, context: JobContext) throws {
        let grants = try store.openGrantReferences(organisationID: payload.organisationID)
        for reference in grants {
            try store.evaluateTranches(reference, as: services.actor)
        }
        context.logger.info("tranches re-evaluated after certificates changed", metadata: ["organisation": "\(payload.code)", "grants": "\(grants)"])
    }
}
