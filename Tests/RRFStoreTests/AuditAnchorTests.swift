import Foundation
import Postgres
import RRFStore
import RRFTestSupport
import Testing

/// Issue 18, items 1–2: the audit log holds against someone who can write to the database. Each case tampers
/// with the log as a superuser could (triggers off), after a signed checkpoint was written outside the database;
/// `verify` against the checkpoints names the stream, the event and the checkpoint.
@Suite struct AuditAnchorTests {
    struct Payload: Codable { let b: String; let a: Int }

    /// A log of three streams (`proposal:X` 3 events, `call:Y` 2, `grant:Z` 1), checkpointed once into a folder.
    struct Anchored {
        let db: TestDatabase
        let store: FundStore
        let folder: URL
        let privateKey: URL
        let publicKey: URL

        init(_ db: TestDatabase, scratch: URL) throws {
            self.db = db
            store = FundStore(pool: db.pool())
            folder = scratch.appendingPathComponent("anchors", isDirectory: true)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            privateKey = scratch.appendingPathComponent("audit.key")
            publicKey = scratch.appendingPathComponent("audit.pub")
            try AuditSigningKey.generate(privateKeyFile: privateKey, publicKeyFile: publicKey)
            for (stream, count) in [("proposal:X", 3), ("call:Y", 2), ("grant:Z", 1)] {
                try append(stream, count: count)
            }
            #expect(try anchor().checkpoint == 1)
        }

        func append(_ stream: String, count: Int = 1) throws {
            let connection = try db.connect()
            defer { connection.close() }
            for index in 1...count {
                try AuditLog.append(stream: stream, type: "t\(index)", actor: "sec", at: Date(), payload: Payload(b: "x/y \"q\"", a: index), on: connection)
            }
        }

        func anchor() throws -> AuditAnchorResult {
            try store.anchorAuditLog(into: folder, signingKey: AuditSigningKey.privateKey(at: privateKey))
        }

        /// The problems found against the folder's checkpoints.
        func verify() throws -> [AuditBreak] {
            try store.verifyAuditLog(anchors: AuditAnchorFolder.read(folder, trusting: AuditSigningKey.publicKey(at: publicKey)).state)
        }

        /// Runs SQL as the superuser with the log's append-only triggers off.
        func tamper(_ sql: String) throws {
            let connection = try db.connect()
            defer { connection.close() }
            try connection.withTransaction { connection in
                try connection.execute("SET LOCAL session_replication_role = replica")
                try connection.executeScript(sql)
            }
        }
    }

    func withAnchoredLog(_ body: (Anchored) throws -> Void) throws {
        try withTestDatabase { db in try withScratchFolder { scratch in try body(try Anchored(db, scratch: scratch)) } }
    }

    @Test func anUntouchedLogVerifiesAndEachCheckpointRecordsOnlyTheStreamsThatChanged() throws {
        try withAnchoredLog { log in
            #expect(try log.verify() == [])
            try log.append("call:Y")
            // Appended after the checkpoint by audit_append: new, not forged.
            #expect(try log.verify() == [])
            let second = try log.anchor()
            #expect(second.checkpoint == 2)
            #expect(second.streams == 1)
            #expect(try log.anchor().checkpoint == nil)
            #expect(try log.verify() == [])
        }
    }

    @Test func deletingTheLastEventsOfAStreamIsFound() throws {
        try withAnchoredLog { log in
            try log.tamper("DELETE FROM audit_events WHERE stream = 'proposal:X' AND sequence >= 2")
            // The chains alone still verify: only the checkpoint knows there were three.
            #expect(try log.store.verifyAuditLog() == [])
            let breaks = try log.verify()
            #expect(breaks == [AuditBreak(stream: "proposal:X", sequence: 3, eventID: nil, problem: .truncated, checkpoint: 1)])
            #expect(breaks.first?.description == "Stream proposal:X was cut short: checkpoint 1 recorded event 3, which is no longer in the log.")
        }
    }

    @Test func deletingAWholeStreamIsFound() throws {
        try withAnchoredLog { log in
            try log.tamper("DELETE FROM audit_events WHERE stream = 'call:Y'")
            #expect(try log.store.verifyAuditLog() == [])
            #expect(try log.verify() == [AuditBreak(stream: "call:Y", sequence: 2, eventID: nil, problem: .streamDeleted, checkpoint: 1)])
        }
    }

    @Test func anEditedEventWithItsChainRecomputedIsFound() throws {
        try withAnchoredLog { log in
            // Edit event 2, then recompute its hash and event 3's exactly as audit_append would have.
            for sequence in 2...3 {
                try log.tamper("""
                    UPDATE audit_events e SET
                        payload = CASE WHEN e.sequence = 2 THEN '{"a":2,"b":"forged"}' ELSE e.payload END,
                        previous_hash = p.hash,
                        hash = audit_event_hash(p.hash, e.id, e.stream, e.sequence, e.event_type, e.actor,
                            (extract(epoch FROM e.occurred_at) * 1000000)::bigint, (extract(epoch FROM e.recorded_at) * 1000000)::bigint,
                            CASE WHEN e.sequence = 2 THEN '{"a":2,"b":"forged"}' ELSE e.payload END)
                    FROM audit_events p
                    WHERE e.stream = 'proposal:X' AND e.sequence = \(sequence) AND p.stream = e.stream AND p.sequence = e.sequence - 1
                    """)
            }
            #expect(try log.store.verifyAuditLog() == [])
            let breaks = try log.verify()
            #expect(breaks.map(\.problem) == [.differsFromCheckpoint])
            #expect(breaks.map(\.sequence) == [3])
            #expect(breaks.first?.description.contains("is not the event checkpoint 1 recorded") == true)
        }
    }

    @Test func aForgedAppendWithACorrectHashDatedBeforeTheCheckpointIsFound() throws {
        try withAnchoredLog { log in
            // As audit_append would, but dated an hour back (a release that "happened" before the checkpoint).
            try log.tamper("""
                WITH head AS (SELECT hash FROM audit_events WHERE stream = 'grant:Z' AND sequence = 1),
                     forged AS (SELECT nextval(pg_get_serial_sequence('audit_events', 'id')) AS id, now() - interval '1 hour' AS at)
                INSERT INTO audit_events (id, stream, sequence, event_type, actor, occurred_at, payload, previous_hash, hash, hash_version, recorded_at)
                OVERRIDING SYSTEM VALUE
                SELECT forged.id, 'grant:Z', 2, 'tranche.released', 'fin', forged.at, '{}', head.hash,
                       audit_event_hash(head.hash, forged.id, 'grant:Z', 2, 'tranche.released', 'fin',
                           (extract(epoch FROM forged.at) * 1000000)::bigint, (extract(epoch FROM forged.at) * 1000000)::bigint, '{}'),
                       2, forged.at
                FROM head, forged
                """)
            #expect(try log.store.verifyAuditLog() == [])
            let breaks = try log.verify()
            #expect(breaks.map(\.problem) == [.addedAfterCheckpoint])
            #expect(breaks.first?.stream == "grant:Z")
            #expect(breaks.first?.checkpoint == 1)
        }
    }

    @Test func aForgedAppendInTheOldHashFormatIsFound() throws {
        try withAnchoredLog { log in
            // Version 1 (the application's own hash before sql/0025), which has no recording time to check.
            try log.tamper("""
                WITH head AS (SELECT hash FROM audit_events WHERE stream = 'call:Y' AND sequence = 2)
                INSERT INTO audit_events (stream, sequence, event_type, actor, occurred_at, payload, previous_hash, hash)
                SELECT 'call:Y', 3, 'call.closed', 'sec', timestamptz 'epoch', '{}', head.hash,
                       encode(sha256(convert_to(head.hash || E'\\n["call:Y",3,"call.closed","sec",0,"{}"]', 'UTF8')), 'hex')
                FROM head
                """)
            #expect(try log.store.verifyAuditLog() == [])
            #expect(try log.verify().map(\.problem) == [.addedAfterCheckpoint])
        }
    }

    @Test func swappingTwoEventsIdsIsFound() throws {
        try withAnchoredLog { log in
            // Re-written with each other's ids (an identity column is only set by an insert that overrides it).
            try log.tamper("""
                CREATE TEMPORARY TABLE swapped ON COMMIT DROP AS
                    SELECT * FROM audit_events WHERE sequence = 1 AND stream IN ('proposal:X', 'call:Y');
                DELETE FROM audit_events WHERE id IN (SELECT id FROM swapped);
                INSERT INTO audit_events OVERRIDING SYSTEM VALUE
                    SELECT (SELECT o.id FROM swapped o WHERE o.stream <> s.stream), s.stream, s.sequence, s.event_type, s.actor, s.occurred_at,
                           s.payload, s.previous_hash, s.hash, s.hash_version, s.recorded_at
                    FROM swapped s;
                """)
            #expect(Set(try log.store.verifyAuditLog().map(\.stream)) == ["proposal:X", "call:Y"])
            #expect(Set(try log.verify().map(\.problem)).isSubset(of: [.hashMismatch, .idOutOfOrder]))
        }
    }

    @Test func theApplicationRoleCannotWriteTheLogExceptThroughAuditAppend() throws {
        try withTestDatabase { db in
            let connection = try db.connect()
            defer { connection.close() }
            func asApplication(_ sql: String) throws {
                try connection.withTransaction { connection in
                    try connection.execute("SET LOCAL ROLE rrf_app")
                    try connection.execute(sql)
                }
            }
            let insert = #expect(throws: PostgresError.self) {
                try asApplication("""
                    INSERT INTO audit_events (stream, sequence, event_type, actor, occurred_at, payload, previous_hash, hash)
                    VALUES ('tranche:T', 1, 'tranche.released', 'fin', now(), '{}', repeat('0', 64), repeat('0', 64))
                    """)
            }
            #expect(insert?.sqlState == "42501")
            let sequence = #expect(throws: PostgresError.self) {
                try asApplication("SELECT setval(pg_get_serial_sequence('audit_events', 'id'), 1)")
            }
            #expect(sequence?.sqlState == "42501")
            try asApplication("SELECT audit_append('tranche:T', 'tranche.released', 'fin', 0, '{}')")
            #expect(try AuditLog.events(stream: "tranche:T", on: connection).map(\.hashVersion) == [2])
            #expect(try AuditLog.verify(on: connection) == [])
        }
    }

    @Test func theDatabaseAndTheVerifierHashEveryCharacterAlike() throws {
        try withTestDatabase { db in
            let connection = try db.connect()
            defer { connection.close() }
            let hostile = "\u{01}\u{08}\u{0C}\n\r\t\u{1F}\u{7F} \"q\" \\ / é 😀 \u{2028} '; DROP TABLE audit_events; --"
            try AuditLog.append(stream: "s:" + hostile, type: "t" + hostile, actor: "a" + hostile, at: Date(), payloadJSON: hostile, on: connection)
            #expect(try AuditLog.verify(on: connection) == [])
        }
    }

    @Test func aCheckpointRemovedAlteredOrSignedByAnotherKeyIsRefused() throws {
        try withAnchoredLog { log in
            try log.append("grant:Z")
            #expect(try log.anchor().checkpoint == 2)
            let first = log.folder.appendingPathComponent(AuditAnchorFolder.fileName(1))
            let original = try Data(contentsOf: first)
            // Another key: its own checkpoints are not the fund's.
            let otherPublic = log.folder.deletingLastPathComponent().appendingPathComponent("other.pub")
            try AuditSigningKey.generate(privateKeyFile: log.folder.deletingLastPathComponent().appendingPathComponent("other.key"), publicKeyFile: otherPublic)
            let foreign = refusal { _ = try AuditAnchorFolder.read(log.folder, trusting: AuditSigningKey.publicKey(at: otherPublic)) }
            #expect(foreign?.code == "audit_anchor_invalid")
            // An altered checkpoint.
            try Data(String(decoding: original, as: UTF8.self).replacingOccurrences(of: "proposal:X", with: "proposal:W").utf8).write(to: first)
            #expect(refusal { _ = try log.verify() }?.code == "audit_anchor_invalid")
            // A removed one.
            try FileManager.default.removeItem(at: first)
            let removed = refusal { _ = try log.verify() }
            #expect(removed?.code == "audit_anchor_invalid")
            #expect(removed?.message.contains("Checkpoint 1 is missing") == true)
        }
    }
}
