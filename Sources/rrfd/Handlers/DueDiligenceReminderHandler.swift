import JobQueue
import Logging
import RRFStore

/// `organisation.due_diligence_reminder` → ``FundStore/remindDueDiligence(organisationID:)``: tells the
/// secretariat once, only when the organisation's current assessment is the one about to expire (a reassessment
/// since makes the old job a no-op).
struct DueDiligenceReminderHandler: StoreJobHandler {
    static let jobKind = JobKinds.organisationDueDiligenceReminder
    let services: RRFServices

    func perform(_ payload: OrganisationJobPayload, store: FundStore, context: JobContext) throws {
        if try store.remindDueDiligence(organisationID: payload.organisationID) {
            context.logger.info("due diligence reminder sent", metadata: ["organisation": "\(payload.code)"])
        }
    }
}
