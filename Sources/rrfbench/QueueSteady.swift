import Foundation
import JobQueue
import Postgres

/// Steady enqueue+run (issue 19): the queue starts empty and analysed while empty (the statistics that once gave
/// the claim a scanning plan), then enqueuers add `jobs` no-op jobs while the workers run them. The clock runs
/// from the first enqueue to the last job's handler, so the enqueue is inside it. For 1, 2, 4 and 8 workers
/// (the daemon's batch) and 1 and 10 jobs per enqueue statement, side by side in the same cluster:
/// - `enqueueOnly`: the same enqueuers with no worker running, the rate the workers are fed at;
/// - `pool`: the worker pool, with its backlog sampled every 50 ms and each job's pick-up latency (the job's
///   `created_at` to its handler's start);
/// - `replay`: pgbench's enqueuers running `Jobs.enqueue`'s statement while pgbench's workers run the pool's
///   claim (`QueueCeiling.replay`), timed the same way;
/// - PgQueuer in continuous mode with the same enqueuers, when `RRF_PGQUEUER_PYTHON` is set.
enum QueueSteady {
    /// `Jobs.enqueue`'s statement (keep the two alike), its arrays given by pgbench variables.
    static let enqueue = """
        INSERT INTO jobs (kind, payload, queue, priority, run_at, max_attempts, unique_key)
        SELECT kind, payload::jsonb, queue, priority, coalesce(run_at, now()), max_attempts, unique_key
        FROM unnest(:kinds::text[], :payloads::text[], :queues::text[], :priorities::smallint[], :runats::timestamptz[],
                    :attempts::integer[], :keys::text[])
            WITH ORDINALITY AS j(kind, payload, queue, priority, run_at, max_attempts, unique_key, position)
        ORDER BY position
        ON CONFLICT (unique_key) WHERE unique_key IS NOT NULL AND state IN ('pending', 'running') DO NOTHING
        RETURNING id, unique_key;

        """

    /// Enqueuing connections in every run.
    static let enqueuers = 2

    struct Row {
        let workers: Int
        let perStatement: Int
        /// Jobs per second the enqueuers reach with no worker running.
        let enqueueOnly: Double
        let pool: Double
        /// The most pending jobs seen while the pool ran.
        let poolMaxBacklog: Int
        /// Pick-up latency p50 and p99, milliseconds.
        let pickup: (p50: Double, p99: Double)
        let replay: Double
        let pgQueuer: Double?
    }

    static func run(jobs: Int) throws -> [Row] {
        let bench = try BenchCluster(applicationName: "rrfbench-steady")
        defer { bench.stop() }
        let enqueueFile = try QueueCeiling.scriptFile(enqueue)
        let claimFile = try QueueCeiling.scriptFile(QueueCeiling.replay)
        defer { for file in [enqueueFile, claimFile] { try? FileManager.default.removeItem(atPath: file) } }
        let batch = WorkerPoolConfiguration.defaultBatchSize
        var rows: [Row] = []
        for workers in [1, 2, 4, 8] {
            for perStatement in [1, 10] {
                try emptyQueue(bench)
                let enqueueOnly = Double(jobs) / (try enqueueAll(jobs: jobs, perStatement: perStatement, bench))
                try emptyQueue(bench)
                let pool = try runPool(workers: workers, batch: batch, jobs: jobs, perStatement: perStatement, bench)
                try emptyQueue(bench)
                let replay = try runPgbench(workers: workers, batch: batch, jobs: jobs, perStatement: perStatement,
                                            enqueueFile: enqueueFile, claimFile: claimFile, bench)
                let pgQueuer = try QueueCeiling.runPgQueuer(workers: workers, batch: batch, jobs: jobs, bench,
                                                                  enqueuers: (enqueuers, perStatement))
                let row = Row(workers: workers, perStatement: perStatement, enqueueOnly: enqueueOnly, pool: pool.rate,
                              poolMaxBacklog: pool.maxBacklog, pickup: pool.pickup, replay: replay, pgQueuer: pgQueuer)
                rows.append(row)
                print(String(format: "  %d workers, %2d per enqueue: enqueue alone %6.0f jobs/s, pool %6.0f jobs/s (max backlog %d, pick-up p50 %.1f ms p99 %.1f ms), replay %6.0f jobs/s",
                             workers, perStatement, enqueueOnly, pool.rate, pool.maxBacklog, pool.pickup.p50, pool.pickup.p99, replay)
                      + (pgQueuer.map { String(format: ", PgQueuer %.0f jobs/s", $0) } ?? ""))
            }
        }
        return rows
    }

    /// An empty queue whose statistics say so.
    private static func emptyQueue(_ bench: BenchCluster) throws {
        try bench.connection.execute("TRUNCATE jobs")
        try bench.connection.execute("VACUUM ANALYZE jobs")
    }

    /// Runs `enqueuers` threads, each on its own connection, enqueuing its share of `jobs` `perStatement` at a
    /// time (each statement its own durable transaction); returns the seconds until the last one finished.
    private static func enqueueAll(jobs: Int, perStatement: Int, _ bench: BenchCluster) throws -> Double {
        let failures = Failures()
        let group = DispatchGroup()
        let started = Date()
        for index in 0..<enqueuers {
            let share = jobs / enqueuers + (index < jobs % enqueuers ? 1 : 0)
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                do {
                    let connection = try Connection(bench.database)
                    defer { connection.close() }
                    var done = 0
                    while done < share {
                        let count = min(perStatement, share - done)
                        try Jobs.enqueue(Array(repeating: NewJob(kind: "noop"), count: count), on: connection)
                        done += count
                    }
                } catch {
                    failures.record(error)
                }
            }
        }
        group.wait()
        try failures.rethrow()
        return Date().timeIntervalSince(started)
    }

    /// The pool running while the enqueuers fill the queue: jobs per second, the largest backlog sampled and
    /// the pick-up latency's p50 and p99.
    private static func runPool(workers: Int, batch: Int, jobs: Int, perStatement: Int, _ bench: BenchCluster) throws
        -> (rate: Double, maxBacklog: Int, pickup: (p50: Double, p99: Double))
    {
        let pickups = Pickups()
        var registry = JobRegistry()
        registry.register(kind: "noop") { job, _ in pickups.record(since: job.createdAt) }
        var configuration = WorkerPoolConfiguration(database: bench.database, name: "rrfbench-steady", workers: workers, batchSize: batch)
        configuration.maintenance = false
        let pool = WorkerPool(configuration: configuration, registry: registry)
        try pool.start()
        defer { pool.requestShutdown(); pool.waitUntilStopped() }
        Thread.sleep(forTimeInterval: 0.5)  // the workers are connected and listening before the clock starts
        let started = Date()
        let sampler = BacklogSampler(bench.database)
        let enqueued = try enqueueAll(jobs: jobs, perStatement: perStatement, bench)
        let deadline = Date().addingTimeInterval(max(60, enqueued * 20))
        while pickups.count < jobs && Date() < deadline { Thread.sleep(forTimeInterval: 0.002) }
        let seconds = Date().timeIntervalSince(started)
        let maxBacklog = sampler.stop()
        guard pickups.count >= jobs else {
            throw PostgresError(.misuse, "the pool ran \(pickups.count) of \(jobs) jobs in \(Int(seconds)) s")
        }
        let sorted = pickups.sorted
        return (Double(jobs) / seconds, maxBacklog, (percentile(sorted, 50), percentile(sorted, 99)))
    }

    /// pgbench's workers claiming (the pool's statement) while pgbench's enqueuers run `Jobs.enqueue`'s statement;
    /// jobs per second from the enqueuers' start until every job was claimed.
    private static func runPgbench(workers: Int, batch: Int, jobs: Int, perStatement: Int, enqueueFile: String, claimFile: String,
                                   _ bench: BenchCluster) throws -> Double {
        let cluster = bench.cluster
        let connect = ["-n", "-h", cluster.socketDirectory, "-p", "\(cluster.port)", "-U", cluster.superuser, "-M", "extended"]
        let claimers = try Subprocess.spawn("/usr/bin/env", ["pgbench"] + connect + [
            "-c", "\(workers)", "-j", "\(min(workers, 2))", "-T", "3600", "-D", "batch=\(batch)", "-D", "prev={}",
            "-D", "worker=\(UUID().uuidString.lowercased())", "-f", claimFile, "postgres",
        ])
        defer { kill(claimers, SIGTERM); var status: Int32 = 0; waitpid(claimers, &status, 0) }
        Thread.sleep(forTimeInterval: 0.5)
        func array(_ element: String) -> String { "{" + Array(repeating: element, count: perStatement).joined(separator: ",") + "}" }
        let job = NewJob(kind: "noop")
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("rrfbench-enqueue-\(UUID().uuidString).out")
        defer { try? FileManager.default.removeItem(at: output) }
        let started = Date()
        let status = try Subprocess.run("/usr/bin/env", ["pgbench"] + connect + [
            "-c", "\(enqueuers)", "-j", "\(enqueuers)", "-t", "\(jobs / (perStatement * enqueuers))",
            "-D", "kinds=\(array(job.kind))", "-D", "payloads=\(array("\"\(job.payload)\""))", "-D", "queues=\(array(job.queue))",
            "-D", "priorities=\(array("\(job.priority)"))", "-D", "runats=\(array("NULL"))", "-D", "attempts=\(array("\(job.maxAttempts)"))",
            "-D", "keys=\(array("NULL"))", "-f", enqueueFile, "postgres",
        ], outputPath: output.path)
        guard status == 0 else {
            throw PostgresError(.misuse, "pgbench (enqueue) exited \(status): \((try? String(contentsOf: output, encoding: .utf8)) ?? "")")
        }
        let inserted = jobs / (perStatement * enqueuers) * perStatement * enqueuers
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            let claimed: Int = try bench.connection.query("SELECT count(*) AS n FROM jobs WHERE state <> 'pending'").single().decode("n")
            if claimed >= inserted { return Double(inserted) / Date().timeIntervalSince(started) }
            Thread.sleep(forTimeInterval: 0.002)
        }
        throw PostgresError(.misuse, "pgbench's workers did not claim all \(inserted) jobs within two minutes")
    }
}

/// Pick-up latencies (job created → handler start), milliseconds, from the workers' threads.
private final class Pickups: @unchecked Sendable {
    private let lock = NSLock()
    private var latencies: [Double] = []
    func record(since created: Date) {
        let milliseconds = Date().timeIntervalSince(created) * 1000
        lock.withLock { latencies.append(milliseconds) }
    }
    var count: Int { lock.withLock { latencies.count } }
    var sorted: [Double] { lock.withLock { latencies.sorted() } }
}

/// The first error of several threads.
private final class Failures: @unchecked Sendable {
    private let lock = NSLock()
    private var first: (any Error)?
    func record(_ error: any Error) { lock.withLock { if first == nil { first = error } } }
    func rethrow() throws { if let error = lock.withLock({ first }) { throw error } }
}

/// Counts pending jobs every 50 ms on its own connection until stopped; keeps the largest count.
private final class BacklogSampler: @unchecked Sendable {
    private let lock = NSLock()
    private var largest = 0
    private var stopping = false
    private let stopped = DispatchSemaphore(value: 0)

    init(_ database: PostgresConfiguration) {
        Thread.detachNewThread { [self] in
            defer { stopped.signal() }
            guard let connection = try? Connection(database) else { return }
            defer { connection.close() }
            while !lock.withLock({ stopping }) {
                if let pending: Int = try? connection.query("SELECT count(*) AS n FROM jobs WHERE state = 'pending'").single().decode("n") {
                    lock.withLock { largest = max(largest, pending) }
                }
                Thread.sleep(forTimeInterval: 0.05)
            }
        }
    }

    /// Stops sampling and returns the largest backlog seen.
    func stop() -> Int {
        lock.withLock { stopping = true }
        stopped.wait()
        return lock.withLock { largest }
    }
}
