import Foundation
import JobQueue
import Postgres

/// The PostgreSQL every rrfbench run starts for itself: a throwaway cluster with default settings, durable
/// (`fsync` and `synchronous_commit` on), migrated from `./sql` (run rrfbench from the repository root).
struct BenchCluster {
    let cluster: ThrowawayCluster
    let database: PostgresConfiguration
    /// A connection for the benchmark's own setup and checks.
    let connection: Connection

    init(applicationName: String) throws {
        let sqlDirectory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent("sql", isDirectory: true)
        print("starting a throwaway PostgreSQL (default settings, durable: fsync and synchronous_commit on) …")
        cluster = try ThrowawayCluster.start(options: .init(durable: true))
        database = cluster.configuration(applicationName: applicationName)
        connection = try Connection(database)
        try Migrator(directory: sqlDirectory).migrate(on: connection)
    }

    /// An empty queue, then `count` pending no-op jobs (kind `noop`), vacuumed and analysed.
    func fillQueue(noOpJobs count: Int) throws {
        try connection.execute("TRUNCATE jobs")
        var enqueued = 0
        while enqueued < count {
            let chunk = min(5_000, count - enqueued)
            try Jobs.enqueue((0..<chunk).map { _ in NewJob(kind: "noop") }, on: connection)
            enqueued += chunk
        }
        try connection.execute("VACUUM ANALYZE jobs")
    }

    func stop() {
        connection.close()
        cluster.stop()
    }
}
