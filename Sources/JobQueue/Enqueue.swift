import Foundation
import Postgres

/// Entry points of the job queue that run inside the caller's transaction.
public enum Jobs {
    /// Enqueues `job` on `connection`, in whatever transaction is open there: the job exists if and only if
    /// that transaction commits. Returns the job id, or `nil` when a pending/running job has the same unique key.
    @discardableResult
    public static func enqueue(_ job: NewJob, on connection: Connection) throws -> Int64? {
        try enqueue([job], on: connection).first ?? nil
    }

    /// Enqueues several jobs with one statement; returns each job's id (`nil` where a unique key was taken),
    /// in the order given.
    @discardableResult
    public static func enqueue(_ jobs: [NewJob], on connection: Connection) throws -> [Int64?] {
        guard !jobs.isEmpty else { return [] }
        let rows = try connection.queryPrepared(
            """
            INSERT INTO jobs (kind, payload, queue, priority, run_at, max_attempts, unique_key)
            SELECT kind, payload::jsonb, queue, priority, coalesce(run_at, now()), max_attempts, unique_key
            FROM unnest($1::text[], $2::text[], $3::text[], $4::smallint[], $5::timestamptz[], $6::integer[], $7::text[])
                WITH ORDINALITY AS j(kind, payload, queue, priority, run_at, max_attempts, unique_key, position)
            ORDER BY position
            ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND state IN ('pending', 'running') DO NOTHING
            RETURNING id, unique_key
            """,
            [
                jobs.map(\.kind), jobs.map(\.payload), jobs.map(\.queue), jobs.map(\.priority),
                jobs.map(\.runAt), jobs.map(\.maxAttempts), jobs.map(\.uniqueKey),
            ]
        )
        // RETURNING gives inserted rows only; match them back to the request by order and unique key.
        var inserted = try rows.rows.map { (id: try $0.decode("id", as: Int64.self), key: try $0.decode("unique_key", as: String?.self)) }[...]
        var seenKeys = Set<String>()
        return jobs.map { job in
            if let key = job.uniqueKey {
                guard seenKeys.insert(key).inserted, let next = inserted.first, next.key == key else { return nil }
            }
            return inserted.popFirst()?.id
        }
    }
}
