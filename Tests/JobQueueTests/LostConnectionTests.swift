import Foundation
import JobQueue
import Postgres
import RRFTestSupport
import Testing

/// A worker's connection dies under it (as in `pg_ctl restart -m immediate`) while the pool keeps living.
@Suite struct LostConnectionTests {
    /// When the server drops the worker's backend.
    enum Loss: String, CaseIterable, Sendable {
        /// While the handler runs: the handler fails and the failure cannot be recorded either.
        case duringTheHandler
        /// After the handler returned: the success waits for the next claim, which fails.
        case beforeTheCompletion
    }

    /// The job whose outcome could not be recorded is run again (its lost attempt counted) and ends succeeded;
    /// the pool stays registered and running the whole time.
    @Test(arguments: Loss.allCases)
    func aJobWhoseOutcomeWasLostRunsAgain(_ loss: Loss) throws {
        try withTestDatabase { database in
            let connection = try database.connect()
            let killer = try database.connect()  // used only by the handler's thread
            let runs = Locked(0)
            var registry = JobRegistry()
            registry.register(kind: "fragile") { _, context in
                guard runs.withLock({ $0 += 1; return $0 }) == 1 else { return }
                // Terminate this worker's backend from outside, and wait until it is gone.
                let pid = Int(context.connection.backendPID)
                try killer.query("SELECT pg_terminate_backend($1, 10000)", [pid])
                if loss == .duringTheHandler { try context.connection.execute("SELECT 1") }
            }
            let pool = WorkerPool(configuration: poolConfiguration(database, workers: 1), registry: registry)
            try pool.start()
            defer { pool.requestShutdown(); pool.waitUntilStopped() }
            let id = try #require(try Jobs.enqueue(NewJob(kind: "fragile"), on: connection))

            #expect(try eventually(timeout: .seconds(20)) { try JobAdmin.show(id, on: connection)?.job.state == "succeeded" })
            let detail = try #require(try JobAdmin.show(id, on: connection))
            #expect(detail.job.attempts == 2)
            #expect(detail.errors.count == 1)
            #expect(runs.withLock { $0 } == 2)
            #expect(!pool.isStopping)
            #expect(try JobAdmin.workers(on: connection).map(\.id) == [pool.id])
        }
    }

    /// Of the jobs running on a live pool, only those no thread holds and claimed longer than the grace ago go
    /// back: to pending with the attempt counted, or discarded at max attempts. Other pools' jobs are not touched.
    @Test func onlyJobsThePoolNoLongerHoldsAreGivenBack() throws {
        try withTestDatabase { database in
            let connection = try database.connect()
            let pool = UUID(), other = UUID()
            try connection.query(
                "INSERT INTO workers (id, name, host, pid, queues) VALUES ($1, 'pool', 'h', 1, '{default}'), ($2, 'other', 'h', 2, '{default}')",
                [pool, other])
            try Jobs.enqueue(["held", "lost", "last", "fresh", "others"].map { NewJob(kind: $0, maxAttempts: $0 == "last" ? 1 : 5) }, on: connection)
            try connection.query(
                """
                UPDATE jobs SET state = 'running', attempts = 1, locked_at = now() - interval '1 minute',
                    worker_id = CASE WHEN kind = 'others' THEN $2::uuid ELSE $1::uuid END
                """, [pool, other])
            try connection.query("UPDATE jobs SET locked_at = now() WHERE kind = 'fresh'")
            let held: Int64 = try scalar("SELECT id FROM jobs WHERE kind = 'held'", on: connection)

            let requeued = try Maintenance.requeueLostJobs(workerID: pool, held: [held], grace: .seconds(5), on: connection)
            #expect(requeued.count == 2)
            let states = try connection.query("SELECT kind, state::text AS state, attempts, jsonb_array_length(errors) AS errors FROM jobs ORDER BY kind").rows
                .map { "\(try $0.decode("kind", as: String.self)):\(try $0.decode("state", as: String.self)):\(try $0.decode("attempts", as: Int.self)):\(try $0.decode("errors", as: Int.self))" }
            #expect(states == ["fresh:running:1:0", "held:running:1:0", "last:discarded:1:1", "lost:pending:1:1", "others:running:1:0"])
            #expect(try Maintenance.requeueLostJobs(workerID: pool, held: [held], grace: .seconds(5), on: connection).isEmpty)
        }
    }
}
