import JobQueue
import Postgres

/// The first column of the single row `sql` returns.
public func scalar<T: PostgresDecodable>(_ sql: String, _ parameters: [(any PostgresEncodable)?] = [], on connection: Connection, as type: T.Type = T.self) throws -> T {
    try connection.query(sql, parameters).single().decode(0, as: T.self)
}

/// A worker pool's configuration for tests on `database`: short poll, heartbeat and backoff intervals, no jitter.
public func poolConfiguration(_ database: TestDatabase, workers: Int = 2, batchSize: Int = 10) -> WorkerPoolConfiguration {
    WorkerPoolConfiguration(
        database: database.configuration, name: "test", workers: workers, batchSize: batchSize,
        pollInterval: .milliseconds(200), heartbeatInterval: .milliseconds(200), heartbeatTimeout: .seconds(2),
        shutdownTimeout: .seconds(10), backoff: Backoff(base: .milliseconds(10), maximum: .seconds(1), jitter: 0)
    )
}
