import JobQueue
import Logging
import RRFStore

/// `grant.mark_reports_due` (periodic) → ``FundStore/markReportsDue(as:)`` as the daemon's actor.
struct MarkReportsDueHandler: StoreJobHandler {
    static let jobKind = JobKinds.grantMarkReportsDue
    let services: RRFServices

    func perform(_ payload: EmptyPayload, context: JobContext) throws {
        let due = try store.markReportsDue(as: services.actor)
        context.logger.info("reports marked due", metadata: ["count": "\(due.count)"])
    }
}
