import Foundation
import JobQueue

/// The handlers rrfd runs. RRF handlers (open/close calls, reviewer assignment, reminders …) are added here:
/// write a type conforming to `JobHandler` (or a closure) and add one `registry.register(…)` line.
enum JobHandlers {
    static func registry(_ configuration: DaemonConfiguration) -> JobRegistry {
        var registry = JobRegistry()
        // Does nothing; used by rrfbench and for checking that a deployment runs jobs (`rrfctl jobs` shows it).
        registry.register(kind: "noop") { _, _ in }
        // Delivers one notification from the outbox (sql/0008_notifications.sql).
        registry.register(NotifyHandler(sinks: configuration.notificationSinks()))
        return registry
    }
}
