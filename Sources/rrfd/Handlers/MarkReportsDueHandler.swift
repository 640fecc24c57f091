import JobQueue
import Logging
import RRFStore

/// `grant.mark_reports_due` (periodic, hourly) → ``FundStore/markReportsDue(as:)`` as the daemon's actor, then
/// ``FundStore/notifyOverdueReports()``: reports whose period has ended become due, and the organisation and the
/// secretariat hear once about each report past its due date.
struct MarkReportsDueHandler: StoreJobHandler {
    static let jobKind = JobKinds.grantMarkReportsDue
    let services: RRFServices

    func perform(_ payload: NoPayload, store: FundStore, context: JobContext) throws {
        let due = try store.markReportsDue(as: services.actor)
        let overdue = try store.notifyOverdueReports()
        context.logger.info("reports marked due, overdue reports notified", metadata: ["due": "\(due.count)", "overdue": "\(overdue.count)"])
    }
}
