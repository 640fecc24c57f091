import Foundation
import Postgres
import RRFStore
import RRFTestSupport
import Testing

@Suite struct AuditLogTests {
    struct Payload: Codable { let b: String; let a: Int }

    /// Appends three events to `proposal:X` and two to `call:Y`.
    func seed(_ connection: Connection) throws {
        try connection.withTransaction { connection in
            for index in 1...3 {
                try AuditLog.append(stream: "proposal:X", type: "t\(index)", actor: "sec", at: Date(timeIntervalSince1970: 1_790_000_000.123456), payload: Payload(b: "x/y \"quoted\"", a: index), on: connection)
            }
            for index in 1...2 {
                try AuditLog.append(stream: "call:Y", type: "c\(index)", actor: "sec", at: Date(), payload: Payload(b: "'; DROP TABLE users; --", a: index), on: connection)
            }
        }
    }

    /// Runs SQL as superuser with the append-only trigger bypassed.
    func tamper(_ connection: Connection, _ sql: String) throws {
        try connection.withTransaction { connection in
            try connection.execute("SET LOCAL session_replication_role = replica")
            try connection.execute(sql)
        }
    }

    @Test func chainsAreSequencedHashedAndVerify() throws {
        try withTestDatabase { db in
            let connection = try db.connect()
            try seed(connection)
            let events = try AuditLog.events(stream: "proposal:X", on: connection)
            #expect(events.map(\.sequence) == [1, 2, 3])
            #expect(events[0].previousHash == AuditLog.genesisHash)
            #expect(events[1].previousHash == events[0].hash)
            #expect(events[0].payload == #"{"a":1,"b":"x/y \"quoted\""}"#)
            #expect(events[0].occurredAtMicros == 1_790_000_000_123_456)
            #expect(try AuditLog.verify(on: connection).isEmpty)
            // A small page size still walks every chain.
            #expect(try AuditLog.verify(on: connection, pageSize: 1).isEmpty)
        }
    }

    @Test func theLogRefusesUpdatesAndDeletes() throws {
        try withTestDatabase { db in
            let connection = try db.connect()
            try seed(connection)
            #expect(throws: PostgresError.self) { try connection.execute("UPDATE audit_events SET payload = '{}'") }
            #expect(throws: PostgresError.self) { try connection.execute("DELETE FROM audit_events") }
        }
    }

    @Test func anEditedPayloadIsNamed() throws {
        try withTestDatabase { db in
            let connection = try db.connect()
            try seed(connection)
            try tamper(connection, #"UPDATE audit_events SET payload = '{"a":2,"b":"forged"}' WHERE stream = 'proposal:X' AND sequence = 2"#)
            let breaks = try AuditLog.verify(on: connection)
            #expect(breaks.count == 1)
            #expect(breaks.first?.stream == "proposal:X")
            #expect(breaks.first?.sequence == 2)
            #expect(breaks.first?.problem == .hashMismatch)
            #expect(breaks.first?.description.contains("Event 2 of proposal:X") == true)
        }
    }

    @Test func aDeletedEventIsNamed() throws {
        try withTestDatabase { db in
            let connection = try db.connect()
            try seed(connection)
            try tamper(connection, "DELETE FROM audit_events WHERE stream = 'call:Y' AND sequence = 1")
            let breaks = try AuditLog.verify(on: connection)
            #expect(breaks == [AuditBreak(stream: "call:Y", sequence: 1, eventID: breaks.first?.eventID ?? -1, problem: .sequenceGap)])
        }
    }

    @Test func aDeletedLastButOneEventIsNamed() throws {
        try withTestDatabase { db in
            let connection = try db.connect()
            try seed(connection)
            try tamper(connection, "DELETE FROM audit_events WHERE stream = 'proposal:X' AND sequence = 2")
            let breaks = try AuditLog.verify(on: connection)
            #expect(breaks.map(\.sequence) == [2])
            #expect(breaks.map(\.problem) == [.sequenceGap])
        }
    }

    @Test func swappedSequenceNumbersAreNamed() throws {
        try withTestDatabase { db in
            let connection = try db.connect()
            try seed(connection)
            try tamper(connection, "UPDATE audit_events SET sequence = 1000 WHERE stream = 'proposal:X' AND sequence = 1")
            try tamper(connection, "UPDATE audit_events SET sequence = 1 WHERE stream = 'proposal:X' AND sequence = 2")
            try tamper(connection, "UPDATE audit_events SET sequence = 2 WHERE stream = 'proposal:X' AND sequence = 1000")
            let breaks = try AuditLog.verify(on: connection)
            #expect(breaks.map(\.stream) == ["proposal:X"])
            #expect(breaks.map(\.sequence) == [1])
            #expect(breaks.map(\.problem) == [.previousHashMismatch])
        }
    }
}
