import Foundation
import Postgres

/// Housekeeping the leader of the worker pools runs: rescuing jobs of dead workers, enqueueing cron ticks,
/// pruning finished jobs. Each function is one short transaction and safe to run from several processes.
public enum Maintenance {
    /// Deletes worker registrations whose heartbeat is older than `heartbeatTimeout` and puts their running
    /// jobs (and running jobs of no registered worker) back to pending — or discarded at max attempts, so a job
    /// that crashes its worker every time ends discarded — with an error entry. Returns the rescued job ids.
    @discardableResult
    public static func rescueOrphanedJobs(heartbeatTimeout: Duration, backoff: Backoff = Backoff(), on connection: Connection) throws -> [Int64] {
        try requeue(
            """
            dead AS (
                DELETE FROM workers WHERE heartbeat_at < now() - make_interval(secs => $4::float8) RETURNING id
            ), orphaned AS (
                SELECT j.id FROM jobs j
                WHERE j.state = 'running'
                  AND (j.worker_id IS NULL OR j.worker_id IN (SELECT id FROM dead)
                       OR NOT EXISTS (SELECT 1 FROM workers w WHERE w.id = j.worker_id))
                FOR UPDATE SKIP LOCKED
            )
            """,
            [heartbeatTimeout.seconds], error: "the worker stopped heartbeating while running the job (crashed or hung)",
            backoff: backoff, on: connection
        )
    }

    /// Puts back the jobs a live pool lost track of: those `running` on `workerID` that none of its threads holds
    /// any more (not in `held`) — a worker whose connection broke before it could record the job's outcome (a
    /// failure, or a success waiting for its batch's completion) lets go of the job, and this gives it back: to
    /// pending with the attempt counted and backoff, discarded at max attempts, cancelled when cancellation was
    /// requested. Only jobs claimed more than `grace` ago count, so that a claim whose jobs the worker has not
    /// added to `held` yet is left alone. Each pool runs this for itself with every heartbeat. Returns the job ids.
    @discardableResult
    public static func requeueLostJobs(
        workerID: UUID, held: [Int64], grace: Duration, backoff: Backoff = Backoff(), on connection: Connection
    ) throws -> [Int64] {
        try requeue(
            """
            orphaned AS (
                SELECT id FROM jobs
                WHERE state = 'running' AND worker_id = $4 AND id <> ALL($5::bigint[])
                  AND locked_at < now() - make_interval(secs => $6::float8)
                FOR UPDATE SKIP LOCKED
            )
            """,
            [workerID, held, grace.seconds], error: "the worker lost the job: its database connection failed before the outcome was recorded",
            backoff: backoff, on: connection
        )
    }

    /// Gives the jobs that `candidates` (SQL defining the CTE `orphaned`, with parameters from `$4` on) selects back
    /// to pending after the backoff, or ends them discarded at max attempts or cancelled when requested, with
    /// `error` appended to their errors. Returns their ids.
    private static func requeue(
        _ candidates: String, _ parameters: [(any PostgresEncodable)?], error: String, backoff: Backoff, on connection: Connection
    ) throws -> [Int64] {
        let rows = try connection.queryPrepared(
            """
            WITH \(candidates)
            UPDATE jobs AS j SET
                state = CASE WHEN j.cancel_requested THEN 'cancelled'::job_state
                             WHEN j.attempts >= j.max_attempts THEN 'discarded'::job_state
                             ELSE 'pending'::job_state END,
                finished_at = CASE WHEN j.cancel_requested OR j.attempts >= j.max_attempts THEN now() END,
                run_at = CASE WHEN j.cancel_requested OR j.attempts >= j.max_attempts THEN j.run_at
                              ELSE now() + make_interval(secs => least($2::float8, $1::float8 * power(2, greatest(j.attempts - 1, 0)))) END,
                errors = j.errors || jsonb_build_array(jsonb_build_object(
                    'attempt', j.attempts, 'at', now(), 'worker', j.worker_id::text, 'error', $3::text)),
                worker_id = CASE WHEN j.cancel_requested OR j.attempts >= j.max_attempts THEN j.worker_id END,
                locked_at = NULL
            FROM orphaned WHERE j.id = orphaned.id
            RETURNING j.id
            """,
            [backoff.base, backoff.maximum, error] + parameters
        )
        return try rows.rows.map { try $0.decode("id", as: Int64.self) }
    }

    /// Deletes succeeded, discarded and cancelled jobs finished more than `retention` ago (at most `limit` per
    /// call), and cron ticks older than the retention. Returns the number of jobs deleted.
    @discardableResult
    public static func pruneFinishedJobs(olderThan retention: Duration, limit: Int = 10_000, on connection: Connection) throws -> Int {
        let deleted = try connection.queryPrepared(
            """
            DELETE FROM jobs WHERE id IN (
                SELECT id FROM jobs
                WHERE state IN ('succeeded', 'discarded', 'cancelled') AND finished_at < now() - make_interval(secs => $1::float8)
                LIMIT $2)
            """,
            [retention.seconds, limit]
        ).affectedRows
        try connection.queryPrepared(
            "DELETE FROM cron_ticks WHERE tick < now() - make_interval(secs => $1::float8)", [max(retention.seconds, 86_400)]
        )
        return deleted
    }

    /// Enqueues `schedule`'s job for `tick` unless some process already did: the `cron_ticks` row and the job
    /// are inserted in one transaction. Returns the job id when this call enqueued it.
    @discardableResult
    public static func enqueueCronTick(_ schedule: CronSchedule, tick: Date, on connection: Connection) throws -> Int64? {
        try connection.withTransaction { connection in
            let claimed = try connection.queryPrepared(
                "INSERT INTO cron_ticks (schedule, tick) VALUES ($1, $2) ON CONFLICT DO NOTHING", [schedule.name, tick]
            ).affectedRows
            guard claimed == 1 else { return nil }
            var job = schedule.job
            job.runAt = tick
            let id = try Jobs.enqueue(job, on: connection)
            try connection.queryPrepared("UPDATE cron_ticks SET job_id = $3 WHERE schedule = $1 AND tick = $2", [schedule.name, tick, id])
            return id
        }
    }
}

/// Enqueues the ticks of cron schedules that became due since the last call. The first call only looks back
/// `catchUp` (default: one minute), so a daemon started after downtime does not replay every missed tick.
public final class CronScheduler: @unchecked Sendable {
    public let schedules: [CronSchedule]
    private var lastChecked: [String: Date] = [:]
    private let lock = NSLock()
    private let catchUp: TimeInterval

    public init(schedules: [CronSchedule], catchUp: Duration = .seconds(60)) {
        self.schedules = schedules
        self.catchUp = catchUp.seconds
    }

    /// Enqueues every tick in (last check, `now`]; returns the ids of jobs this call enqueued.
    @discardableResult
    public func enqueueDue(now: Date = Date(), on connection: Connection) throws -> [Int64] {
        var enqueued: [Int64] = []
        for schedule in schedules {
            let since = lock.withLock { lastChecked[schedule.name] } ?? now.addingTimeInterval(-catchUp)
            for tick in schedule.expression.ticks(after: since, through: now, timeZone: schedule.timeZone) {
                if let id = try Maintenance.enqueueCronTick(schedule, tick: tick, on: connection) { enqueued.append(id) }
            }
            lock.withLock { lastChecked[schedule.name] = now }
        }
        return enqueued
    }
}
