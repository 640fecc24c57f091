import Foundation
import Postgres

/// Settings of a worker pool (one per process).
public struct WorkerPoolConfiguration: Sendable {
    public var database: PostgresConfiguration
    /// Shown in `rrfctl daemon status`.
    public var name: String
    public var queues: [String]
    /// Worker threads, each with its own connection.
    public var workers: Int
    /// The batch size rrfd and rrfbench use unless told otherwise (docs/performance.md has the measurements).
    public static let defaultBatchSize = 10
    /// Jobs claimed per statement by one worker.
    public var batchSize: Int
    /// How long an idle worker sleeps when no notification arrives (fallback polling; also picks up
    /// jobs scheduled for later).
    public var pollInterval: Duration
    /// Whether one connection per process LISTENs on `rrf_jobs` to wake idle workers.
    public var listen: Bool
    /// Successful jobs are completed in one statement per batch, at the latest after this long.
    public var completionFlushInterval: Duration
    public var heartbeatInterval: Duration
    /// A pool whose heartbeat is older than this is dead: its running jobs are rescued.
    public var heartbeatTimeout: Duration
    /// On shutdown, in-flight jobs get this long to finish; the rest go back to pending.
    public var shutdownTimeout: Duration
    public var backoff: Backoff
    /// Whether this pool competes for leadership (rescue, cron, pruning).
    public var maintenance: Bool
    /// Finished jobs older than this are deleted by the leader.
    public var retention: Duration
    public var pruneInterval: Duration
    public var cron: [CronSchedule]
    /// Stop by itself once no job is runnable and every worker is idle (`rrfd --drain`).
    public var stopWhenIdle: Bool

    public init(
        database: PostgresConfiguration, name: String = "rrfd", queues: [String] = ["default"], workers: Int = 4,
        batchSize: Int = WorkerPoolConfiguration.defaultBatchSize, pollInterval: Duration = .seconds(1), listen: Bool = true,
        completionFlushInterval: Duration = .milliseconds(50), heartbeatInterval: Duration = .seconds(1),
        heartbeatTimeout: Duration = .seconds(5), shutdownTimeout: Duration = .seconds(25), backoff: Backoff = Backoff(),
        maintenance: Bool = true, retention: Duration = .seconds(7 * 86_400), pruneInterval: Duration = .seconds(60),
        cron: [CronSchedule] = [], stopWhenIdle: Bool = false
    ) {
        self.database = database
        self.name = name
        self.queues = queues
        self.workers = workers
        self.batchSize = batchSize
        self.pollInterval = pollInterval
        self.listen = listen
        self.completionFlushInterval = completionFlushInterval
        self.heartbeatInterval = heartbeatInterval
        self.heartbeatTimeout = heartbeatTimeout
        self.shutdownTimeout = shutdownTimeout
        self.backoff = backoff
        self.maintenance = maintenance
        self.retention = retention
        self.pruneInterval = pruneInterval
        self.cron = cron
        self.stopWhenIdle = stopWhenIdle
    }

    /// Checks the settings a pool cannot run with (no worker, an empty batch, no queue, a heartbeat timeout
    /// within the interval).
    /// - Throws: `JobQueueError.invalidConfiguration` naming the setting.
    public func validate() throws {
        if workers < 1 { throw JobQueueError.invalidConfiguration("workers must be at least 1") }
        if batchSize < 1 { throw JobQueueError.invalidConfiguration("batch size must be at least 1") }
        if queues.isEmpty || queues.contains("") { throw JobQueueError.invalidConfiguration("queues must be non-empty names") }
        if heartbeatTimeout <= heartbeatInterval {
            throw JobQueueError.invalidConfiguration("the heartbeat timeout must be longer than the heartbeat interval")
        }
    }
}
