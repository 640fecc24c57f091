import Foundation
import JobQueue
import Notifications
import Logging
import Postgres
import RRFStore

/// The handlers rrfd runs. An RRF handler is a small `StoreJobHandler` in `Handlers/` plus one line here.
enum JobHandlers {
    static func registry(_ configuration: DaemonConfiguration) -> JobRegistry {
        var registry = JobRegistry()
        // Does nothing; used by rrfbench and for checking that a deployment runs jobs (`rrfctl jobs` shows it).
        registry.register(kind: "noop") { _, _ in }
        // Delivers one notification from the outbox (sql/0008_notifications.sql).
        registry.register(NotifyHandler(sinks: configuration.notificationSinks()))
        let store = FundStore(
            // Handlers block their worker thread on it; one connection per worker is enough.
            pool: ConnectionPool(
                configuration: PostgresConfiguration(connectionString: configuration.databaseURL, applicationName: "\(configuration.name)-store"),
                maximumConnections: max(1, configuration.workers)
            ),
            serviceLogin: configuration.actor, logger: Logger(label: "rrf.store")
        )
        let services = RRFServices(store: store, actor: configuration.actor)
        let handlers: [any JobHandler] = [
            AssignReviewersHandler(services: services),
            AggregateReviewsHandler(services: services),
            CancelReviewsHandler(services: services),
            CreateGrantHandler(services: services),
            DecisionSLAWatchHandler(services: services),
            OpenCallHandler(services: services),
            CloseCallHandler(services: services),
            DueDiligenceReminderHandler(services: services),
            EvaluateTranchesHandler(services: services),
            CertificatesChangedHandler(services: services),
            MarkReportsDueHandler(services: services),
            CertificateExpiryHandler(services: services),
            ReviewRemindersHandler(services: services),
        ]
        handlers.forEach { registry.register($0) }
        if let anchors = configuration.auditAnchors {
            registry.register(AuditAnchorHandler(store: store, anchors: anchors))
        }
        return registry
    }
}

/// The kinds only rrfd's own schedules enqueue (the store's kinds are in `JobKinds`).
enum DaemonJobKinds {
    /// Daily: remind organisations of certificates that expire within 30 days.
    static let certificateExpiryReminders = JobKind<NoPayload>("training.certificate_expiry_reminders")
    /// Every 15 minutes: remind reviewers of assignments due within 24 hours, and escalate those past their due
    /// time. The kind keeps its first name, `review.escalate_overdue`, so pending jobs and `cron:` entries stay valid.
    static let reviewReminders = JobKind<NoPayload>("review.escalate_overdue")

    /// The periodic jobs every rrfd runs (UTC); a `cron:` entry of the same name in the configuration file
    /// replaces one (e.g. to change its schedule):
    /// - `rrf.reports_due`, hourly: reports whose period ended become due; overdue reports are notified.
    /// - `rrf.certificate_expiry`, daily: certificates expiring within 30 days are reminded.
    /// - `rrf.overdue_reviews`, every 15 minutes: reviews due within 24 hours are reminded, overdue ones escalated.
    static let builtInCron: [DaemonConfiguration.Cron] = [
        .init(name: "rrf.reports_due", schedule: "7 * * * *", kind: JobKinds.grantMarkReportsDue.name),
        .init(name: "rrf.certificate_expiry", schedule: "17 6 * * *", kind: certificateExpiryReminders.name),
        .init(name: "rrf.overdue_reviews", schedule: "*/15 * * * *", kind: reviewReminders.name),
    ]
}
