import Foundation
import JobQueue
import Postgres

/// The job queue's drain beside its ceiling: for 1, 2, 4 and 8 workers and batches of 1 and 10, `jobs` no-op
/// jobs drained by the worker pool, then the same jobs drained by pgbench running the pool's own SQL per batch
/// (claim and complete in one statement, `SKIP LOCKED`, `synchronous_commit` off for it), with as many clients
/// as workers. pgbench pays no Swift, no handler and no second round trip, so its figure is what PostgreSQL
/// itself allows on this machine.
enum QueueCeiling {
    /// The pgbench replay of one batch: what `JobSQL.claim` does for a no-op job, completed in the same statement.
    static let script = """
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
        let pgbench: Double
        let deadlocks: Int64
    }

    static func run(jobs: Int) throws -> [Row] {
        let bench = try BenchCluster(applicationName: "rrfbench-ceiling")
        defer { bench.stop() }
        let scriptFile = FileManager.default.temporaryDirectory.appendingPathComponent("rrfbench-claim-\(UUID().uuidString).sql")
        try script.write(to: scriptFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: scriptFile) }
        var rows: [Row] = []
        for workers in [1, 2, 4, 8] {
            for batch in [1, 10] {
                try bench.fillQueue(noOpJobs: jobs)
                let deadlocksBefore = try deadlocks(bench.connection)
                let pool = try drainWithPool(workers: workers, batch: batch, bench)
                let deadlocks = try deadlocks(bench.connection) - deadlocksBefore
                try bench.fillQueue(noOpJobs: jobs)
                let replay = try drainWithPgbench(clients: workers, batch: batch, jobs: jobs, script: scriptFile.path, bench)
                rows.append(Row(workers: workers, batch: batch, pool: pool, pgbench: replay, deadlocks: deadlocks))
                print(String(format: "  %d workers, batch %2d: pool %8.0f jobs/s, pgbench %8.0f jobs/s (%.2f×), deadlocks %lld",
                             workers, batch, pool, replay, pool / replay, deadlocks))
            }
        }
        return rows
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

    /// Jobs per second of pgbench's clients running the replay until the queue is empty.
    private static func drainWithPgbench(clients: Int, batch: Int, jobs: Int, script: String, _ bench: BenchCluster) throws -> Double {
        let transactions = (jobs + batch * clients - 1) / (batch * clients)
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("rrfbench-pgbench-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: output) }
        let started = Date()
        let status = try Subprocess.run("/usr/bin/env", [
            "pgbench", "-n", "-h", bench.cluster.socketDirectory, "-p", "\(bench.cluster.port)", "-U", bench.cluster.superuser,
            "-c", "\(clients)", "-j", "\(min(clients, 2))", "-t", "\(transactions)", "-D", "batch=\(batch)", "-f", script, "postgres",
        ], outputPath: output.path)
        let seconds = Date().timeIntervalSince(started)
        guard status == 0 else {
            throw PostgresError(.misuse, "pgbench exited \(status): \((try? String(contentsOf: output, encoding: .utf8)) ?? "")")
        }
        let done: Int = try bench.connection.query("SELECT count(*) AS n FROM jobs WHERE state = 'succeeded'").single().decode("n")
        return Double(done) / seconds
    }
}
