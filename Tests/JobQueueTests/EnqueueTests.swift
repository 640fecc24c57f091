import Foundation
import JobQueue
import Postgres
import RRFTestSupport
import Testing

@Suite struct EnqueueTests {
    struct Payload: Codable, Equatable { let proposal: String }

    private func jobCount(_ connection: Connection) throws -> Int64 {
        try connection.query("SELECT count(*) AS n FROM jobs").single().decode("n")
    }

    @Test func jobExistsOnlyIfTheTransactionCommits() throws {
        struct Abort: Error {}
        try withTestDatabase { database in
            let connection = try database.connect()
            _ = try? connection.withTransaction { connection in
                try Jobs.enqueue(try NewJob(kind: "aggregate_reviews", payload: Payload(proposal: "RRF-2026-0001")), on: connection)
                throw Abort()
            }
            #expect(try jobCount(connection) == 0)
            let id = try connection.withTransaction { connection in
                try Jobs.enqueue(try NewJob(kind: "aggregate_reviews", payload: Payload(proposal: "RRF-2026-0001")), on: connection)
            }
            #expect(id != nil)
            let row = try connection.query("SELECT kind, payload, state::text AS state FROM jobs").single()
            #expect(try row.decode("kind", as: String.self) == "aggregate_reviews")
            #expect(try row.decode("payload", as: JSONValue<Payload>.self).value == Payload(proposal: "RRF-2026-0001"))
            #expect(try row.decode("state", as: String.self) == "pending")
        }
    }

    @Test func batchEnqueueKeepsOrderAndSkipsTakenUniqueKeys() throws {
        try withTestDatabase { database in
            let connection = try database.connect()
            try Jobs.enqueue(NewJob(kind: "remind", uniqueKey: "remind:7"), on: connection)
            let ids = try Jobs.enqueue([
                NewJob(kind: "a"),
                NewJob(kind: "remind", uniqueKey: "remind:7"),
                NewJob(kind: "b", uniqueKey: "b:1"),
                NewJob(kind: "b", uniqueKey: "b:1"),
                NewJob(kind: "c", payloadJSON: #"{"quote":"\"; DROP TABLE jobs; --"}"#),
            ], on: connection)
            #expect(ids.map { $0 != nil } == [true, false, true, false, true])
            #expect(try jobCount(connection) == 4)
            let kinds = try connection.query("SELECT kind FROM jobs ORDER BY id").rows.map { try $0.decode("kind", as: String.self) }
            #expect(kinds == ["remind", "a", "b", "c"])
        }
    }
}
