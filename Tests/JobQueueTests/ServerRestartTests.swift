import Foundation
import JobQueue
import Postgres
import RRFTestSupport
import Testing

/// Issue 13 item 7 as it was seen: after `pg_ctl restart -m immediate`, jobs whose outcome could not be
/// recorded stayed `running` while rrfd lived. On a cluster of its own (the shared test server keeps serving the
/// other tests), a live pool runs jobs through three immediate restarts and loses none.
@Suite(.serialized) struct ServerRestartTests {
    @Test func aLivePoolLosesNoJobThroughImmediateRestarts() throws {
        let cluster = try ThrowawayCluster.start(options: .init(durable: true, maxConnections: 40))
        defer { cluster.stop() }
        let database = cluster.configuration(applicationName: "restart-test")
        do {
            let connection = try Connection(database)
            defer { connection.close() }
            _ = try Migrator(directory: TestServer.schemaDirectory).migrate(on: connection)
        }
        let runs = Locked(0)
        var registry = JobRegistry()
        registry.register(kind: "slow") { _, _ in
            runs.withLock { $0 += 1 }
            Thread.sleep(forTimeInterval: 0.02)
        }
        let configuration = WorkerPoolConfiguration(
            database: database, name: "restart", workers: 2, batchSize: 5,
            pollInterval: .milliseconds(200), heartbeatInterval: .milliseconds(200), heartbeatTimeout: .seconds(2),
            shutdownTimeout: .seconds(10), backoff: Backoff(base: .milliseconds(10), maximum: .milliseconds(500), jitter: 0)
        )
        let jobs = 300
        do {
            let connection = try Connection(database)
            defer { connection.close() }
            for _ in 0..<jobs { _ = try Jobs.enqueue(NewJob(kind: "slow"), on: connection) }
        }
        let pool = WorkerPool(configuration: configuration, registry: registry)
        try pool.start()
        defer { pool.requestShutdown(); pool.waitUntilStopped() }
        for _ in 0..<3 {
            Thread.sleep(forTimeInterval: 0.6)
            try cluster.restartImmediately()
        }
        func left() -> Int {
            guard let connection = try? Connection(database) else { return -1 }
            defer { connection.close() }
            return (try? scalar("SELECT count(*)::int FROM jobs WHERE state <> 'succeeded'", on: connection, as: Int.self)) ?? -1
        }
        let deadline = Date().addingTimeInterval(60)
        while left() != 0, Date() < deadline { Thread.sleep(forTimeInterval: 0.2) }
        let connection = try Connection(database)
        defer { connection.close() }
        let states = try connection.query("SELECT state::text || ' ' || count(*) AS s FROM jobs GROUP BY state ORDER BY 1").rows.map { try $0.decode("s", as: String.self) }
        #expect(left() == 0, "jobs left after three immediate restarts: \(states)")
        #expect(!pool.isStopping, "the pool lived through the restarts")
        #expect(runs.withLock { $0 } >= jobs)
    }
}
