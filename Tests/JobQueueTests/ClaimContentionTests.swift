import Foundation
@testable import JobQueue
import Logging
import Postgres
import RRFTestSupport
import Testing

/// Counts a pool's error-level log records (a deadlocked claim is logged as a worker error).
final class ErrorCount: @unchecked Sendable {
    private let lock = NSLock()
    private var messages: [String] = []
    func record(_ message: String) { lock.withLock { messages.append(message) } }
    var recorded: [String] { lock.withLock { messages } }

    /// A logger that records error records here and prints nothing.
    func logger() -> Logger {
        Logger(label: "rrf.jobs.test") { _ in ErrorRecordingHandler(errors: self) }
    }
}

private struct ErrorRecordingHandler: LogHandler {
    let errors: ErrorCount
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .error
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        errors.record("\(event.message) \(event.metadata.map { "\($0)" } ?? "")")
    }
}

/// Workers racing for one queue: no deadlock between their complete-and-claim statements, and a claim plan that
/// reads the claim index however the table looked before.
@Suite struct ClaimContentionTests {
    @Test func eightWorkersDrainOneHundredThousandJobsWithoutADeadlock() throws {
        try withTestDatabase { database in
            let connection = try database.connect()
            for _ in 0..<10 {
                try Jobs.enqueue((0..<10_000).map { _ in NewJob(kind: "noop") }, on: connection)
            }
            let deadlocksBefore = try deadlocks(on: connection)
            var registry = JobRegistry()
            registry.register(kind: "noop") { _, _ in }
            var configuration = poolConfiguration(database, workers: 8, batchSize: 10)
            configuration.stopWhenIdle = true
            let errors = ErrorCount()
            let pool = WorkerPool(configuration: configuration, registry: registry, logger: errors.logger())
            try pool.start()
            pool.waitUntilStopped()
            #expect(errors.recorded.isEmpty, "\(errors.recorded.prefix(3))")
            #expect(try scalar("SELECT count(*) FROM jobs WHERE state = 'succeeded' AND attempts = 1", on: connection, as: Int64.self) == 100_000)
            #expect(try deadlocks(on: connection) == deadlocksBefore)
        }
    }

    @Test func theClaimReadsTheClaimIndexAfterTheTableGrewFromEmpty() throws {
        try withTestDatabase { database in
            let worker = try database.connect(), other = try database.connect()
            // Statistics taken while the queue was empty, and claims run then: a plan cached now would scan.
            try other.execute("VACUUM ANALYZE jobs")
            for _ in 0..<8 {
                _ = try JobSQL.claim(queue: "default", limit: 10, workerID: UUID(), completing: [], on: worker)
            }
            for _ in 0..<5 {
                try Jobs.enqueue((0..<10_000).map { _ in NewJob(kind: "noop") }, on: other)
            }
            try other.query("UPDATE jobs SET state = 'succeeded', finished_at = now() WHERE id % 5 <> 0")
            try flushStatistics(of: [worker, other])
            let before = try scans(on: other)
            let claimed = try JobSQL.claim(queue: "default", limit: 10, workerID: UUID(), completing: [], on: worker)
            try flushStatistics(of: [worker])
            let after = try scans(on: other)
            #expect(claimed.count == 10)
            #expect(after.sequential == before.sequential, "the claim read the whole jobs table")
            #expect(after.claimIndex > before.claimIndex, "the claim did not read jobs_claimable")
        }
    }

    /// Makes each backend report its table and index counters now (they are otherwise sent at most once a second).
    private func flushStatistics(of connections: [Connection]) throws {
        for connection in connections { try connection.execute("SELECT pg_stat_force_next_flush()") }
    }

    /// Sequential scans of `jobs` and scans of its claim index so far.
    private func scans(on connection: Connection) throws -> (sequential: Int64, claimIndex: Int64) {
        try connection.execute("SELECT pg_stat_clear_snapshot()")
        let row = try connection.query(
            """
            SELECT t.seq_scan, i.idx_scan FROM pg_stat_user_tables t
            JOIN pg_stat_user_indexes i ON i.relid = t.relid AND i.indexrelname = 'jobs_claimable'
            WHERE t.relname = 'jobs'
            """
        ).single()
        return (try row.decode("seq_scan"), try row.decode("idx_scan"))
    }

    /// The deadlocks PostgreSQL counted in this database (reported by the backends that hit them).
    private func deadlocks(on connection: Connection) throws -> Int64 {
        Thread.sleep(forTimeInterval: 1.5)  // closed workers' backends report their counters as they exit
        try connection.execute("SELECT pg_stat_clear_snapshot()")
        return try scalar("SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()", on: connection)
    }
}
