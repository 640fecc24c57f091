import Foundation
import Postgres

/// Queries and commands for operators (`rrfctl jobs`, `rrfctl daemon status`).
public enum JobAdmin {
    public struct JobSummary: Sendable, Codable, Equatable {
        public let id: Int64
        public let queue: String
        public let kind: String
        public let state: String
        public let priority: Int16
        public let attempts: Int
        public let maxAttempts: Int
        public let runAt: Date
        public let createdAt: Date
        public let finishedAt: Date?
        public let cancelRequested: Bool
        public let workerID: UUID?
    }

    public struct JobError: Sendable, Codable, Equatable {
        public let attempt: Int?
        public let at: String?
        public let error: String?
        public let worker: String?
    }

    public struct JobDetail: Sendable, Codable, Equatable {
        public let job: JobSummary
        public let payload: String
        public let uniqueKey: String?
        public let lockedAt: Date?
        public let errors: [JobError]
    }

    public struct QueueDepth: Sendable, Codable, Equatable {
        public let queue: String
        public let kind: String
        public let state: String
        public let count: Int64
        /// Age of the oldest runnable pending job, in seconds (pending only).
        public let oldestPendingAge: Double?
    }

    public struct WorkerStatus: Sendable, Codable, Equatable {
        public let id: UUID
        public let name: String
        public let host: String
        public let pid: Int
        public let queues: [String]
        public let threads: Int
        public let startedAt: Date
        public let heartbeatAt: Date
        public let heartbeatAge: Double
        public let runningJobs: Int64
    }

    static let summaryColumns = """
        id, queue, kind, state::text AS state, priority, attempts, max_attempts, run_at, created_at, finished_at,
        cancel_requested, worker_id
        """

    static func summary(_ row: Row) throws -> JobSummary {
        JobSummary(
            id: try row.decode("id"), queue: try row.decode("queue"), kind: try row.decode("kind"), state: try row.decode("state"),
            priority: try row.decode("priority"), attempts: try row.decode("attempts"), maxAttempts: try row.decode("max_attempts"),
            runAt: try row.decode("run_at"), createdAt: try row.decode("created_at"), finishedAt: try row.decode("finished_at"),
            cancelRequested: try row.decode("cancel_requested"), workerID: try row.decode("worker_id")
        )
    }

    /// A page of the jobs, newest first, optionally filtered by state, kind and queue, after `cursor` (the
    /// previous page's ``Page/next``).
    /// - Throws: `PageCursorError` for a cursor that is not this list's.
    public static func list(
        state: String? = nil, kind: String? = nil, queue: String? = nil, limit: Int = 50, after cursor: PageCursor? = nil,
        on connection: Connection
    ) throws -> Page<JobSummary> {
        try connection.page(
            "SELECT \(summaryColumns) FROM jobs",
            where: "($1::text IS NULL OR state::text = $1) AND ($2::text IS NULL OR kind = $2) AND ($3::text IS NULL OR queue = $3)",
            [state, kind, queue], orderedBy: [PageKey("id", "bigint", descending: true)], limit: limit, after: cursor, summary
        )
    }

    /// One job with payload and error history, or nil.
    public static func show(_ id: Int64, on connection: Connection) throws -> JobDetail? {
        guard let row = try connection.query(
            "SELECT \(summaryColumns), payload::text AS payload, unique_key, locked_at, errors::text AS errors FROM jobs WHERE id = $1", [id]
        ).first else { return nil }
        let errors = try JSONDecoder().decode([JobError].self, from: Data(try row.decode("errors", as: String.self).utf8))
        return JobDetail(job: try summary(row), payload: try row.decode("payload"), uniqueKey: try row.decode("unique_key"),
                         lockedAt: try row.decode("locked_at"), errors: errors)
    }

    public enum CommandOutcome: String, Sendable, Codable {
        case done
        /// Running: cancellation was requested; the handler observes it or the job ends cancelled if it fails.
        case requested
        case notFound
        /// The job is in a state the command does not apply to.
        case notApplicable
    }

    /// Cancels a pending job at once; asks a running one to stop (`cancel_requested`).
    public static func cancel(_ id: Int64, on connection: Connection) throws -> CommandOutcome {
        let rows = try connection.query(
            """
            WITH target AS (SELECT id, state FROM jobs WHERE id = $1 FOR UPDATE)
            UPDATE jobs j SET
                cancel_requested = j.cancel_requested OR target.state IN ('pending', 'running'),
                state = CASE WHEN target.state = 'pending' THEN 'cancelled'::job_state ELSE j.state END,
                finished_at = CASE WHEN target.state = 'pending' THEN now() ELSE j.finished_at END
            FROM target WHERE j.id = target.id
            RETURNING target.state::text AS previous
            """,
            [id]
        )
        switch try rows.first?.decode("previous", as: String.self) {
        case nil: return .notFound
        case "pending": return .done
        case "running": return .requested
        default: return .notApplicable
        }
    }

    /// Runs a discarded, cancelled or waiting (pending) job again now, allowing at least one more attempt.
    /// Throws a unique violation (23505) when another pending/running job holds the same unique key.
    public static func retry(_ id: Int64, on connection: Connection) throws -> CommandOutcome {
        let rows = try connection.query(
            """
            WITH target AS (SELECT id, state FROM jobs WHERE id = $1 FOR UPDATE)
            UPDATE jobs j SET
                state = CASE WHEN target.state IN ('discarded', 'cancelled', 'pending') THEN 'pending'::job_state ELSE j.state END,
                run_at = CASE WHEN target.state IN ('discarded', 'cancelled', 'pending') THEN now() ELSE j.run_at END,
                max_attempts = CASE WHEN target.state IN ('discarded', 'cancelled') THEN greatest(j.max_attempts, j.attempts + 1) ELSE j.max_attempts END,
                finished_at = CASE WHEN target.state IN ('discarded', 'cancelled') THEN NULL ELSE j.finished_at END,
                cancel_requested = CASE WHEN target.state IN ('discarded', 'cancelled') THEN false ELSE j.cancel_requested END
            FROM target WHERE j.id = target.id
            RETURNING target.state::text AS previous
            """,
            [id]
        )
        switch try rows.first?.decode("previous", as: String.self) {
        case nil: return .notFound
        case "discarded", "cancelled", "pending": return .done
        default: return .notApplicable
        }
    }

    /// Job counts by queue, kind and state.
    public static func depths(on connection: Connection) throws -> [QueueDepth] {
        try connection.query(
            """
            SELECT queue, kind, state::text AS state, count(*) AS n,
                   extract(epoch FROM now() - min(run_at) FILTER (WHERE state = 'pending' AND run_at <= now()))::float8 AS oldest
            FROM jobs GROUP BY queue, kind, state ORDER BY queue, kind, state
            """
        ).rows.map { row in
            QueueDepth(queue: try row.decode("queue"), kind: try row.decode("kind"), state: try row.decode("state"),
                       count: try row.decode("n"), oldestPendingAge: try row.decode("oldest"))
        }
    }

    /// Registered worker pools with their heartbeat age and running jobs.
    public static func workers(on connection: Connection) throws -> [WorkerStatus] {
        try connection.query(
            """
            SELECT w.id, w.name, w.host, w.pid, array_to_string(w.queues, ',') AS queues, w.threads, w.started_at, w.heartbeat_at,
                   extract(epoch FROM now() - w.heartbeat_at)::float8 AS age,
                   (SELECT count(*) FROM jobs j WHERE j.state = 'running' AND j.worker_id = w.id) AS running
            FROM workers w ORDER BY w.started_at
            """
        ).rows.map { row in
            WorkerStatus(
                id: try row.decode("id"), name: try row.decode("name"), host: try row.decode("host"), pid: try row.decode("pid"),
                queues: try row.decode("queues", as: String.self).split(separator: ",").map(String.init), threads: try row.decode("threads"),
                startedAt: try row.decode("started_at"), heartbeatAt: try row.decode("heartbeat_at"),
                heartbeatAge: try row.decode("age"), runningJobs: try row.decode("running")
            )
        }
    }
}
