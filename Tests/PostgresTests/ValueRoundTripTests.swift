import Foundation
import Postgres
import RRFTestSupport
import Testing

@Suite struct ValueRoundTripTests {
    struct Payload: Codable, Equatable, Sendable {
        let name: String
        let amounts: [Int64]
    }

    @Test func everySupportedTypeRoundTrips() throws {
        try withTestDatabase(migrated: false) { database in
            let connection = try database.connect()
            try connection.execute("""
                CREATE TABLE sample (
                    i8 bigint, i4 integer, b boolean, t text, ts timestamptz, u uuid, bytes bytea, doc jsonb, f double precision
                )
                """)
            let when = Date(timeIntervalSince1970: 1_795_000_000.123456)
            let id = UUID()
            let bytes = Data((0...255).map(UInt8.init) + [0, 0, 255])
            let payload = Payload(name: "Médecins — إغاثة — 救援 🚑", amounts: [Int64.max, Int64.min, 0])
            try connection.query(
                "INSERT INTO sample VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                [Int64.max, Int32.min, true, "Ünïcödé ✓ \u{0}".replacingOccurrences(of: "\u{0}", with: ""), when, id, bytes, JSONValue(payload), 0.1]
            )
            let row = try connection.query("SELECT * FROM sample").single()
            #expect(try row.decode("i8", as: Int64.self) == Int64.max)
            #expect(try row.decode("i4", as: Int32.self) == Int32.min)
            #expect(try row.decode("b", as: Bool.self) == true)
            #expect(try row.decode("t", as: String.self) == "Ünïcödé ✓ ")
            let decodedDate = try row.decode("ts", as: Date.self)
            #expect(abs(decodedDate.timeIntervalSince(when)) < 0.000_001)
            #expect(try row.decode("u", as: UUID.self) == id)
            #expect(try row.decode("bytes", as: Data.self) == bytes)
            #expect(try row.decode("doc", as: JSONValue<Payload>.self).value == payload)
            #expect(try row.decode("f", as: Double.self) == 0.1)
        }
    }

    @Test func nullsDecodeAsNilAndRefuseNonOptional() throws {
        try withTestDatabase(migrated: false) { database in
            let connection = try database.connect()
            let row = try connection.query(
                "SELECT $1::bigint AS i8, $2::text AS t, $3::timestamptz AS ts, $4::bytea AS bytes, $5::uuid AS u, $6::boolean AS b",
                [nil, nil, nil, nil, nil, nil]
            ).single()
            #expect(try row.decode("i8", as: Int64?.self) == nil)
            #expect(try row.decode("t", as: String?.self) == nil)
            #expect(try row.decode("ts", as: Date?.self) == nil)
            #expect(try row.decode("bytes", as: Data?.self) == nil)
            #expect(try row.decode("u", as: UUID?.self) == nil)
            #expect(try row.decode("b", as: Bool?.self) == nil)
            #expect(try row.isNull("t"))
            #expect(throws: PostgresError.self) { try row.decode("i8", as: Int64.self) }
        }
    }

    @Test func oneMegabyteTextRoundTrips() throws {
        try withTestDatabase(migrated: false) { database in
            let connection = try database.connect()
            let text = String(repeating: "Flood response in the delta — ñ 🌊\n", count: 1_048_576 / 36 + 1)
            #expect(text.utf8.count > 1_000_000)
            let echoed = try connection.query("SELECT $1::text AS t, length($1::text) AS n", [text]).single()
            #expect(try echoed.decode("t", as: String.self) == text)
            #expect(try echoed.decode("n", as: Int.self) == text.count)
        }
    }

    @Test(arguments: [
        "'; DROP TABLE notes; --",
        "Robert'); DELETE FROM notes WHERE ('1'='1",
        "\\'; SELECT pg_sleep(10); --",
        "$1 $2 $$ quoted $$",
        "\" OR 1=1 --",
    ])
    func injectionStringsAreStoredVerbatim(hostile: String) throws {
        try withTestDatabase(migrated: false) { database in
            let connection = try database.connect()
            try connection.execute("CREATE TABLE notes (body text NOT NULL)")
            try connection.query("INSERT INTO notes (body) VALUES ($1)", [hostile])
            try connection.queryPrepared("INSERT INTO notes (body) VALUES ($1)", [hostile])
            let rows = try connection.query("SELECT body FROM notes WHERE body = $1", [hostile])
            #expect(rows.count == 2)
            #expect(try rows.rows.allSatisfy { try $0.decode("body", as: String.self) == hostile })
        }
    }

    @Test func textWithNULIsRefusedNotTruncated() throws {
        try withTestDatabase(migrated: false) { database in
            let connection = try database.connect()
            let error = #expect(throws: PostgresError.self) { try connection.query("SELECT $1::text", ["before\u{0}after"]) }
            #expect(error?.kind == .misuse)
            #expect(throws: PostgresError.self) { try connection.queryPrepared("SELECT $1::text[]", [["ok", "bad\u{0}"]]) }
        }
    }

    @Test func serverErrorsCarrySQLStateAndConstraint() throws {
        try withTestDatabase(migrated: false) { database in
            let connection = try database.connect()
            try connection.execute("CREATE TABLE orgs (code text CONSTRAINT orgs_code_key UNIQUE, size int CONSTRAINT orgs_size_positive CHECK (size > 0))")
            try connection.query("INSERT INTO orgs VALUES ($1, $2)", ["NGO-1", 3])
            let unique = #expect(throws: PostgresError.self) { try connection.query("INSERT INTO orgs VALUES ($1, $2)", ["NGO-1", 4]) }
            #expect(unique?.sqlState == SQLState.uniqueViolation)
            #expect(unique?.constraint == "orgs_code_key")
            #expect(unique?.kind == .server)
            let check = #expect(throws: PostgresError.self) { try connection.query("INSERT INTO orgs VALUES ($1, $2)", ["NGO-2", -1]) }
            #expect(check?.sqlState == SQLState.checkViolation)
            #expect(check?.constraint == "orgs_size_positive")
            // The connection stays usable after an error.
            #expect(try connection.query("SELECT count(*) AS n FROM orgs").single().decode("n", as: Int64.self) == 1)
        }
    }
}
