import Foundation
import Postgres
import RRFTestSupport
import Testing

/// `Connection.streamRows`: a server-side cursor read in binary batches, the next one asked for ahead.
@Suite struct CursorTests {
    @Test func everyRowArrivesOnceInOrderWhateverTheBatchSize() throws {
        try withTestDatabase(migrated: false) { database in
            let connection = try database.connect()
            defer { connection.close() }
            for batchSize in [1, 7, 1000] {
                var seen: [Int64] = []
                var batches = 0
                try connection.withTransaction { connection in
                    try connection.streamRows("SELECT n FROM generate_series(1, $1::int) n ORDER BY n", [25], batchSize: batchSize) { rows in
                        batches += 1
                        for row in 0..<rows.count { seen.append(rows.integer(row, 0) ?? -1) }
                    }
                }
                #expect(seen == Array(1...25))
                #expect(batches == (25 + batchSize - 1) / batchSize)
            }
        }
    }

    @Test func valuesAreReadInBinaryByColumnIndex() throws {
        try withTestDatabase(migrated: false) { database in
            let connection = try database.connect()
            defer { connection.close() }
            var count = 0
            var integers: [Int64?] = []
            var text: String?
            var micros: [Int64?] = []
            var nulls: [Bool] = []
            try connection.withTransaction { connection in
                try connection.streamRows("""
                    SELECT (-2)::smallint, 2147483647::integer, (-9007199254740993)::bigint, 'é "q" \\ ☃'::text,
                           timestamptz '2026-12-02 21:56:01.123456+00', timestamptz '1969-12-31 23:59:59.999999+00', NULL::text,
                           timestamptz 'infinity'
                    """) { rows in
                    count += rows.count
                    integers = [rows.integer(0, 0), rows.integer(0, 1), rows.integer(0, 2), rows.integer(0, 6)]
                    text = rows.bytes(0, 3).map { String(decoding: $0, as: UTF8.self) }
                    micros = [rows.timestampMicros(0, 4), rows.timestampMicros(0, 5), rows.timestampMicros(0, 7)]
                    nulls = (0..<8).map { rows.bytes(0, $0) == nil }
                }
            }
            #expect(count == 1)
            #expect(integers == [-2, 2_147_483_647, -9_007_199_254_740_993, nil])
            #expect(text == "é \"q\" \\ ☃")
            #expect(micros == [1_796_248_561_123_456, -1, .max])
            #expect(nulls == [false, false, false, false, false, false, true, false])
        }
    }

    @Test func aCursorNeedsATransactionAndAFailureLeavesTheConnectionUsable() throws {
        struct Stop: Error {}
        try withTestDatabase(migrated: false) { database in
            let connection = try database.connect()
            defer { connection.close() }
            let outside = #expect(throws: PostgresError.self) { try connection.streamRows("SELECT 1") { _ in } }
            #expect(outside?.kind == .misuse)
            try connection.withTransaction { connection in
                // The body stops while the next batch is on its way: it is read off, the cursor closed.
                #expect(throws: Stop.self) {
                    try connection.streamRows("SELECT n FROM generate_series(1, 100) n", batchSize: 10) { _ in throw Stop() }
                }
                var total: Int64 = 0
                try connection.streamRows("SELECT n FROM generate_series(1, 100) n", batchSize: 10) { rows in
                    for row in 0..<rows.count { total += rows.integer(row, 0) ?? 0 }
                }
                #expect(total == 5050)
            }
            // A server error in a later batch ends the stream with the error.
            let failed = #expect(throws: PostgresError.self) {
                try connection.withTransaction { connection in
                    try connection.streamRows("SELECT 1 / (n - 50) FROM generate_series(1, 100) n", batchSize: 10) { _ in }
                }
            }
            #expect(failed?.sqlState == "22012")
            #expect(try connection.query("SELECT 1 AS one").single().decode("one", as: Int.self) == 1)
        }
    }
}
