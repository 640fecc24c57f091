import Foundation
import JobQueue
import Postgres

/// The job queue's drain beside its ceiling: for 1, 2, 4 and 8 workers and batches of 1 and 10, `jobs` no-op
/// jobs drained by the worker pool, then the same jobs drained twice by pgbench, with as many clients as workers:
/// - `replay`: the pool's own statement per batch (`JobSQL.claim`: complete the previous batch, claim the next,
///   `SKIP LOCKED`, `synchronous_commit` off for it), sent the way the pool sends it (extended protocol, planned
///   at every call), carrying each batch's ids to the next transaction. It writes each job twice (running, then
///   succeeded), as the pool does. pgbench pays no Swift, no handler and no row decoding: this is issue 19's
///   "same SQL per job" ceiling.
/// - `oneUpdate`: a queue that never records a job as running (claim and succeed in one update per job), what
///   PostgreSQL allows here at all. The pool cannot do this: without the `running` state a crashed worker's jobs
///   could not be told from finished ones.
enum QueueCeiling {
    /// The pool's statement per batch, as `JobSQL.claim` (keep the two alike), returning the claimed ids for the
    /// next transaction's completions (`\gset` needs one row, so the claimed rows are aggregated).
    static let replay = """
        WITH completed AS (
            UPDATE jobs SET state = 'succeeded', finished_at = now()
            WHERE id = ANY(:prev::bigint[]) AND state = 'running' AND worker_id = :worker::uuid
            RETURNING id
        ), picked AS (
            SELECT id FROM jobs
            WHERE state = 'pending' AND queue = 'default' AND run_at <= now() AND (SELECT count(*) FROM completed) >= 0
            ORDER BY priority DESC, run_at, id
            LIMIT :batch
            FOR UPDATE SKIP LOCKED
        ), claimed AS (
            UPDATE jobs AS j
            SET state = 'running', attempts = j.attempts + 1, worker_id = :worker::uuid, locked_at = now()
            FROM picked, (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed
            WHERE j.id = picked.id
            RETURNING j.id
        )
        SELECT coalesce(array_agg(id), '{}')::text AS prev FROM claimed \\gset

        """

    /// One update per job: claimed and succeeded at once.
    static let oneUpdate = """
        WITH picked AS (
            SELECT id FROM jobs WHERE state = 'pending' AND queue = 'default' AND run_at <= now()
            ORDER BY priority DESC, run_at, id LIMIT :batch FOR UPDATE SKIP LOCKED
        )
        UPDATE jobs AS j SET state = 'succeeded', attempts = j.attempts + 1, locked_at = now(), finished_at = now()
        FROM picked, (SELECT set_config('synchronous_commit', 'off', true)) AS relaxed WHERE j.id = picked.id;
        """

    struct Row {
        let workers: Int
        let batch: Int
        let pool: Double
        /// pgbench running the pool's own statement.
        let replay: Double
        /// pgbench claiming and succeeding in one update per job.
        let oneUpdate: Double
        /// PgQueuer draining the same number of jobs with as many queue managers (nil: not run).
        let pgQueuer: Double?
        let deadlocks: Int64
    }

    static func run(jobs: Int) throws -> [Row] {
        let bench = try BenchCluster(applicationName: "rrfbench-ceiling")
        defer { bench.stop() }
        let replayFile = try scriptFile(replay)
        let oneUpdateFile = try scriptFile(oneUpdate)
        defer { for file in [replayFile, oneUpdateFile] { try? FileManager.default.removeItem(atPath: file) } }
        var rows: [Row] = []
        for workers in [1, 2, 4, 8] {
            for batch in [1, 10] {
                try bench.fillQueue(noOpJobs: jobs)
                let deadlocksBefore = try deadlocks(bench.connection)
                let pool = try drainWithPool(workers: workers, batch: batch, bench)
                let deadlocks = try deadlocks(bench.connection) - deadlocksBefore
                try bench.fillQueue(noOpJobs: jobs)
                let replayed = try drainWithPgbench(clients: workers, batch: batch, jobs: jobs, script: replayFile, bench)
                try bench.fillQueue(noOpJobs: jobs)
                let oneUpdated = try drainWithPgbench(clients: workers, batch: batch, jobs: jobs, script: oneUpdateFile, bench)
                let pgQueuer = try runPgQueuer(workers: workers, batch: batch, jobs: jobs, bench)
                rows.append(Row(workers: workers, batch: batch, pool: pool, replay: replayed, oneUpdate: oneUpdated, pgQueuer: pgQueuer, deadlocks: deadlocks))
                print(String(format: "  %d workers, batch %2d: pool %8.0f jobs/s, replay %8.0f jobs/s (%.2f×), one update %8.0f jobs/s (%.2f×), deadlocks %lld",
                             workers, batch, pool, replayed, pool / replayed, oneUpdated, pool / oneUpdated, deadlocks)
                      + (pgQueuer.map { String(format: ", PgQueuer %.0f jobs/s (pool %.2f×)", $0, pool / $0) } ?? ""))
            }
        }
        return rows
    }

    /// Writes `script` to a temporary file for pgbench's `-f` and returns its path.
    static func scriptFile(_ script: String) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("rrfbench-claim-\(UUID().uuidString).sql")
        try script.write(to: file, atomically: true, encoding: .utf8)
        return file.path
    }

    private static func deadlocks(_ connection: Connection) throws -> Int64 {
        try connection.execute("SELECT pg_stat_clear_snapshot()")
        return try connection.query("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()").single().decode(0)
    }

    /// Jobs per second from the pool's start to the last job's finish.
    private static func drainWithPool(workers: Int, batch: Int, _ bench: BenchCluster) throws -> Double {
        var registry = JobRegistry()
        registry.register(kind: "noop") { _, _ in }
        var configuration = WorkerPoolConfiguration(database: bench.database, name: "rrfbench-ceiling", workers: workers, batchSize: batch)
        configuration.stopWhenIdle = true
        configuration.maintenance = false
        let pool = WorkerPool(configuration: configuration, registry: registry)
        let started = Date()
        try pool.start()
        pool.waitUntilStopped()
        let finished = try bench.connection.query(
            "SELECT extract(epoch FROM max(finished_at))::float8 AS t, count(*) FILTER (WHERE state = 'succeeded') AS n FROM jobs"
        ).single()
        Thread.sleep(forTimeInterval: 1.5)  // the workers' backends report their counters as they exit
        return Double(try finished.decode("n", as: Int.self)) / (try finished.decode("t", as: Double.self) - started.timeIntervalSince1970)
    }

    /// PgQueuer's jobs per second running `jobs` no-op jobs with `workers` queue managers dequeuing `batch` at a
    /// time (`bench/pgqueuer_drain.py`), in the same cluster's database: drained from a full queue, or with
    /// `enqueuers` connections enqueuing `perStatement` jobs per statement inside the clock. Nil unless
    /// `RRF_PGQUEUER_PYTHON` names a Python that has PgQueuer and asyncpg (`.ci/bench` makes one).
    static func runPgQueuer(workers: Int, batch: Int, jobs: Int, _ bench: BenchCluster,
                                  enqueuers: (count: Int, perStatement: Int)? = nil) throws -> Double? {
        guard let python = ProcessInfo.processInfo.environment["RRF_PGQUEUER_PYTHON"], !python.isEmpty else { return nil }
        let cluster = bench.cluster
        let dsn = "postgresql://\(cluster.superuser)@/postgres?host=\(cluster.socketDirectory)&port=\(cluster.port)"
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("rrfbench-pgqueuer-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: output) }
        let status = try Subprocess.run(python, ["bench/pgqueuer_drain.py", dsn, "\(jobs)", "\(workers)", "\(batch)"]
                                        + (enqueuers.map { ["\($0.count)", "\($0.perStatement)"] } ?? []), outputPath: output.path)
        let printed = (try? String(contentsOf: output, encoding: .utf8)) ?? ""
        guard status == 0, let line = printed.split(separator: "\n").last(where: { $0.hasPrefix("pgqueuer ") }),
              let rate = Double(line.dropFirst("pgqueuer ".count)) else {
            throw PostgresError(.misuse, "the PgQueuer run exited \(status): \(printed.suffix(2_000))")
        }
        return rate
    }

    /// Jobs per second of pgbench's clients running the replay until the queue is empty.
    private static func drainWithPgbench(clients: Int, batch: Int, jobs: Int, script: String, _ bench: BenchCluster) throws -> Double {
        let transactions = (jobs + batch * clients - 1) / (batch * clients)
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("rrfbench-pgbench-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: output) }
        let started = Date()
        let status = try Subprocess.run("/usr/bin/env", [
            "pgbench", "-n", "-h", bench.cluster.socketDirectory, "-p", "\(bench.cluster.port)", "-U", bench.cluster.superuser,
            "-c", "\(clients)", "-j", "\(min(clients, 2))", "-t", "\(transactions)", "-M", "extended",
            "-D", "batch=\(batch)", "-D", "prev={}", "-D", "worker=\(UUID().uuidString.lowercased())", "-f", script, "postgres",
        ], outputPath: output.path)
        let seconds = Date().timeIntervalSince(started)
        guard status == 0 else {
            throw PostgresError(.misuse, "pgbench exited \(status): \((try? String(contentsOf: output, encoding: .utf8)) ?? "")")
        }
        // The replay's last batch per client stays claimed (its completion would ride on a next claim): it ran.
        let done: Int = try bench.connection.query("SELECT count(*) AS n FROM jobs WHERE state <> 'pending'").single().decode("n")
        return Double(done) / seconds
    }
}
