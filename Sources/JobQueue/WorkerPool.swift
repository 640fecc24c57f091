import Foundation
import Logging
import Postgres

/// Settings of a worker pool (one per process).
public struct WorkerPoolConfiguration: Sendable {
    public var database: PostgresConfiguration
    /// Shown in `rrfctl daemon status`.
    public var name: String
    public var queues: [String]
    /// Worker threads, each with its own connection.
    public var workers: Int
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
        batchSize: Int = 10, pollInterval: Duration = .seconds(1), listen: Bool = true,
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

    func validate() throws {
        if workers < 1 { throw JobQueueError.invalidConfiguration("workers must be at least 1") }
        if batchSize < 1 { throw JobQueueError.invalidConfiguration("batch size must be at least 1") }
        if queues.isEmpty || queues.contains("") { throw JobQueueError.invalidConfiguration("queues must be non-empty names") }
        if heartbeatTimeout <= heartbeatInterval {
            throw JobQueueError.invalidConfiguration("the heartbeat timeout must be longer than the heartbeat interval")
        }
    }
}

/// A process's workers: `workers` threads that claim and run jobs, one listener thread (LISTEN `rrf_jobs`), one
/// maintenance thread (heartbeat; leader election with a session advisory lock; rescue, cron, pruning) and a
/// supervisor thread that carries out graceful shutdown. Every thread owns its connection; nothing here runs
/// on Swift's cooperative pool.
public final class WorkerPool: @unchecked Sendable {
    public let id = UUID()
    public let configuration: WorkerPoolConfiguration
    public let registry: JobRegistry
    let logger: Logger
    private let cron: CronScheduler

    /// Arbitrary constant: the advisory lock whose holder is the maintenance leader.
    static let leaderLockKey: Int64 = 0x5252_465F_4A4F_4253
    static let channel = "rrf_jobs"

    private let state = NSCondition()
    // Guarded by `state`.
    private var started = false
    private var stopping = false
    private var stopped = false
    private var wakeTokens = 0
    private var idleWorkers = 0
    private var liveWorkerThreads = 0
    private var liveHelperThreads = 0
    private var leader = false
    private var stopWaiters: [CheckedContinuation<Void, Never>] = []

    public init(configuration: WorkerPoolConfiguration, registry: JobRegistry, logger: Logger = Logger(label: "rrf.jobs")) {
        self.configuration = configuration
        self.registry = registry
        var logger = logger
        logger[metadataKey: "pool"] = "\(configuration.name)"
        self.logger = logger
        cron = CronScheduler(schedules: configuration.cron)
    }

    // MARK: Lifecycle

    /// Registers the pool in `workers` and starts its threads. Throws when the database is unreachable.
    public func start() throws {
        try configuration.validate()
        let connection = try connect("registry")
        defer { connection.close() }
        try register(on: connection)
        state.lock()
        precondition(!started, "a worker pool starts once")
        started = true
        liveWorkerThreads = configuration.workers
        liveHelperThreads = 1 + (configuration.listen ? 1 : 0)
        state.unlock()
        for index in 0..<configuration.workers {
            spawn("rrf-worker-\(index)") { self.workerLoop(index: index) }
        }
        if configuration.listen { spawn("rrf-listener") { self.listenerLoop() } }
        spawn("rrf-maintenance") { self.maintenanceLoop() }
        spawn("rrf-supervisor") { self.supervise() }
        logger.info("worker pool started", metadata: [
            "worker_id": "\(id.uuidString.lowercased())", "workers": "\(configuration.workers)", "queues": "\(configuration.queues.joined(separator: ","))",
        ])
    }

    /// Stops claiming; in-flight jobs get `shutdownTimeout` to finish, then the rest go back to pending.
    public func requestShutdown() {
        state.lock()
        if !stopping { logger.info("worker pool stopping") }
        stopping = true
        state.broadcast()
        state.unlock()
    }

    public var isStopping: Bool { state.withLock { stopping } }
    /// True while this pool holds the maintenance leadership.
    public var isLeader: Bool { state.withLock { leader } }

    /// Blocks the calling thread until the pool has stopped.
    public func waitUntilStopped() {
        state.lock()
        while !stopped { state.wait() }
        state.unlock()
    }

    /// Starts the pool and returns once it has stopped — after `requestShutdown()`, task cancellation, or
    /// (with `stopWhenIdle`) an empty queue. The async face for swift-service-lifecycle: only waits, the work
    /// happens on the pool's threads.
    public func run() async throws {
        try start()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                state.lock()
                if stopped {
                    state.unlock()
                    continuation.resume()
                } else {
                    stopWaiters.append(continuation)
                    state.unlock()
                }
            }
        } onCancel: {
            requestShutdown()
        }
    }

    /// Inserts (or refreshes) this pool's row in `workers`.
    public func register(on connection: Connection) throws {
        try connection.queryPrepared(
            """
            INSERT INTO workers (id, name, host, pid, queues, threads) VALUES ($1, $2, $3, $4, $5::text[], $6)
            ON CONFLICT (id) DO UPDATE SET heartbeat_at = now()
            """,
            [id, configuration.name, ProcessInfo.processInfo.hostName, Int(getpid()), configuration.queues, configuration.workers]
        )
    }

    // MARK: Running jobs

    /// Claims one batch and runs it on the calling thread with `connection` (the pool must be registered), then
    /// completes the successes; returns the number of jobs claimed. Tests and tools call this directly.
    @discardableResult
    public func runBatch(on connection: Connection) throws -> Int {
        var carried: [Int64] = []
        var unfinished: [Int64] = []
        let claimed = try runBatch(on: connection, carried: &carried, unfinished: &unfinished)
        try JobSQL.markSucceeded(carried, workerID: id, on: connection)
        return claimed
    }

    /// `carried` holds successes of the previous batch on entry (completed by the claim statement) and of this
    /// batch on exit (for the next claim, or `markSucceeded` when the worker stops). `unfinished` holds claimed
    /// jobs not yet completed, for recovery when a statement of the queue itself fails (e.g. the connection broke).
    private func runBatch(on connection: Connection, carried: inout [Int64], unfinished: inout [Int64]) throws -> Int {
        // Queues are claimed one statement each, starting at a random one so that no queue starves.
        var jobs: [ClaimedJob] = []
        let queues = configuration.queues
        let first = queues.count > 1 ? Int.random(in: 0..<queues.count) : 0
        for offset in 0..<queues.count where jobs.count < configuration.batchSize {
            jobs += try JobSQL.claim(queue: queues[(first + offset) % queues.count], limit: configuration.batchSize - jobs.count,
                                     workerID: id, completing: carried, on: connection)
            carried.removeAll()
        }
        jobs.sort(by: JobSQL.runOrder)
        unfinished = jobs.map(\.id)
        var succeeded: [Int64] = []
        var lastFlush = ContinuousClock.now
        for (index, job) in jobs.enumerated() {
            if isStopping {
                let rest = jobs[index...].map(\.id)
                try JobSQL.release(rest, workerID: id, on: connection)
                unfinished.removeAll { rest.contains($0) }
                break
            }
            if !run(job, on: connection) {
                unfinished.removeAll { $0 == job.id }
            } else {
                succeeded.append(job.id)
            }
            // Slow batches complete what is done so far instead of waiting for the next claim.
            if !succeeded.isEmpty, lastFlush.duration(to: .now) >= configuration.completionFlushInterval {
                try JobSQL.markSucceeded(succeeded, workerID: id, on: connection)
                unfinished.removeAll { succeeded.contains($0) }
                succeeded.removeAll()
                lastFlush = .now
            }
        }
        carried = succeeded
        return jobs.count
    }

    /// Runs one job's handler; records a failure itself. Returns true when the job succeeded and still needs
    /// completing (a handler that used `completeInTransaction` is already complete).
    private func run(_ job: ClaimedJob, on connection: Connection) -> Bool {
        var jobLogger = logger
        jobLogger[metadataKey: "job_id"] = "\(job.id)"
        jobLogger[metadataKey: "kind"] = "\(job.kind)"
        let context = JobContext(job: job, connection: connection, logger: jobLogger, workerID: id)
        do {
            guard let handler = registry.handler(for: job.kind) else { throw JobQueueError.unknownKind(job.kind) }
            try handler.run(job, context: context)
            if connection.isInTransaction {
                try? connection.execute("ROLLBACK")
                throw JobQueueError.invalidConfiguration("the handler of '\(job.kind)' returned with a transaction open; it was rolled back")
            }
            return !context.completed
        } catch {
            if connection.isInTransaction { try? connection.execute("ROLLBACK") }
            let cancelled = (error as? JobQueueError) == .cancelled(jobID: job.id)
            let delay = configuration.backoff.delay(afterAttempt: job.attempt)
            do {
                let outcome = try JobSQL.markFailed(
                    job.id, workerID: id, error: String(describing: error), retryDelay: delay, cancelled: cancelled, on: connection
                )
                jobLogger.warning("job failed", metadata: [
                    "attempt": "\(job.attempt)", "outcome": "\(outcome ?? "lost")", "error": "\(error)",
                    "retry_in": "\(outcome == "pending" ? String(format: "%.3fs", delay) : "-")",
                ])
            } catch {
                jobLogger.error("could not record a job failure", metadata: ["error": "\(error)"])
            }
            return false
        }
    }

    // MARK: Threads

    private func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = name
        thread.start()
    }

    private func connect(_ role: String) throws -> Connection {
        var database = configuration.database
        database.applicationName = "\(configuration.name)-\(role)"
        return try Connection(database)
    }

    private func workerLoop(index: Int) {
        var connection: Connection?
        var unfinished: [Int64] = []
        var carried: [Int64] = []
        var toRecover: [Int64] = []
        while !isStopping {
            do {
                if connection == nil { connection = try connect("worker") }
                guard let live = connection else { continue }
                if !toRecover.isEmpty {
                    // A statement of the previous batch failed: give its jobs back (an attempt is counted).
                    for jobID in toRecover {
                        try JobSQL.markFailed(jobID, workerID: id, error: "the worker's database connection failed during the batch",
                                              retryDelay: configuration.backoff.delay(afterAttempt: 1), cancelled: false, on: live)
                    }
                    toRecover.removeAll()
                }
                let claimed = try runBatch(on: live, carried: &carried, unfinished: &unfinished)
                if claimed >= configuration.batchSize {
                    wake(1)  // there may be more: let an idle colleague help
                } else if claimed == 0 {
                    if configuration.stopWhenIdle, othersIdle(), try !hasRunnableJobs(on: live) {
                        logger.info("no runnable job left; draining done")
                        requestShutdown()
                        break
                    }
                    waitForWork(timeout: configuration.pollInterval)
                }
            } catch {
                logger.error("worker error", metadata: ["worker": "\(index)", "error": "\(error)"])
                toRecover += unfinished
                unfinished.removeAll()
                carried.removeAll()
                if connection?.isUsable != true {
                    connection?.close()
                    connection = nil
                }
                sleep(.seconds(1))
            }
        }
        if let connection, connection.isUsable {
            do {
                try JobSQL.markSucceeded(carried, workerID: id, on: connection)
                try JobSQL.release(unfinished.filter { !carried.contains($0) }, workerID: id, on: connection)
            } catch {
                logger.error("could not complete the last batch; shutdown puts its jobs back to pending", metadata: ["error": "\(error)"])
            }
        }
        connection?.close()
        state.withLock {
            liveWorkerThreads -= 1
            state.broadcast()
        }
    }

    private func hasRunnableJobs(on connection: Connection) throws -> Bool {
        try connection.queryPrepared(
            """
            SELECT EXISTS (SELECT 1 FROM jobs WHERE queue = ANY($1::text[])
                           AND (state = 'running' OR (state = 'pending' AND run_at <= now()))) AS busy
            """,
            [configuration.queues]
        ).single().decode("busy")
    }

    /// Wakes up to `count` idle workers (a token is kept for a worker that is about to wait).
    func wake(_ count: Int) {
        state.lock()
        wakeTokens = min(configuration.workers, wakeTokens + count)
        state.broadcast()
        state.unlock()
    }

    private func othersIdle() -> Bool {
        state.withLock { idleWorkers >= configuration.workers - 1 }
    }

    private func waitForWork(timeout: Duration) {
        let deadline = Date().addingTimeInterval(timeout.seconds)
        state.lock()
        idleWorkers += 1
        while !stopping && wakeTokens == 0 {
            if !state.wait(until: deadline) { break }
        }
        if wakeTokens > 0 { wakeTokens -= 1 }
        idleWorkers -= 1
        state.unlock()
    }

    /// Sleeps up to `duration`, returning early on shutdown.
    private func sleep(_ duration: Duration) {
        let deadline = Date().addingTimeInterval(duration.seconds)
        state.lock()
        while !stopping {
            if !state.wait(until: deadline) { break }
        }
        state.unlock()
    }

    private func listenerLoop() {
        var connection: Connection?
        while !isStopping {
            do {
                if connection == nil {
                    let fresh = try connect("listener")
                    try fresh.listen(Self.channel)
                    connection = fresh
                    wake(configuration.workers)  // notifications may have been missed meanwhile
                }
                guard let live = connection else { continue }
                let received = try live.waitForNotifications(timeout: .milliseconds(200))
                if !received.isEmpty { wake(received.count) }
            } catch {
                logger.error("listener error; workers poll meanwhile", metadata: ["error": "\(error)"])
                connection?.close()
                connection = nil
                sleep(.seconds(1))
            }
        }
        connection?.close()
        helperStopped()
    }

    private func maintenanceLoop() {
        var connection: Connection?
        var lastPrune = ContinuousClock.now
        while !isStopping {
            do {
                if connection == nil { connection = try connect("maintenance") }
                guard let live = connection else { continue }
                let refreshed = try live.queryPrepared("UPDATE workers SET heartbeat_at = now() WHERE id = $1", [id]).affectedRows
                if refreshed == 0 {
                    logger.warning("this pool was presumed dead (missed heartbeats); registering again")
                    try register(on: live)
                }
                if configuration.maintenance {
                    if !isLeader {
                        let acquired: Bool = try live.queryPrepared("SELECT pg_try_advisory_lock($1) AS acquired", [Self.leaderLockKey])
                            .single().decode("acquired")
                        if acquired {
                            state.withLock { leader = true }
                            logger.info("became maintenance leader")
                        }
                    }
                    if isLeader {
                        let rescued = try Maintenance.rescueOrphanedJobs(
                            heartbeatTimeout: configuration.heartbeatTimeout, backoff: configuration.backoff, on: live)
                        if !rescued.isEmpty {
                            logger.warning("rescued jobs of dead workers", metadata: ["jobs": "\(rescued.map(String.init).joined(separator: ","))"])
                            wake(rescued.count)
                        }
                        let enqueued = try cron.enqueueDue(on: live)
                        if !enqueued.isEmpty { logger.info("enqueued cron jobs", metadata: ["jobs": "\(enqueued.count)"]) }
                        if lastPrune.duration(to: .now) >= configuration.pruneInterval {
                            let pruned = try Maintenance.pruneFinishedJobs(olderThan: configuration.retention, on: live)
                            if pruned > 0 { logger.info("pruned finished jobs", metadata: ["jobs": "\(pruned)"]) }
                            lastPrune = .now
                        }
                    }
                }
            } catch {
                logger.error("maintenance error", metadata: ["error": "\(error)"])
                if connection?.isUsable != true {
                    connection?.close()
                    connection = nil
                    state.withLock { leader = false }  // a session lock dies with its connection
                }
            }
            sleep(configuration.heartbeatInterval)
        }
        if isLeader { _ = try? connection?.queryPrepared("SELECT pg_advisory_unlock($1)", [Self.leaderLockKey]) }
        state.withLock { leader = false }
        connection?.close()
        helperStopped()
    }

    private func helperStopped() {
        state.withLock {
            liveHelperThreads -= 1
            state.broadcast()
        }
    }

    /// Waits for shutdown, gives in-flight jobs `shutdownTimeout`, then puts jobs still running on this pool
    /// back to pending and removes the registration.
    private func supervise() {
        state.lock()
        while !stopping { state.wait() }
        let deadline = Date().addingTimeInterval(configuration.shutdownTimeout.seconds)
        while liveWorkerThreads > 0 {
            if !state.wait(until: deadline) { break }
        }
        let abandoned = liveWorkerThreads
        state.unlock()
        if abandoned > 0 {
            logger.warning("shutdown timeout: jobs still running go back to pending", metadata: ["busy_workers": "\(abandoned)"])
        }
        do {
            let connection = try connect("shutdown")
            defer { connection.close() }
            let requeued = try connection.queryPrepared(
                """
                UPDATE jobs SET state = 'pending', worker_id = NULL, locked_at = NULL,
                    errors = errors || jsonb_build_array(jsonb_build_object('attempt', attempts, 'at', now(),
                        'error', 'the worker shut down before the job finished'))
                WHERE state = 'running' AND worker_id = $1
                """,
                [id]
            ).affectedRows
            if requeued > 0 { logger.warning("jobs put back to pending at shutdown", metadata: ["jobs": "\(requeued)"]) }
            try connection.queryPrepared("DELETE FROM workers WHERE id = $1", [id])
        } catch {
            logger.error("could not clean up at shutdown; the leader rescues the jobs after the heartbeat timeout",
                         metadata: ["error": "\(error)"])
        }
        // Helper threads notice `stopping` within a second.
        state.lock()
        let helperDeadline = Date().addingTimeInterval(3)
        while liveHelperThreads > 0 {
            if !state.wait(until: helperDeadline) { break }
        }
        stopped = true
        let waiters = stopWaiters
        stopWaiters.removeAll()
        state.broadcast()
        state.unlock()
        logger.info("worker pool stopped")
        waiters.forEach { $0.resume() }
    }
}
