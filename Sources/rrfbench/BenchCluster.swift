import Foundation
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

    func stop() {
        connection.close()
        cluster.stop()
    }
}
