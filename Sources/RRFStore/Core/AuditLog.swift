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

    public var occurredAt: Date { Date(timeIntervalSince1970: Double(occurredAtMicros) / 1_000_000) }
}

/// The first broken link found in one stream by ``AuditLog/verify(on:)``.
public struct AuditBreak: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Problem: String, Sendable, Codable {
        /// The stored hash is not the hash of the stored content (an edited row).
        case hashMismatch = "hash_mismatch"
        /// The event does not point at the hash of the event before it (a reordered or replaced row).
        case previousHashMismatch = "previous_hash_mismatch"
        /// A sequence number is missing (a deleted row) or out of order.
        case sequenceGap = "sequence_gap"
    }

    public let stream: String
    /// The sequence number where the chain breaks (for a gap: the expected, missing number).
    public let sequence: Int
    /// The database id of the event found at that position.
    public let eventID: Int64
    public let problem: Problem

    public init(stream: String, sequence: Int, eventID: Int64, problem: Problem) {
        self.stream = stream
        self.sequence = sequence
        self.eventID = eventID
        self.problem = problem
    }

    public var description: String {
        switch problem {
        case .hashMismatch:
            "Event \(sequence) of \(stream) (id \(eventID)) was changed after it was written: its content no longer matches its hash."
        case .previousHashMismatch:
            "Event \(sequence) of \(stream) (id \(eventID)) does not follow the event before it: the chain was reordered or an event replaced."
        case .sequenceGap:
            "Event \(sequence) of \(stream) is missing (the next event found is id \(eventID)): an event was deleted or renumbered."
        }
    }
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

    /// Appends an event whose payload is already canonical JSON text (sorted keys).
    @discardableResult
    public static func append(
        stream: String, type: String, actor: String, at occurredAt: Date, payloadJSON: String, on connection: Connection
    ) throws -> AuditEvent {
        try connection.queryPrepared("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))", [stream])
        let last = try connection.queryPrepared(
            "SELECT sequence, hash FROM audit_events WHERE stream = $1 ORDER BY sequence DESC LIMIT 1", [stream]
        ).first
        let sequence = try (last?.decode("sequence", as: Int.self) ?? 0) + 1
        let previousHash = try last?.decode("hash", as: String.self) ?? genesisHash
        let micros = Int64((occurredAt.timeIntervalSince1970 * 1_000_000).rounded())
        let hash = hashOf(
            previousHash: previousHash, stream: stream, sequence: sequence, type: type, actor: actor,
            occurredAtMicros: micros, payload: payloadJSON
        )
        let id = try connection.queryPrepared(
            """
            INSERT INTO audit_events (stream, sequence, event_type, actor, occurred_at, payload, previous_hash, hash)
            VALUES ($1, $2, $3, $4, timestamptz 'epoch' + $5::bigint * interval '1 microsecond', $6, $7, $8)
            RETURNING id
            """,
            [stream, sequence, type, actor, micros, payloadJSON, previousHash, hash]
        ).single().decode("id", as: Int64.self)
        return AuditEvent(
            id: id, stream: stream, sequence: sequence, type: type, actor: actor, occurredAtMicros: micros,
            payload: payloadJSON, previousHash: previousHash, hash: hash
        )
    }

    /// The events of one stream, oldest first.
    public static func events(stream: String, on connection: Connection) throws -> [AuditEvent] {
        try connection.queryPrepared(selectEvents + " WHERE stream = $1 ORDER BY sequence", [stream]).rows.map(event)
    }

    /// Recomputes every chain and returns the first broken link of each broken stream (empty: the log is intact).
    /// Reads the log in pages, so it runs in constant memory per stream.
    public static func verify(on connection: Connection, pageSize: Int = 2000) throws -> [AuditBreak] {
        var breaks: [AuditBreak] = []
        var position: (stream: String, sequence: Int) = ("", 0)
        var current: (stream: String, expectedSequence: Int, previousHash: String, broken: Bool)?
        while true {
            let page = try connection.queryPrepared(
                selectEvents + " WHERE (stream, sequence) > ($1, $2) ORDER BY stream, sequence LIMIT $3",
                [position.stream, position.sequence, pageSize]
            ).rows.map(event)
            for event in page {
                if current?.stream != event.stream {
                    current = (event.stream, 1, genesisHash, false)
                }
                guard var state = current, !state.broken else { continue }
                let problem: AuditBreak.Problem?
                if event.sequence != state.expectedSequence {
                    problem = .sequenceGap
                } else if event.previousHash != state.previousHash {
                    problem = .previousHashMismatch
                } else if event.hash != hashOf(event) {
                    problem = .hashMismatch
                } else {
                    problem = nil
                }
                if let problem {
                    breaks.append(AuditBreak(stream: event.stream, sequence: state.expectedSequence, eventID: event.id, problem: problem))
                    state.broken = true
                } else {
                    state.expectedSequence += 1
                    state.previousHash = event.hash
                }
                current = state
            }
            guard let last = page.last, page.count == pageSize else { break }
            position = (last.stream, last.sequence)
        }
        return breaks
    }

    /// SHA-256 (lowercase hex) of the previous hash, a newline, and the canonical bytes of the event: a JSON
    /// array `[stream, sequence, type, actor, occurredAtMicros, payload]` (unambiguous, whatever the texts hold).
    public static func hashOf(
        previousHash: String, stream: String, sequence: Int, type: String, actor: String, occurredAtMicros: Int64, payload: String
    ) -> String {
        var bytes = Data(previousHash.utf8)
        bytes.append(0x0A)
        bytes.append(contentsOf: canonicalArray([
            jsonString(stream), String(sequence), jsonString(type), jsonString(actor), String(occurredAtMicros), jsonString(payload),
        ]).utf8)
        return SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    /// Canonical JSON text of a value: sorted keys, no slash escaping, dates as ISO 8601.
    public static func canonicalJSON(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    private static func hashOf(_ event: AuditEvent) -> String {
        hashOf(
            previousHash: event.previousHash, stream: event.stream, sequence: event.sequence, type: event.type,
            actor: event.actor, occurredAtMicros: event.occurredAtMicros, payload: event.payload
        )
    }

    private static func canonicalArray(_ elements: [String]) -> String { "[" + elements.joined(separator: ",") + "]" }

    /// A JSON string literal (a string encodes as a JSON fragment; it cannot fail).
    private static func jsonString(_ text: String) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return (try? encoder.encode(text)).map { String(decoding: $0, as: UTF8.self) } ?? "\"\""
    }

    private static let selectEvents = """
        SELECT id, stream, sequence, event_type, actor, (extract(epoch FROM occurred_at) * 1000000)::bigint AS micros,
               payload, previous_hash, hash
        FROM audit_events
        """

    private static func event(_ row: Row) throws -> AuditEvent {
        AuditEvent(
            id: try row.decode("id"), stream: try row.decode("stream"), sequence: try row.decode("sequence"),
            type: try row.decode("event_type"), actor: try row.decode("actor"), occurredAtMicros: try row.decode("micros"),
            payload: try row.decode("payload"), previousHash: try row.decode("previous_hash"), hash: try row.decode("hash")
        )
    }
}
