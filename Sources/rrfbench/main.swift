import BenchSummary
import Foundation
import JobQueue
import Logging
import Postgres

// rrfbench: the benchmarks of docs/performance.md, each on a throwaway, durable PostgreSQL (synchronous_commit on).
// `rrfbench --help` lists the subcommands (`usage` below). Run from the repository root (migrations are read from ./sql).

func option(_ name: String, default value: Int) -> Int {
    let arguments = CommandLine.arguments
    guard let index = arguments.firstIndex(of: name), index + 1 < arguments.count, let parsed = Int(arguments[index + 1]) else { return value }
    return parsed
}

/// The subcommands below; a first argument that is none of them (nor an option) is refused with the usage.
let subcommands = ["ceiling", "steady", "footprint", "lifecycle", "audit", "kpis"]
if let first = CommandLine.arguments.dropFirst().first, !first.hasPrefix("--") || first == "--help" {
    if !subcommands.contains(first) {
        let usage = """
            usage: rrfbench [--jobs 50000] [--workers 4] [--batch 10] [--latency-jobs 500] [--spacing-ms 5]   (drain and wake-up latency)
                   rrfbench ceiling [--jobs 50000]       the pool beside pgbench's replay and PgQueuer, 1-8 workers
                   rrfbench steady [--jobs 20000]        enqueue inside the clock, beside pgbench's replay and PgQueuer
                   rrfbench footprint [--bin .build/release] [--jobs 20000]   rrfd's and rrfweb's memory, rrfctl's start-up
                   rrfbench lifecycle [--proposals 500] [--concurrency 4]   the store's proposal lifecycle beside a replay of
                                                   its statements, and that many at once
                   rrfbench audit [--events 1000000] [--per-stream 10] [--runs 3]   audit verify
                   rrfbench kpis [--proposals 1000000] [--runs 3]   the KPI report beside its full computation
            Run from the repository root of a release build (migrations are read from ./sql); PgQueuer runs when
            RRF_PGQUEUER_PYTHON names a Python that has it.

            """
        if first == "--help" { print(usage, terminator: ""); exit(0) }
        FileHandle.standardError.write(Data("rrfbench: unknown subcommand '\(first)'\n\(usage)".utf8))
        exit(64)
    }
}

/// A markdown table: the header, its separator, one line per row.
func printTable(_ header: [String], _ rows: [[String]]) {
    print("\n| " + header.joined(separator: " | ") + " |")
    print("|" + String(repeating: "---|", count: header.count))
    for row in rows { print("| " + row.joined(separator: " | ") + " |") }
}

/// PgQueuer's rate and the pool's ratio to it, or why there are none.
func pgQueuerColumns(_ rate: Double?, pool: Double) -> [String] {
    rate.map { [String(format: "%.0f", $0), String(format: "%.2f", pool / $0)] } ?? ["not run (set RRF_PGQUEUER_PYTHON)", "-"]
}

/// Records the summary figure of one comparison over the 1/2/4/8-worker rows: the pool's rate beside the
/// baseline's in each row, met when every ratio reaches `target` (unknown when the baseline did not run).
func recordComparison(_ what: String, pool: [Double], baseline: [Double?], named baselineName: String, target: Double, command: String) {
    let rates = { (values: [Double]) in values.map { String(format: "%.0f", $0) }.joined(separator: " / ") }
    let measured = baseline.compactMap { $0 }
    guard measured.count == pool.count else {
        return BenchFigure(what, result: rates(pool) + " jobs/s", baseline: "\(baselineName) not run", target: String(format: "≥ %.1f×", target), command: command).record()
    }
    let ratios = zip(pool, measured).map { $0 / $1 }
    BenchFigure(
        what, result: rates(pool) + " jobs/s",
        baseline: "\(baselineName) " + rates(measured) + " jobs/s: pool " + ratios.map { String(format: "%.2f", $0) }.joined(separator: " / ") + "×",
        target: String(format: "≥ %.1f×", target), met: ratios.allSatisfy { $0 >= target }, command: command
    ).record()
}

/// Runs `body` when the first argument is `name`, then exits: 0 when it returned, 1 with its error on stderr.
func subcommand(_ name: String, _ body: () throws -> Void) {
    guard CommandLine.arguments.dropFirst().first == name else { return }
    do {
        try body()
        exit(0)
    } catch {
        FileHandle.standardError.write(Data("rrfbench \(name): \(error)\n".utf8))
        exit(1)
    }
}

subcommand("footprint") {
    let arguments = CommandLine.arguments
    let binaries = arguments.firstIndex(of: "--bin").flatMap { $0 + 1 < arguments.count ? arguments[$0 + 1] : nil } ?? ".build/release"
    try Footprint.run(binaries: binaries, jobs: option("--jobs", default: 20_000))
}

subcommand("lifecycle") {
    try LifecycleBench.run(proposals: option("--proposals", default: 500), concurrency: option("--concurrency", default: 4))
}

subcommand("audit") {
    try runAuditBenchmark(events: option("--events", default: 1_000_000), perStream: option("--per-stream", default: 10), runs: option("--runs", default: 3))
}

subcommand("kpis") {
    try runKPIBenchmark(proposals: option("--proposals", default: 1_000_000), runs: option("--runs", default: 3))
}

let jobCount = option("--jobs", default: 50_000)
let workerCount = option("--workers", default: 4)
let batchSize = option("--batch", default: WorkerPoolConfiguration.defaultBatchSize)
let latencyJobs = option("--latency-jobs", default: 500)
let spacing = option("--spacing-ms", default: 5)

/// Handler start times by job index, for the latency run.
final class Starts: @unchecked Sendable {
    private let lock = NSLock()
    private var times: [Int: UInt64] = [:]
    func record(_ index: Int) {
        let now = DispatchTime.now().uptimeNanoseconds
        lock.withLock { times[index] = now }
    }
    var count: Int { lock.withLock { times.count } }
    func time(_ index: Int) -> UInt64? { lock.withLock { times[index] } }
}

func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
    return sorted[min(max(rank, 0), sorted.count - 1)]
}

LoggingSystem.bootstrap { label in
    var handler = StreamLogHandler.standardError(label: label)
    handler.logLevel = .warning
    return handler
}

subcommand("steady") {
    let jobs = option("--jobs", default: 20_000)
    print("steady enqueue+run: \(QueueSteady.enqueuers) enqueuers add \(jobs) no-op jobs into an empty queue while the workers run them; clock from the first enqueue to the last handler")
    let rows = try QueueSteady.run(jobs: jobs)
    printTable(
        ["workers", "jobs per enqueue", "enqueue alone, jobs/s", "pool jobs/s", "pool / enqueue alone", "max backlog", "pick-up p50 / p99 ms",
         "pgbench replay jobs/s", "pool / replay", "PgQueuer jobs/s", "pool / PgQueuer"],
        rows.map { row in
            ["\(row.workers)", "\(row.perStatement)", String(format: "%.0f", row.enqueueOnly), String(format: "%.0f", row.pool),
             String(format: "%.2f", row.pool / row.enqueueOnly), "\(row.poolMaxBacklog)", String(format: "%.1f / %.1f", row.pickup.p50, row.pickup.p99),
             String(format: "%.0f", row.replay), String(format: "%.2f", row.pool / row.replay)] + pgQueuerColumns(row.pgQueuer, pool: row.pool)
        }
    )
    let command = "swift build -c release --product rrfbench && .build/release/rrfbench steady --jobs \(jobs)"
    print("reproduce: " + command)
    for perStatement in Set(rows.map(\.perStatement)).sorted() {
        let group = rows.filter { $0.perStatement == perStatement }
        let what = "queue, steady enqueue+run, \(perStatement) per enqueue, 1/2/4/8 workers"
        recordComparison(what + ", beside PgQueuer", pool: group.map(\.pool), baseline: group.map(\.pgQueuer), named: "PgQueuer", target: 3, command: command)
        BenchFigure(
            what + ": backlog and pick-up", result: "max backlog " + group.map { "\($0.poolMaxBacklog)" }.joined(separator: " / ")
                + "; pick-up p99 " + group.map { String(format: "%.1f", $0.pickup.p99) }.joined(separator: " / ") + " ms",
            baseline: "enqueuers alone " + group.map { String(format: "%.0f", $0.enqueueOnly) }.joined(separator: " / ") + " jobs/s",
            command: command
        ).record()
    }
}

subcommand("ceiling") {
    let jobs = option("--jobs", default: 50_000)
    print("the worker pool beside pgbench running the pool's own statement per batch (replay) and one update per job, \(jobs) no-op jobs each run")
    let rows = try QueueCeiling.run(jobs: jobs)
    printTable(
        ["workers", "batch", "pool jobs/s", "pgbench replay jobs/s", "pool / replay", "one update per job, jobs/s", "pool / one update",
         "PgQueuer jobs/s", "pool / PgQueuer", "deadlocks"],
        rows.map { row in
            ["\(row.workers)", "\(row.batch)", String(format: "%.0f", row.pool), String(format: "%.0f", row.replay), String(format: "%.2f", row.pool / row.replay),
             String(format: "%.0f", row.oneUpdate), String(format: "%.2f", row.pool / row.oneUpdate)] + pgQueuerColumns(row.pgQueuer, pool: row.pool) + ["\(row.deadlocks)"]
        }
    )
    let command = "swift build -c release --product rrfbench && .build/release/rrfbench ceiling --jobs \(jobs)"
    print("reproduce: " + command)
    for batch in Set(rows.map(\.batch)).sorted() {
        let group = rows.filter { $0.batch == batch }
        let what = "queue drain, batch \(batch), 1/2/4/8 workers (deadlocks: \(group.map(\.deadlocks).reduce(0, +)))"
        recordComparison(what + ", beside PgQueuer", pool: group.map(\.pool), baseline: group.map(\.pgQueuer), named: "PgQueuer", target: 3, command: command)
        if batch == 10 {
            recordComparison(what + ", beside pgbench's replay", pool: group.map(\.pool), baseline: group.map(\.replay), named: "replay", target: 0.9, command: command)
        }
    }
}

do {
    let bench = try BenchCluster(applicationName: "rrfbench")
    defer { bench.stop() }
    let database = bench.database, connection = bench.connection
    let settings = try connection.query("SELECT current_setting('synchronous_commit') AS sc, current_setting('fsync') AS fs").single()
    print("server: synchronous_commit=\(try settings.decode("sc", as: String.self)) fsync=\(try settings.decode("fs", as: String.self)) cores=\(ProcessInfo.processInfo.activeProcessorCount)")
    print("the workers' claim-and-complete statement commits with synchronous_commit off (JobSQL.claim says why that is safe);")
    print("handlers' own transactions and every enqueue commit durably")

    // (a) Throughput: drain N no-op jobs with one process's pool.
    try bench.fillQueue(noOpJobs: jobCount)
    var registry = JobRegistry()
    registry.register(kind: "noop") { _, _ in }
    var configuration = WorkerPoolConfiguration(database: database, name: "rrfbench", workers: workerCount, batchSize: batchSize)
    configuration.stopWhenIdle = true
    let pool = WorkerPool(configuration: configuration, registry: registry)
    let deadlocksBefore: Int64 = try connection.query("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()").single().decode(0)
    let started = Date()
    try pool.start()
    pool.waitUntilStopped()
    let lastFinish: Double = try connection.query("SELECT extract(epoch FROM max(finished_at))::float8 AS t FROM jobs").single().decode("t")
    let succeeded: Int64 = try connection.query("SELECT count(*) AS n FROM jobs WHERE state = 'succeeded'").single().decode("n")
    let seconds = lastFinish - started.timeIntervalSince1970
    Thread.sleep(forTimeInterval: 1.5)  // the workers' backends report their counters as they exit
    try connection.execute("SELECT pg_stat_clear_snapshot()")
    let deadlocks: Int64 = try connection.query("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()").single().decode(0)
    print(String(format: "throughput: %d no-op jobs (%lld succeeded) in %.2f s with %d workers, batch %d: %.0f jobs/s; deadlocks: %lld",
                 jobCount, succeeded, seconds, workerCount, batchSize, Double(succeeded) / seconds, deadlocks - deadlocksBefore))

    // (b) Latency: single enqueues (each its own transaction) to idle workers woken by NOTIFY; polling is slow on purpose.
    try connection.execute("TRUNCATE jobs")
    let starts = Starts()
    var latencyRegistry = JobRegistry()
    struct Ping: Decodable { let i: Int }
    latencyRegistry.register(kind: "ping") { job, _ in
        starts.record(try job.decodePayload(as: Ping.self).i)
    }
    var latencyConfiguration = WorkerPoolConfiguration(database: database, name: "rrfbench-latency", workers: workerCount, batchSize: 1,
                                                       pollInterval: .seconds(10))
    latencyConfiguration.maintenance = false
    let latencyPool = WorkerPool(configuration: latencyConfiguration, registry: latencyRegistry)
    try latencyPool.start()
    Thread.sleep(forTimeInterval: 0.5)
    var enqueuedAt: [UInt64] = []
    for index in 0..<latencyJobs {
        enqueuedAt.append(DispatchTime.now().uptimeNanoseconds)
        try Jobs.enqueue(NewJob(kind: "ping", payloadJSON: #"{"i":\#(index)}"#), on: connection)
        Thread.sleep(forTimeInterval: Double(spacing) / 1000)
    }
    let deadline = Date().addingTimeInterval(30)
    while starts.count < latencyJobs && Date() < deadline { Thread.sleep(forTimeInterval: 0.01) }
    latencyPool.requestShutdown()
    latencyPool.waitUntilStopped()
    let latencies = (0..<latencyJobs).compactMap { index in starts.time(index).map { Double($0 - enqueuedAt[index]) / 1e6 } }.sorted()
    print(String(format: "latency (enqueue call → handler start, %d single enqueues %d ms apart, %d idle workers): p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms",
                 latencies.count, spacing, workerCount, percentile(latencies, 50), percentile(latencies, 90), percentile(latencies, 99), latencies.last ?? .nan))
    let command = "swift build -c release --product rrfbench && .build/release/rrfbench --jobs \(jobCount) --workers \(workerCount) --batch \(batchSize)"
    BenchFigure(
        "queue drain, \(workerCount) workers, the daemon's batch \(batchSize)",
        result: String(format: "%.0f jobs/s, %lld deadlocks", Double(succeeded) / seconds, deadlocks - deadlocksBefore),
        baseline: "none in this run (rrfbench ceiling compares)", command: command
    ).record()
    BenchFigure(
        "enqueue → handler start, \(latencies.count) single enqueues \(spacing) ms apart",
        result: String(format: "p50 %.2f, p90 %.2f, p99 %.2f ms", percentile(latencies, 50), percentile(latencies, 90), percentile(latencies, 99)),
        baseline: "-", command: command
    ).record()
} catch {
    FileHandle.standardError.write(Data("rrfbench: \(error)\n".utf8))
    exit(1)
}
