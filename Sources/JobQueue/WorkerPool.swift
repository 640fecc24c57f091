import Foundation
import Logging
import Postgres

/// A process's workers: `workers` threads that claim and run jobs, one listener thread (LISTEN `rrf_jobs`), one
/// maintenance thread (heartbeat; leader election with a session advisory lock; rescue, cron, pruning) and a
/// supervisor thread that carries out graceful shutdown. Every thread owns its connection; nothing here runs
/// on Swift's cooperative pool. What the threads decide together (wake-ups, draining, leadership, timers, the
/// shutdown deadline) is `WorkerPoolMachine`'s: each thread reports its events and performs the actions.
///
/// No job is lost while the pool lives: the pool knows the jobs its threads hold (claimed, and neither finished nor
/// given back). A worker whose statement fails (e.g. the server restarted under it) cannot know what became of
/// the outcomes it was recording, so it lets go of all its jobs; with every heartbeat the maintenance thread gives
/// back the jobs still `running` on this pool that no thread holds (`Maintenance.requeueLostJobs`) — a failure
/// that could not be recorded, a success whose completion was lost with the server's unflushed WAL, a claim whose
/// answer never arrived. Jobs of a pool that stopped heartbeating are rescued by the leader instead.
public final class WorkerPool: @unchecked Sendable {
    public let id = UUID()
    public let configuration: WorkerPoolConfiguration
    public let registry: JobRegistry
    let logger: Logger
    let cron: CronScheduler

    /// Arbitrary constant: the advisory lock whose holder is the maintenance leader.
    static let leaderLockKey: Int64 = 0x5252_465F_4A4F_4253
    static let channel = "rrf_jobs"

    /// Guards `machine`, `stopWaiters` and `heldJobs`; its broadcast wakes the threads that wait.
    let condition = NSCondition()
    // Guarded by `condition`.
    var machine: WorkerPoolMachine
    var stopWaiters: [CheckedContinuation<Void, Never>] = []
    /// The jobs this pool's threads hold; any other job `running` on this pool is lost.
    var heldJobs: Set<Int64> = []

    public init(configuration: WorkerPoolConfiguration, registry: JobRegistry, logger: Logger = Logger(label: "rrf.jobs")) {
        self.configuration = configuration
        self.registry = registry
        var logger = logger
        logger[metadataKey: "pool"] = "\(configuration.name)"
        self.logger = logger
        cron = CronScheduler(schedules: configuration.cron)
        machine = WorkerPoolMachine(settings: .init(configuration))
    }

    // MARK: Lifecycle

    /// Registers the pool in `workers` and starts its threads. Throws when the database is unreachable.
    public func start() throws {
        try configuration.validate()
        let connection = try connect("registry")
        defer { connection.close() }
        try register(on: connection)
        switch withMachine({ $0.start(at: Date()) }) {
        case .startThreads: break
        case .alreadyStarted: preconditionFailure("a worker pool starts once")
        }
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
        withMachine { machine in
            switch machine.requestShutdown(at: Date()) {
            case .none: break
            case .broadcast:
                logger.info("worker pool stopping")
                condition.broadcast()
            }
        }
    }

    /// True once shutdown was requested.
    public var isStopping: Bool { withMachine { $0.isStopping } }
    /// True while this pool holds the maintenance leadership.
    public var isLeader: Bool { withMachine { $0.isLeader } }

    /// Blocks the calling thread until the pool has stopped.
    public func waitUntilStopped() {
        condition.lock()
        while !machine.isStopped { condition.wait() }
        condition.unlock()
    }

    /// Reports an event to the machine under the pool's lock and returns its action.
    func withMachine<Action>(_ event: (inout WorkerPoolMachine) -> Action) -> Action {
        condition.lock()
        defer { condition.unlock() }
        return event(&machine)
    }

    /// Reports an event that returns a `Signal` and performs it.
    func signal(_ event: (inout WorkerPoolMachine) -> WorkerPoolMachine.Signal) {
        withMachine { machine in
            switch event(&machine) {
            case .none: break
            case .broadcast: condition.broadcast()
            }
        }
    }

    /// Starts the pool and returns once it has stopped — after `requestShutdown()`, task cancellation, or
    /// (with `stopWhenIdle`) an empty queue. The async face for swift-service-lifecycle: only waits, the work
    /// happens on the pool's threads.
    public func run() async throws {
        try start()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                condition.lock()
                if machine.isStopped {
                    condition.unlock()
                    continuation.resume()
                } else {
                    stopWaiters.append(continuation)
                    condition.unlock()
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
        // Jobs left when a statement failed are let go: a started pool's heartbeat gives them back.
        defer { letGo(unfinished, from: &unfinished) }
        let claimed = try runBatch(on: connection, carried: &carried, unfinished: &unfinished)
        try JobSQL.markSucceeded(carried, workerID: id, on: connection)
        letGo(carried, from: &unfinished)
        return claimed
    }

    /// `carried` holds successes of the previous batch on entry (completed by the claim statement) and of this
    /// batch on exit (for the next claim, or `markSucceeded` when the worker stops). `unfinished` holds the jobs
    /// this worker holds: claimed, and neither finished nor given back (`carried` included).
    private func runBatch(on connection: Connection, carried: inout [Int64], unfinished: inout [Int64]) throws -> Int {
        // Queues are claimed one statement each, starting at a random one so that no queue starves.
        var jobs: [ClaimedJob] = []
        let queues = configuration.queues
        let first = queues.count > 1 ? Int.random(in: 0..<queues.count) : 0
        for offset in 0..<queues.count where jobs.count < configuration.batchSize {
            let claimed = try JobSQL.claim(queue: queues[(first + offset) % queues.count], limit: configuration.batchSize - jobs.count,
                                           workerID: id, completing: carried, on: connection)
            letGo(carried, from: &unfinished)
            carried.removeAll()
            hold(claimed.map(\.id), in: &unfinished)
            jobs += claimed
        }
        jobs.sort(by: JobSQL.runOrder)
        var succeeded: [Int64] = []
        var lastFlush = ContinuousClock.now
        for (index, job) in jobs.enumerated() {
            if isStopping {
                let rest = jobs[index...].map(\.id)
                try JobSQL.release(rest, workerID: id, on: connection)
                letGo(rest, from: &unfinished)
                break
            }
            if run(job, on: connection) {
                succeeded.append(job.id)
            } else {
                letGo([job.id], from: &unfinished)
            }
            // Slow batches complete what is done so far instead of waiting for the next claim.
            if !succeeded.isEmpty, lastFlush.duration(to: .now) >= configuration.completionFlushInterval {
                try JobSQL.markSucceeded(succeeded, workerID: id, on: connection)
                letGo(succeeded, from: &unfinished)
                succeeded.removeAll()
                lastFlush = .now
            }
        }
        carried = succeeded
        return jobs.count
    }

    /// Adds freshly claimed jobs to the ones this pool holds and to a worker's `unfinished`.
    private func hold(_ ids: [Int64], in unfinished: inout [Int64]) {
        guard !ids.isEmpty else { return }
        condition.withLock { heldJobs.formUnion(ids) }
        unfinished += ids
    }

    /// Removes jobs from the ones this pool holds and from a worker's `unfinished`: they were finished or given
    /// back — or their outcome could not be recorded, and `Maintenance.requeueLostJobs` gives them back.
    private func letGo(_ ids: [Int64], from unfinished: inout [Int64]) {
        guard !ids.isEmpty else { return }
        condition.withLock { heldJobs.subtract(ids) }
        unfinished.removeAll { ids.contains($0) }
    }

    /// Runs one job's handler; records a failure itself (when it cannot, the job is lost: see `letGo`). Returns
    /// true when the job succeeded and still needs completing (a handler that used `completeInTransaction` is
    /// already complete).
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

    func connect(_ role: String) throws -> Connection {
        var database = configuration.database
        database.applicationName = "\(configuration.name)-\(role)"
        return try Connection(database)
    }

    private func workerLoop(index: Int) {
        var connection: Connection?
        var unfinished: [Int64] = []
        var carried: [Int64] = []
        var next = WorkerPoolMachine.WorkerAction.claim(wakeAnother: false)
        work: while true {
            switch next {
            case .claim:
                do {
                    let live = try reuse(&connection, role: "worker")
                    let claimed = try runBatch(on: live, carried: &carried, unfinished: &unfinished)
                    next = workerEvent { $0.batchClaimed(worker: index, count: claimed, at: Date()) }
                } catch {
                    next = workerFailed(index, error, connection: &connection, unfinished: &unfinished, carried: &carried)
                }
            case .checkRunnable:
                do {
                    let found = try hasRunnableJobs(on: try reuse(&connection, role: "worker"))
                    next = workerEvent { $0.runnableChecked(worker: index, found: found, at: Date()) }
                } catch {
                    next = workerFailed(index, error, connection: &connection, unfinished: &unfinished, carried: &carried)
                }
            case .wait:
                next = waitForWork(worker: index)
            case .drained:
                logger.info("no runnable job left; draining done")
                break work
            case .stop:
                break work
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
        signal { $0.workerExited(worker: index) }
    }

    /// `connection`, or a new one for `role` (kept in `connection`) when there is none.
    func reuse(_ connection: inout Connection?, role: String) throws -> Connection {
        if let connection { return connection }
        let fresh = try connect(role)
        connection = fresh
        return fresh
    }

    /// A statement failed: what became of this batch's outcomes is unknown, so the worker lets go of its jobs
    /// (the heartbeat gives back whatever is still running) and drops a broken connection.
    private func workerFailed(
        _ index: Int, _ error: any Error, connection: inout Connection?, unfinished: inout [Int64], carried: inout [Int64]
    ) -> WorkerPoolMachine.WorkerAction {
        logger.error("worker error; its jobs go back with the next heartbeat", metadata: ["worker": "\(index)", "error": "\(error)"])
        letGo(unfinished, from: &unfinished)
        carried.removeAll()
        if connection?.isUsable != true {
            connection?.close()
            connection = nil
        }
        return workerEvent { $0.workerFailed(worker: index, at: Date()) }
    }

    /// Reports a worker's event and wakes the others where the action says so.
    private func workerEvent(_ event: (inout WorkerPoolMachine) -> WorkerPoolMachine.WorkerAction) -> WorkerPoolMachine.WorkerAction {
        withMachine { machine in
            let action = event(&machine)
            switch action {
            case .claim(wakeAnother: true), .drained: condition.broadcast()
            case .claim(wakeAnother: false), .checkRunnable, .wait, .stop: break
            }
            return action
        }
    }

    /// Waits on the condition for as long as the machine says (the lock held from its answer to the wait, so no
    /// wake-up is missed), and returns what to do instead.
    private func waitForWork(worker index: Int) -> WorkerPoolMachine.WorkerAction {
        condition.lock()
        defer { condition.unlock() }
        while true {
            let action = machine.workerWaiting(worker: index, at: Date())
            guard case .wait(let deadline) = action else { return action }
            _ = condition.wait(until: deadline)
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

    /// Wakes up to `count` idle workers (tokens are kept for workers that are about to wait).
    func wake(_ count: Int) {
        signal { $0.wake(count) }
    }

    /// Waits on the condition until `deadline`, returning early on shutdown (the helpers' pause between rounds).
    func pause(until deadline: Date) {
        condition.lock()
        defer { condition.unlock() }
        while !machine.isStopping {
            if !condition.wait(until: deadline) { break }
        }
    }
}
