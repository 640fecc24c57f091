import Foundation
import JobQueue
import Postgres
import RRFTestSupport
import Testing

/// Polls `condition` every 20 ms until it holds or `timeout` passes (a safety net, not a timing goal).
func eventually(timeout: Duration = .seconds(30), _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try condition() { return true }
        Thread.sleep(forTimeInterval: 0.02)
    }
    return try condition()
}

/// A value shared with handlers and threads.
final class Locked<Value: Sendable>: @unchecked Sendable {
    private var value: Value
    private let lock = NSLock()
    init(_ value: Value) { self.value = value }
    func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}

@Suite struct WorkerTests {
    @Test func tenThousandJobsAcrossFourWorkersRunExactlyOnce() throws {
        try withTestDatabase { database in
            let connection = try database.connect()
            try connection.execute("CREATE TABLE job_runs (job_id bigint NOT NULL)")
            try Jobs.enqueue((0..<10_000).map { NewJob(kind: "count", payloadJSON: #"{"n":\#($0)}"#) }, on: connection)
            var registry = JobRegistry()
            registry.register(kind: "count") { job, context in
                try context.connection.queryPrepared("INSERT INTO job_runs (job_id) VALUES ($1)", [job.id])
            }
            var configuration = poolConfiguration(database, workers: 4, batchSize: 50)
            configuration.stopWhenIdle = true
            let pool = WorkerPool(configuration: configuration, registry: registry)
            try pool.start()
            pool.waitUntilStopped()
            #expect(try scalar("SELECT count(*) FROM job_runs", on: connection, as: Int64.self) == 10_000)
            #expect(try scalar("SELECT count(DISTINCT job_id) FROM job_runs", on: connection, as: Int64.self) == 10_000)
            #expect(try scalar("SELECT count(*) FROM jobs WHERE state = 'succeeded' AND attempts = 1", on: connection, as: Int64.self) == 10_000)
            #expect(try scalar("SELECT count(*) FROM workers", on: connection, as: Int64.self) == 0)
        }
    }

    @Test func jobsOfAWorkerThatStoppedHeartbeatingAreRescued() throws {
        try withTestDatabase { database in
            let connection = try database.connect()
            let dead = UUID(), alive = UUID()
            try connection.query(
                """
                INSERT INTO workers (id, name, host, pid, queues, heartbeat_at)
                VALUES ($1, 'dead', 'h', 1, '{default}', now() - interval '1 minute'), ($2, 'alive', 'h', 2, '{default}', now())
                """, [dead, alive])
            try Jobs.enqueue([NewJob(kind: "a"), NewJob(kind: "b"), NewJob(kind: "crasher", maxAttempts: 3), NewJob(kind: "c")], on: connection)
            try connection.query("UPDATE jobs SET state = 'running', attempts = 1, worker_id = $1 WHERE kind IN ('a', 'b')", [dead])
            try connection.query("UPDATE jobs SET state = 'running', attempts = 3, worker_id = $1 WHERE kind = 'crasher'", [dead])
            try connection.query("UPDATE jobs SET state = 'running', attempts = 1, worker_id = $1 WHERE kind = 'c'", [alive])

            let rescued = try Maintenance.rescueOrphanedJobs(heartbeatTimeout: .seconds(5), on: connection)
            #expect(rescued.count == 3)
            let states = try connection.query("SELECT kind, state::text AS state, jsonb_array_length(errors) AS errors FROM jobs ORDER BY kind").rows
                .map { "\(try $0.decode("kind", as: String.self)):\(try $0.decode("state", as: String.self)):\(try $0.decode("errors", as: Int.self))" }
            // The job that keeps killing its worker is discarded at max attempts instead of looping.
            #expect(states == ["a:pending:1", "b:pending:1", "c:running:0", "crasher:discarded:1"])
            #expect(try scalar("SELECT count(*) FROM workers WHERE id = $1", [dead], on: connection, as: Int64.self) == 0)

            // A live pool's leader does the same by itself, and then runs the rescued jobs.
            try connection.query("UPDATE workers SET heartbeat_at = now() - interval '1 minute' WHERE id = $1", [alive])
            var registry = JobRegistry()
            for kind in ["a", "b", "c"] { registry.register(kind: kind) { _, _ in } }
            let pool = WorkerPool(configuration: poolConfiguration(database), registry: registry)
            try pool.start()
            defer { pool.requestShutdown(); pool.waitUntilStopped() }
            #expect(try eventually {
                try scalar("SELECT count(*) FROM jobs WHERE state = 'succeeded'", on: connection, as: Int64.self) == 3
            })
            #expect(pool.isLeader)
        }
    }

    @Test func failedAttemptsBackOffRecordErrorsAndEndDiscarded() throws {
        struct Boom: Error, CustomStringConvertible { var description: String { "boom" } }
        try withTestDatabase { database in
            let connection = try database.connect()
            var registry = JobRegistry()
            registry.register(kind: "fails") { _, _ in throw Boom() }
            var configuration = poolConfiguration(database)
            configuration.backoff = Backoff(base: .seconds(100), maximum: .seconds(150), jitter: 0)
            let pool = WorkerPool(configuration: configuration, registry: registry)
            try pool.register(on: connection)
            let id = try #require(try Jobs.enqueue(NewJob(kind: "fails", maxAttempts: 3), on: connection))
            try Jobs.enqueue(NewJob(kind: "nobody_handles_this", maxAttempts: 1), on: connection)

            func delay() throws -> Double {
                try scalar("SELECT extract(epoch FROM run_at - now())::float8 FROM jobs WHERE id = $1", [id], on: connection)
            }
            #expect(try pool.runBatch(on: connection) == 2)
            #expect(try scalar("SELECT state::text FROM jobs WHERE id = $1", [id], on: connection, as: String.self) == "pending")
            #expect(abs(try delay() - 100) < 5)
            try connection.query("UPDATE jobs SET run_at = now() WHERE id = $1", [id])
            #expect(try pool.runBatch(on: connection) == 1)
            #expect(abs(try delay() - 150) < 5)  // 200 s capped at the maximum
            try connection.query("UPDATE jobs SET run_at = now() WHERE id = $1", [id])
            #expect(try pool.runBatch(on: connection) == 1)
            #expect(try pool.runBatch(on: connection) == 0)

            let detail = try #require(try JobAdmin.show(id, on: connection))
            #expect(detail.job.state == "discarded")
            #expect(detail.job.finishedAt != nil)
            #expect(detail.errors.map(\.attempt) == [1, 2, 3])
            #expect(detail.errors.allSatisfy { $0.error == "boom" })
            let unknown = try #require(try JobAdmin.list(kind: "nobody_handles_this", on: connection).first)
            #expect(unknown.state == "discarded")
            let unknownErrors = try #require(try JobAdmin.show(unknown.id, on: connection)).errors
            #expect(unknownErrors.first?.error == "no handler is registered for job kind 'nobody_handles_this'")
        }
    }

    @Test func aCronTickIsEnqueuedOnceWhenTwoSchedulersRace() throws {
        try withTestDatabase { database in
            let schedule = try CronSchedule(name: "every-minute", expression: "* * * * *", job: NewJob(kind: "tick"))
            let now = Date()
            let counts = Locked<[Int]>([])
            let threads = (0..<2).map { _ in
                Thread {
                    let connection = try? database.connect()
                    let scheduler = CronScheduler(schedules: [schedule], catchUp: .seconds(600))
                    let ids = (try? connection.map { try scheduler.enqueueDue(now: now, on: $0) }) ?? []
                    counts.withLock { $0.append(ids.count) }
                }
            }
            threads.forEach { $0.start() }
            #expect(eventually { counts.withLock { $0.count } == 2 })
            let connection = try database.connect()
            #expect(try scalar("SELECT count(*) FROM jobs WHERE kind = 'tick'", on: connection, as: Int64.self) == 10)
            #expect(try scalar("SELECT count(*) FROM cron_ticks", on: connection, as: Int64.self) == 10)
            #expect(try scalar("SELECT count(DISTINCT run_at) FROM jobs", on: connection, as: Int64.self) == 10)
            #expect(counts.withLock { $0.reduce(0, +) } == 10)
            // Checking again later enqueues nothing twice.
            let again = CronScheduler(schedules: [schedule], catchUp: .seconds(600))
            #expect(try again.enqueueDue(now: now, on: connection).isEmpty)
        }
    }

    @Test func gracefulShutdownLeavesNoJobRunning() throws {
        try withTestDatabase { database in
            let connection = try database.connect()
            try Jobs.enqueue((0..<200).map { _ in NewJob(kind: "slow") }, on: connection)
            try Jobs.enqueue(NewJob(kind: "stuck"), on: connection)
            var registry = JobRegistry()
            registry.register(kind: "slow") { _, _ in Thread.sleep(forTimeInterval: 0.01) }
            registry.register(kind: "stuck") { _, _ in Thread.sleep(forTimeInterval: 3) }
            var configuration = poolConfiguration(database, workers: 2, batchSize: 20)
            configuration.shutdownTimeout = .milliseconds(300)
            let pool = WorkerPool(configuration: configuration, registry: registry)
            try pool.start()
            #expect(try eventually {
                try scalar("SELECT count(*) FROM jobs WHERE state = 'succeeded'", on: connection, as: Int64.self) >= 20
                    && scalar("SELECT count(*) FROM jobs WHERE kind = 'stuck' AND state = 'running'", on: connection, as: Int64.self) == 1
            })
            pool.requestShutdown()
            pool.waitUntilStopped()
            #expect(try scalar("SELECT count(*) FROM jobs WHERE state = 'running'", on: connection, as: Int64.self) == 0)
            #expect(try scalar("SELECT count(*) FROM jobs WHERE state IN ('succeeded', 'pending')", on: connection, as: Int64.self) == 201)
            #expect(try scalar("SELECT state::text FROM jobs WHERE kind = 'stuck'", on: connection, as: String.self) == "pending")
            #expect(try scalar("SELECT count(*) FROM workers", on: connection, as: Int64.self) == 0)
        }
    }

    @Test func cancellingPendingAndRunningJobs() throws {
        try withTestDatabase { database in
            let connection = try database.connect()
            let later = try #require(try Jobs.enqueue(NewJob(kind: "loop", runAt: Date().addingTimeInterval(3600)), on: connection))
            #expect(try JobAdmin.cancel(later, on: connection) == .done)
            #expect(try JobAdmin.cancel(later, on: connection) == .notApplicable)
            #expect(try JobAdmin.cancel(999_999, on: connection) == .notFound)

            let running = try #require(try Jobs.enqueue(NewJob(kind: "loop"), on: connection))
            var registry = JobRegistry()
            registry.register(kind: "loop") { _, context in
                while true {
                    try context.checkCancellation()
                    Thread.sleep(forTimeInterval: 0.02)
                }
            }
            do {
                let pool = WorkerPool(configuration: poolConfiguration(database, workers: 1), registry: registry)
                try pool.start()
                defer { pool.requestShutdown(); pool.waitUntilStopped() }
                #expect(try eventually { try JobAdmin.show(running, on: connection)?.job.state == "running" })
                #expect(try JobAdmin.cancel(running, on: connection) == .requested)
                #expect(try eventually { try JobAdmin.show(running, on: connection)?.job.state == "cancelled" })
                #expect(try JobAdmin.show(later, on: connection)?.job.state == "cancelled")
            }
            // Retry brings a cancelled job back (with the pool stopped, so nobody claims it before we look).
            #expect(try JobAdmin.retry(later, on: connection) == .done)
            #expect(try JobAdmin.show(later, on: connection)?.job.state == "pending")
        }
    }

    @Test func completingInTheHandlersTransactionIsExactlyOnce() throws {
        try withTestDatabase { database in
            let connection = try database.connect()
            let other = try database.connect()
            try connection.execute("CREATE TABLE effects (job_id bigint NOT NULL)")
            let steal = Locked(false)
            var registry = JobRegistry()
            registry.register(kind: "effect") { job, context in
                try context.completeInTransaction { connection in
                    try connection.queryPrepared("INSERT INTO effects (job_id) VALUES ($1)", [job.id])
                    if steal.withLock({ $0 }) {
                        // Meanwhile the job was rescued from this worker: the completion must not commit the effect.
                        try other.query("UPDATE jobs SET state = 'pending', worker_id = NULL WHERE id = $1", [job.id])
                    }
                }
            }
            let pool = WorkerPool(configuration: poolConfiguration(database), registry: registry)
            try pool.register(on: connection)
            let first = try #require(try Jobs.enqueue(NewJob(kind: "effect"), on: connection))
            #expect(try pool.runBatch(on: connection) == 1)
            #expect(try JobAdmin.show(first, on: connection)?.job.state == "succeeded")
            #expect(try scalar("SELECT count(*) FROM effects WHERE job_id = $1", [first], on: connection, as: Int64.self) == 1)

            steal.withLock { $0 = true }
            let second = try #require(try Jobs.enqueue(NewJob(kind: "effect"), on: connection))
            #expect(try pool.runBatch(on: connection) == 1)
            #expect(try scalar("SELECT count(*) FROM effects WHERE job_id = $1", [second], on: connection, as: Int64.self) == 0)
            #expect(try JobAdmin.show(second, on: connection)?.job.state == "pending")
            steal.withLock { $0 = false }
            #expect(try pool.runBatch(on: connection) == 1)
            #expect(try scalar("SELECT count(*) FROM effects WHERE job_id = $1", [second], on: connection, as: Int64.self) == 1)
            #expect(try JobAdmin.show(second, on: connection)?.job.state == "succeeded")
        }
    }

    @Test func idleWorkersAreWokenByNotifyNotPolling() throws {
        try withTestDatabase { database in
            let connection = try database.connect()
            var registry = JobRegistry()
            registry.register(kind: "noop") { _, _ in }
            var configuration = poolConfiguration(database)
            configuration.pollInterval = .seconds(600)  // only LISTEN/NOTIFY can wake the workers in time
            configuration.queues = ["default", "mail"]
            let pool = WorkerPool(configuration: configuration, registry: registry)
            try pool.start()
            defer { pool.requestShutdown(); pool.waitUntilStopped() }
            Thread.sleep(forTimeInterval: 0.3)
            let ids = try Jobs.enqueue([NewJob(kind: "noop"), NewJob(kind: "noop", queue: "mail"), NewJob(kind: "noop", queue: "other")], on: connection)
            #expect(try eventually { try JobAdmin.list(state: "succeeded", on: connection).count == 2 })
            #expect(try JobAdmin.show(try #require(ids[2]), on: connection)?.job.state == "pending")
        }
    }

    @Test func statsListAndWorkers() throws {
        try withTestDatabase { database in
            let connection = try database.connect()
            try Jobs.enqueue([NewJob(kind: "a"), NewJob(kind: "a"), NewJob(kind: "b", queue: "mail")], on: connection)
            let depths = try JobAdmin.depths(on: connection)
            #expect(depths.map { "\($0.queue)/\($0.kind)/\($0.state)=\($0.count)" } == ["default/a/pending=2", "mail/b/pending=1"])
            #expect(try JobAdmin.list(on: connection).count == 3)
            #expect(try JobAdmin.list(state: "pending", kind: "a", on: connection).count == 2)
            #expect(try JobAdmin.list(queue: "mail", on: connection).map(\.kind) == ["b"])
            #expect(try JobAdmin.list(state: "running", on: connection).isEmpty)
            // Newest first, a page at a time.
            let first = try JobAdmin.list(limit: 2, on: connection)
            #expect(first.map(\.kind) == ["b", "a"] && first.total == 3 && !first.totalIsEstimate)
            let next: PageCursor = try #require(first.next)
            let second = try JobAdmin.list(limit: 2, after: next, on: connection)
            #expect(second.map(\.kind) == ["a"] && second.next == nil && second.total == 3)
            #expect(throws: PageCursorError.self) { try JobAdmin.list(after: PageCursor(values: ["1", "2"]), on: connection) }
            #expect(throws: PageCursorError.self) { try JobAdmin.list(after: PageCursor(values: ["not a number"]), on: connection) }
            let pool = WorkerPool(configuration: poolConfiguration(database), registry: JobRegistry())
            try pool.register(on: connection)
            let workers = try JobAdmin.workers(on: connection)
            #expect(workers.map(\.id) == [pool.id])
            #expect(workers.first?.queues == ["default"])
        }
    }
}
