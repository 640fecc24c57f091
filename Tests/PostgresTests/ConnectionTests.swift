import Foundation
@testable import Postgres
import RRFTestSupport
import Testing

@Suite struct ConnectionTests {
    @Test func preparedStatementIsReusedAThousandTimes() throws {
        try withTestDatabase(migrated: false) { database in
            let connection = try database.connect()
            var total: Int64 = 0
            for value in 1...1000 {
                total += try connection.queryPrepared("SELECT $1::bigint * 2 AS doubled", [Int64(value)]).single().decode("doubled")
            }
            #expect(total == 1000 * 1001)
            #expect(connection.preparedStatementCount == 1)
            let prepared = try connection.query("SELECT count(*) AS n FROM pg_prepared_statements").single().decode("n", as: Int64.self)
            #expect(prepared == 1)
        }
    }

    @Test func transactionRollsBackWhenBodyThrows() throws {
        struct Refused: Error {}
        try withTestDatabase(migrated: false) { database in
            let connection = try database.connect()
            try connection.execute("CREATE TABLE grants (amount bigint NOT NULL)")
            #expect(throws: Refused.self) {
                try connection.withTransaction { connection in
                    try connection.query("INSERT INTO grants VALUES ($1)", [Int64(500)])
                    throw Refused()
                }
            }
            #expect(throws: PostgresError.self) {
                try connection.withTransaction { connection in
                    try connection.query("INSERT INTO grants VALUES ($1)", [Int64(700)])
                    try connection.query("INSERT INTO grants VALUES ($1)", [nil])
                }
            }
            #expect(!connection.isInTransaction)
            #expect(try connection.query("SELECT count(*) AS n FROM grants").single().decode("n", as: Int64.self) == 0)
        }
    }

    @Test func serializationFailureIsRetried() throws {
        try withTestDatabase(migrated: false) { database in
            let connection = try database.connect()
            let intruder = try database.connect()
            try connection.execute("CREATE TABLE balance (id int PRIMARY KEY, amount bigint NOT NULL)")
            try connection.execute("INSERT INTO balance VALUES (1, 100)")
            var attempts = 0
            try connection.withTransaction(.repeatableRead) { connection in
                attempts += 1
                let amount: Int64 = try connection.query("SELECT amount FROM balance WHERE id = 1").single().decode("amount")
                if attempts == 1 {
                    // Another session commits a change after our snapshot was taken: our update must fail with 40001.
                    try intruder.execute("UPDATE balance SET amount = amount + 1 WHERE id = 1")
                }
                try connection.query("UPDATE balance SET amount = $1 WHERE id = 1", [amount + 10])
            }
            #expect(attempts == 2)
            #expect(try connection.query("SELECT amount FROM balance").single().decode("amount", as: Int64.self) == 111)
        }
    }

    @Test func retriesAreBounded() throws {
        try withTestDatabase(migrated: false) { database in
            let connection = try database.connect()
            var attempts = 0
            let error = #expect(throws: PostgresError.self) {
                try connection.withTransaction(maxAttempts: 3) { connection in
                    attempts += 1
                    try connection.execute("DO $$ BEGIN RAISE EXCEPTION 'forced' USING ERRCODE = '40001'; END $$")
                }
            }
            #expect(error?.sqlState == SQLState.serializationFailure)
            #expect(attempts == 3)
        }
    }

    @Test func killedBackendSurfacesAsConnectionError() throws {
        try withTestDatabase(migrated: false) { database in
            let victim = try database.connect()
            let admin = try database.connect()
            try admin.query("SELECT pg_terminate_backend($1)", [victim.backendPID])
            let error = #expect(throws: PostgresError.self) {
                // The first statement may still be sent before the socket reports the close.
                for _ in 0..<50 {
                    try victim.query("SELECT 1")
                    Thread.sleep(forTimeInterval: 0.02)
                }
            }
            #expect(error?.kind == .connectionClosed)
            #expect(error?.message.contains("connection") == true)
            #expect(!victim.isUsable)
        }
    }

    @Test func unreachableServerGivesClearError() throws {
        let error = #expect(throws: PostgresError.self) {
            _ = try Connection(PostgresConfiguration(connectionString: "host=/nonexistent-rrf-socket port=1 user=nobody dbname=none connect_timeout=2"))
        }
        #expect(error?.kind == .connectionFailed)
        #expect(error?.message.hasPrefix("cannot connect to PostgreSQL") == true)
        #expect(error?.hint != nil)
        // libpq's lines become sentences, not run-ons.
        let joined = PostgresError.connectFailure(
            "connection to server on socket \"/tmp/.s.PGSQL.1\" failed: No such file or directory\n\tIs the server running locally?\n"
        ).message
        #expect(joined == "cannot connect to PostgreSQL: connection to server on socket \"/tmp/.s.PGSQL.1\" failed: No such file or directory. Is the server running locally?")
    }

    @Test func urlAndConninfoBothConnect() throws {
        try withTestDatabase(migrated: false) { database in
            let server = try TestServer.shared.get()
            guard let cluster = server.cluster else { return }
            let viaURL = try Connection(PostgresConfiguration(connectionString: cluster.connectionURL(database: database.name)))
            let viaConninfo = try Connection(PostgresConfiguration(
                connectionString: "host=\(cluster.socketDirectory) port=\(cluster.port) user=postgres dbname=\(database.name)"
            ))
            for connection in [viaURL, viaConninfo] {
                #expect(try connection.query("SELECT current_database() AS db").single().decode("db", as: String.self) == database.name)
            }
        }
    }

    @Test func poolNeverLendsOneConnectionToTwoThreads() throws {
        try withTestDatabase(migrated: false) { database in
            let pool = database.pool(maximumConnections: 3)
            try pool.withConnection { try $0.execute("CREATE TABLE hits (backend int NOT NULL)") }
            DispatchQueue.concurrentPerform(iterations: 64) { _ in
                _ = try? pool.withConnection { connection in
                    try connection.query("INSERT INTO hits SELECT pg_backend_pid()")
                }
            }
            let row = try pool.withConnection {
                try $0.query("SELECT count(*) AS n, count(DISTINCT backend) AS backends FROM hits").single()
            }
            #expect(try row.decode("n", as: Int64.self) == 64)
            #expect(try row.decode("backends", as: Int64.self) <= 3)
            pool.shutdown()
        }
    }

    @Test func concurrentUseOfOneConnectionIsRefused() throws {
        try withTestDatabase(migrated: false) { database in
            let connection = try database.connect()
            let errors = ErrorCollector()
            DispatchQueue.concurrentPerform(iterations: 8) { _ in
                do { try connection.query("SELECT pg_sleep(0.05)") } catch { errors.add(error) }
            }
            #expect(errors.all.allSatisfy { ($0 as? PostgresError)?.kind == .misuse })
            #expect(try connection.query("SELECT 1 AS one").single().decode("one", as: Int.self) == 1)
        }
    }
}

final class ErrorCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var errors: [any Error] = []
    func add(_ error: any Error) { lock.withLock { errors.append(error) } }
    var all: [any Error] { lock.withLock { errors } }
}
