import Crypto
import Foundation
import Postgres

/// One event of the audit log as stored.
public struct AuditEvent: Sendable, Equatable, Codable {
    public let id: Int64
    /// The aggregate, e.g. `proposal:RRF-2026-0042`, `organisation:NGO-ALPHA`.
    public let stream: String
    /// 1, 2, 3 … within the stream.
    public let sequence: Int
    /// What happened, e.g. `proposal.submitted`.
    public let type: String
    /// The login of the person (or `system`) who did it.
    public let actor: String
    /// Microseconds since 1970-01-01 UTC, exactly as hashed.
    public let occurredAtMicros: Int64
    /// Canonical JSON (sorted keys), exactly the text that was hashed.
    public let payload: String
    public let previousHash: String
    public let hash: String
    /// 1: hashed by the application before sql/0025; 2: hashed by the database's `audit_append`, which also
    /// covers the id and ``recordedAtMicros``.
    public let hashVersion: Int
    /// When the database appended it (microseconds since 1970-01-01 UTC); nil for version 1 events.
    public let recordedAtMicros: Int64?

    public var occurredAt: Date { Date(timeIntervalSince1970: Double(occurredAtMicros) / 1_000_000) }
}

/// The hash-chained, append-only audit log (table `audit_events`).
///
/// Every command appends its event with ``append(stream:type:actor:at:payload:on:)`` on the connection of its
/// own transaction, so the event exists if and only if the state change commits. One chain per stream;
/// appends to one stream are serialised by a transaction-level advisory lock on the stream name.
public enum AuditLog {
    /// The previous hash of the first event of a stream.
    public static let genesisHash = String(repeating: "0", count: 64)

    /// Appends an event whose payload is `payload` encoded as canonical JSON; returns the stored event.
    @discardableResult
    public static func append(
        stream: String, type: String, actor: String, at occurredAt: Date, payload: some Encodable, on connection: Connection
    ) throws -> AuditEvent {
        try append(stream: stream, type: type, actor: actor, at: occurredAt, payloadJSON: canonicalJSON(payload), on: connection)
    }

    /// Appends an event whose payload is already canonical JSON text (sorted keys), through the database's
    /// `audit_append` (sql/0025): it computes the sequence, the previous hash, the hash and the recording time
    /// itself, so the application role cannot write a chain of its own making.
    @discardableResult
    public static func append(
        stream: String, type: String, actor: String, at occurredAt: Date, payloadJSON: String, on connection: Connection
    ) throws -> AuditEvent {
        let micros = Int64((occurredAt.timeIntervalSince1970 * 1_000_000).rounded())
        let row = try connection.queryPrepared(
            "SELECT event_id, event_sequence, event_previous_hash, event_hash, recorded_micros FROM audit_append($1, $2, $3, $4, $5)",
            [stream, type, actor, micros, payloadJSON]
        ).single()
        return AuditEvent(
            id: try row.decode("event_id"), stream: stream, sequence: try row.decode("event_sequence"), type: type, actor: actor,
            occurredAtMicros: micros, payload: payloadJSON, previousHash: try row.decode("event_previous_hash"),
            hash: try row.decode("event_hash"), hashVersion: 2, recordedAtMicros: try row.decode("recorded_micros")
        )
    }

    /// The events of one stream, oldest first.
    public static func events(stream: String, on connection: Connection) throws -> [AuditEvent] {
        try connection.queryPrepared(selectEvents + " WHERE stream = $1 ORDER BY sequence", [stream]).rows.map(event)
    }

    /// The hash `event` must carry: version 1 (written by the application before sql/0025) is the SHA-256
    /// (lowercase hex) of the previous hash, a newline and the JSON array `[stream, sequence, type, actor,
    /// occurredAtMicros, payload]`; version 2 (written by `audit_append`) of the previous hash, a newline and
    /// `[id, stream, sequence, type, actor, occurredAtMicros, recordedAtMicros, payload]`, texts written as
    /// PostgreSQL's `to_json` writes them.
    public static func expectedHash(of event: AuditEvent) -> String {
        guard event.hashVersion != 1 else { return version1Hash(of: event) }
        var input = AuditHashInput()
        return AuditHashInput.lowercaseHex(input.version2Digest(
            previousHash: event.previousHash.utf8, id: event.id, stream: event.stream.utf8, sequence: Int64(event.sequence),
            type: event.type.utf8, actor: event.actor.utf8, occurredMicros: event.occurredAtMicros, recordedMicros: event.recordedAtMicros,
            payload: event.payload.utf8
        ))
    }

    /// The version 1 hash of `event`, its texts written by Foundation's JSON encoder.
    private static func version1Hash(of event: AuditEvent) -> String {
        let elements = [
            foundationJSONString(event.stream), String(event.sequence), foundationJSONString(event.type),
            foundationJSONString(event.actor), String(event.occurredAtMicros), foundationJSONString(event.payload),
        ]
        return sha256Hex(event.previousHash + "\n[" + elements.joined(separator: ",") + "]")
    }

    /// SHA-256 of the UTF-8 bytes of `text`, lowercase hex.
    public static func sha256Hex(_ text: String) -> String {
        AuditHashInput.lowercaseHex(SHA256.hash(data: Data(text.utf8)))
    }

    /// Canonical JSON text of a value: sorted keys, no slash escaping, dates as ISO 8601.
    public static func canonicalJSON(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// A JSON string literal as Foundation's encoder writes it (the texts of version 1 hashes).
    private static func foundationJSONString(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? encoder.encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }

    /// The columns ``event(_:)`` reads, for any query over `audit_events`.
    static let selectEvents = """
        SELECT id, stream, sequence, event_type, actor, (extract(epoch FROM occurred_at) * 1000000)::bigint AS micros,
               payload, previous_hash, hash, hash_version, (extract(epoch FROM recorded_at) * 1000000)::bigint AS recorded_micros
        FROM audit_events
        """

    /// The event of a row of ``selectEvents``.
    static func event(_ row: Row) throws -> AuditEvent {
        AuditEvent(
            id: try row.decode("id"), stream: try row.decode("stream"), sequence: try row.decode("sequence"),
            type: try row.decode("event_type"), actor: try row.decode("actor"), occurredAtMicros: try row.decode("micros"),
            payload: try row.decode("payload"), previousHash: try row.decode("previous_hash"), hash: try row.decode("hash"),
            hashVersion: Int(try row.decode("hash_version", as: Int16.self)), recordedAtMicros: try row.decode("recorded_micros", as: Int64?.self)
        )
    }
}
