import Foundation
import Postgres

/// The statements workers run, all through prepared statements.
enum JobSQL {
    /// Completes the previous batch's successes (`$4`) and claims the next batch in one statement, so a busy
    /// worker pays one round trip and one commit per batch.
    ///
    /// The completions run first, before the claim locks anything (`picked` waits for `completed` through the
    /// uncorrelated `count(*)`, an init plan evaluated before its scan starts). A claim can lock a row it then
    /// skips: a row another worker claimed after this statement's snapshot was taken is locked, rechecked and
    /// found running. If the completions ran after the claim, two workers could each hold such a lock on a row the
    /// other is completing and wait on each other (40P01). Completing first, a statement that waits holds no
    /// claim lock, and claims never wait (`SKIP LOCKED`), so no cycle can form.
    ///
    /// This statement's transaction commits without waiting for the WAL flush (`synchronous_commit` off for it
    /// alone): if the server crashes before the flush, the claim and these completions are lost together and
    /// atomically, and the jobs run again — the at-least-once contract every handler already has (the completed
    /// ones come back as `running` on a pool that no longer holds them: `Maintenance.requeueLostJobs`). WAL is
    /// sequential, so any later durable commit (a handler's `completeInTransaction`, a failure record) flushes
    /// it first. Handlers' own transactions stay durable.
    static let claim = """
        WITH completed AS (
            UPDATE jobs SET state = 'succeeded', finished_at = now()
            WHERE id = ANY($4::bigint[]) AND state = 'running' AND worker_id = $3
            RETURNING id
        ), picked AS (
            SELECT id FROM jobs
            WHERE state = 'pending' AND queue = $1 AND run_at <= now() AND (SELECT count(*) FROM completed) >= 0
            ORDER BY priority DESC, run_at, id
            LIMIT $2
            FOR UPDATE SKIP LOCKED
        )
        UPDATE jobs AS j
        SET state = 'running', attempts = j.attempts + 1, worker_id = $3, locked_at = now()
        FROM picked, (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed
        WHERE j.id = picked.id
        RETURNING j.id, j.queue, j.kind, j.payload::text AS payload, j.priority, j.attempts, j.max_attempts,
                  j.run_at, j.created_at
        """

    /// Marks `completing` succeeded, then claims up to `limit` runnable jobs of `queue` for `workerID`, highest
    /// priority and oldest first. One queue per statement: with `queue = ANY(array)` PostgreSQL cannot read the
    /// claim index in order and sorts every pending job instead (measured: 178 ms instead of 0.3 ms at 50,000).
    ///
    /// Planned anew at every call (`PQexecParams`, no cached plan): a plan cached while the queue was empty
    /// scanned the whole table and sorted it once the queue had filled (48–53 ms a claim instead of 2.4–3.6 ms,
    /// issue 19). Each plan sees the table's current size; planning is a small part of a claim (docs/performance.md).
    static func claim(queue: String, limit: Int, workerID: UUID, completing: [Int64], on connection: Connection) throws -> [ClaimedJob] {
        let rows = try connection.query(claim, [queue, limit, workerID, completing])
        return try rows.rows.map { row in
            ClaimedJob(
                id: try row.decode("id"), queue: try row.decode("queue"), kind: try row.decode("kind"),
                payload: try row.decode("payload"), priority: try row.decode("priority"),
                attempt: try row.decode("attempts"), maxAttempts: try row.decode("max_attempts"),
                runAt: try row.decode("run_at"), createdAt: try row.decode("created_at")
            )
        }
    }

    /// Highest priority first, then oldest `run_at`, then oldest id (the order of the claim index).
    static func runOrder(_ a: ClaimedJob, _ b: ClaimedJob) -> Bool {
        if a.priority != b.priority { return a.priority > b.priority }
        if a.runAt != b.runAt { return a.runAt < b.runAt }
        return a.id < b.id
    }

    /// Marks running jobs of `workerID` succeeded with one statement. With `requireAll`, throws `jobLost` unless
    /// every job was still running on this worker (used inside a handler's transaction, which then rolls back).
    @discardableResult
    static func markSucceeded(_ ids: [Int64], workerID: UUID, on connection: Connection, requireAll: Bool = false) throws -> Int {
        guard !ids.isEmpty else { return 0 }
        let result = try connection.queryPrepared(
            """
            UPDATE jobs SET state = 'succeeded', finished_at = now()
            WHERE id = ANY($1::bigint[]) AND state = 'running' AND worker_id = $2
            """,
            [ids, workerID]
        )
        if requireAll, result.affectedRows != ids.count, let id = ids.first {
            throw JobQueueError.jobLost(jobID: id)
        }
        return result.affectedRows
    }

    /// Records a failed attempt: the error is appended to `errors`; the job goes back to pending at
    /// `now() + delay`, or is discarded at max attempts, or ends cancelled when cancellation was requested
    /// (or `cancelled` is true). Returns the new state, or nil when the job was no longer ours.
    @discardableResult
    static func markFailed(
        _ id: Int64, workerID: UUID, error: String, retryDelay: Double, cancelled: Bool, on connection: Connection
    ) throws -> String? {
        let rows = try connection.queryPrepared(
            """
            UPDATE jobs SET
                state = CASE WHEN $5 OR cancel_requested THEN 'cancelled'::job_state
                             WHEN attempts >= max_attempts THEN 'discarded'::job_state
                             ELSE 'pending'::job_state END,
                run_at = CASE WHEN $5 OR cancel_requested OR attempts >= max_attempts THEN run_at
                              ELSE now() + make_interval(secs => $3::float8) END,
                finished_at = CASE WHEN $5 OR cancel_requested OR attempts >= max_attempts THEN now() END,
                errors = errors || jsonb_build_array(jsonb_build_object(
                    'attempt', attempts, 'at', now(), 'error', $4::text, 'worker', $6::text)),
                worker_id = CASE WHEN $5 OR cancel_requested OR attempts >= max_attempts THEN worker_id END,
                locked_at = NULL
            WHERE id = $1 AND state = 'running' AND worker_id = $2
            RETURNING state::text AS state
            """,
            [id, workerID, retryDelay, error, cancelled, workerID.uuidString.lowercased()]
        )
        return try rows.first?.decode("state", as: String.self)
    }

    /// Puts claimed jobs that never started back to pending, as if they had not been claimed.
    static func release(_ ids: [Int64], workerID: UUID, on connection: Connection) throws {
        guard !ids.isEmpty else { return }
        try connection.queryPrepared(
            """
            UPDATE jobs SET state = 'pending', attempts = greatest(attempts - 1, 0), worker_id = NULL, locked_at = NULL
            WHERE id = ANY($1::bigint[]) AND state = 'running' AND worker_id = $2
            """,
            [ids, workerID]
        )
    }
}
