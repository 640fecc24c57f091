import Foundation
import Postgres
import RRFStore
import RRFTestSupport
import Testing

/// Issue 19, item 3: `audit verify` hashes the rows' bytes in place. Against texts that JSON escapes (quotes,
/// backslashes, every control character, non-ASCII), in version 1 and version 2 events, it finds exactly the
/// breaks the database's own `audit_event_hash` (version 2) and Foundation's encoder (version 1) imply,
/// whatever the batch size.
@Suite struct AuditVerifyBytesTests {
    /// Texts to_json and Foundation's encoder escape (or must leave alone).
    static let hostile = [
        "plain", "\"quoted\" \\ back\\slash \\u0041 \\n", (1..<0x20).map { String(UnicodeScalar(UInt8($0))) }.joined() + "\u{7F}",
        "é ü ß 😀 \u{2028}\u{2029} \u{202E} 中文", "'; DROP TABLE audit_events; --", #"{"a":"x/y","b":[1,"\u00e9"]}"#, "",
    ]
    static let batchSizes = [1, 2, 3, 2000]

    /// Every batch size finds the same breaks; returns them.
    func verify(_ connection: Connection) throws -> [AuditBreak] {
        let breaks = try AuditLog.verify(on: connection)
        for size in Self.batchSizes { #expect(try AuditLog.verify(on: connection, pageSize: size) == breaks) }
        return breaks
    }

    /// Runs SQL as the superuser with the log's append-only triggers off.
    func tamper(_ connection: Connection, _ sql: String, _ parameters: [(any PostgresEncodable)?] = []) throws {
        try connection.withTransaction { connection in
            try connection.execute("SET LOCAL session_replication_role = replica")
            try connection.query(sql, parameters)
        }
    }

    /// Stream `s:<index>…` for each hostile text, two version 2 events each, with the text in every field.
    func appendHostile(_ connection: Connection) throws -> [String] {
        try Self.hostile.enumerated().map { index, text in
            let stream = "s:\(index)" + text
            for round in 1...2 {
                try AuditLog.append(stream: stream, type: "t\(round)" + text, actor: text, at: Date(), payloadJSON: text + "\(round)", on: connection)
            }
            return stream
        }
    }

    @Test func version2EventsVerifyAndEveryEditIsFoundAsTheDatabaseHashesIt() throws {
        try withTestDatabase { db in
            let connection = try db.connect()
            defer { connection.close() }
            let streams = try appendHostile(connection)
            #expect(try verify(connection) == [])
            for stream in streams {
                #expect(try AuditLog.events(stream: stream, on: connection).allSatisfy { AuditLog.expectedHash(of: $0) == $0.hash })
            }
            // Event 1 of each stream edited to another hostile text and rehashed by the database: accepted as
            // hashed, so each chain breaks at event 2, which no longer follows it.
            let recompute = """
                UPDATE audit_events SET payload = $2, hash = audit_event_hash(previous_hash, id, stream, sequence, event_type, actor,
                    (extract(epoch FROM occurred_at) * 1000000)::bigint, (extract(epoch FROM recorded_at) * 1000000)::bigint, $2)
                WHERE stream = $1 AND sequence = 1
                """
            for (index, stream) in streams.enumerated() {
                try tamper(connection, recompute, [stream, Self.hostile[(index + 1) % Self.hostile.count] + "\u{01}\"\\é"])
            }
            let rehashed = try verify(connection)
            #expect(Set(rehashed.map(\.stream)) == Set(streams))
            #expect(rehashed.allSatisfy { $0.sequence == 2 && $0.problem == .previousHashMismatch })
            // Edited without rehashing: a hash mismatch at event 1.
            try tamper(connection, "UPDATE audit_events SET payload = payload || E'\\t' WHERE sequence = 1")
            let edited = try verify(connection)
            #expect(Set(edited.map(\.stream)) == Set(streams))
            #expect(edited.allSatisfy { $0.sequence == 1 && $0.problem == .hashMismatch })
        }
    }

    @Test func aMicrosecondOrAnUppercaseHashIsAChange() throws {
        try withTestDatabase { db in
            let connection = try db.connect()
            defer { connection.close() }
            let streams = try appendHostile(connection)
            try tamper(connection, "UPDATE audit_events SET occurred_at = occurred_at + interval '1 microsecond' WHERE stream = $1 AND sequence = 2", [streams[0]])
            try tamper(connection, "UPDATE audit_events SET recorded_at = recorded_at - interval '1 microsecond' WHERE stream = $1 AND sequence = 1", [streams[1]])
            try tamper(connection, "UPDATE audit_events SET hash = upper(hash) WHERE stream = $1 AND sequence = 2", [streams[2]])
            try tamper(connection, "UPDATE audit_events SET event_type = event_type || chr(127) WHERE stream = $1 AND sequence = 2", [streams[3]])
            let breaks = try verify(connection)
            let found = Dictionary(uniqueKeysWithValues: breaks.map { ($0.stream, $0) })
            #expect(breaks.count == 4)
            #expect(found[streams[0]]?.sequence == 2)
            #expect(found[streams[1]]?.sequence == 1)
            #expect(found[streams[2]]?.sequence == 2)
            #expect(found[streams[3]]?.sequence == 2)
            #expect(breaks.allSatisfy { $0.problem == .hashMismatch })
        }
    }

    @Test func version1EventsHashedByFoundationStillVerifyAndTheirEditsAreFound() throws {
        try withTestDatabase { db in
            let connection = try db.connect()
            defer { connection.close() }
            // Two version 1 events per stream, as the application wrote them before sql/0025, then a version 2 one.
            let streams = try Self.hostile.enumerated().map { index, text in
                let stream = "v1:\(index)" + text
                var previous = AuditLog.genesisHash
                for sequence in 1...2 {
                    previous = try insertVersion1(stream: stream, sequence: sequence, text: text, previous: previous, on: connection)
                }
                try AuditLog.append(stream: stream, type: "t3", actor: text, at: Date(), payloadJSON: text, on: connection)
                return stream
            }
            #expect(try AuditLog.events(stream: streams[0], on: connection).map(\.hashVersion) == [1, 1, 2])
            #expect(try verify(connection) == [])
            try tamper(connection, "UPDATE audit_events SET actor = actor || 'x' WHERE stream = $1 AND sequence = 2", [streams[2]])
            try tamper(connection, "UPDATE audit_events SET payload = payload || '\"' WHERE stream = $1 AND sequence = 1", [streams[3]])
            try tamper(connection, "UPDATE audit_events SET previous_hash = repeat('1', 64) WHERE stream = $1 AND sequence = 3", [streams[5]])
            let breaks = try verify(connection)
            #expect(breaks.count == 3)
            let found = Dictionary(uniqueKeysWithValues: breaks.map { ($0.stream, $0) })
            #expect(found[streams[2]]?.sequence == 2)
            #expect(found[streams[2]]?.problem == .hashMismatch)
            #expect(found[streams[3]]?.sequence == 1)
            #expect(found[streams[3]]?.problem == .hashMismatch)
            #expect(found[streams[5]]?.sequence == 3)
            #expect(found[streams[5]]?.problem == .previousHashMismatch)
        }
    }

    /// Inserts a version 1 event (the application's hash before sql/0025: texts as Foundation's encoder writes
    /// them, hashed by the database's sha256) and returns its hash.
    func insertVersion1(stream: String, sequence: Int, text: String, previous: String, on connection: Connection) throws -> String {
        func json(_ value: String) throws -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.withoutEscapingSlashes]
            return String(decoding: try encoder.encode(value), as: UTF8.self)
        }
        let micros: Int64 = 1_790_000_000_123_456 + Int64(sequence)
        let type = "t\(sequence)" + text
        let hashed = previous + "\n[" + [try json(stream), String(sequence), try json(type), try json(text), String(micros), try json(text)]
            .joined(separator: ",") + "]"
        let hash: String = try connection.query("SELECT encode(sha256(convert_to($1, 'UTF8')), 'hex') AS h", [hashed]).single().decode("h")
        try connection.query("""
            INSERT INTO audit_events (stream, sequence, event_type, actor, occurred_at, payload, previous_hash, hash)
            VALUES ($1, $2, $3, $4, timestamptz 'epoch' + $5::bigint * interval '1 microsecond', $6, $7, $8)
            """, [stream, sequence, type, text, micros, text, previous, hash])
        return hash
    }
}
