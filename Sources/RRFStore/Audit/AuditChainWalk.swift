import Foundation
import Postgres

/// The state of ``AuditLog/verify(on:against:pageSize:progress:)`` while it walks the log in stream and
/// sequence order, reading each event in place from the fetched rows: version 2 hashes are recomputed from
/// the rows' bytes and compared with the stored hex without building text; version 1 events (written by the
/// application before sql/0025) are read into an ``AuditEvent`` and hashed as before.
struct AuditChainWalk {
    /// The columns ``visit(_:_:)`` reads, by position.
    static let selectColumns = """
        SELECT id, stream, sequence, event_type, actor, occurred_at, payload, previous_hash, hash, hash_version, recorded_at
        FROM audit_events
        """
    private enum Column {
        static let id = 0, stream = 1, sequence = 2, type = 3, actor = 4, occurred = 5, payload = 6
        static let previousHash = 7, hash = 8, version = 9, recorded = 10
    }

    private let anchors: AuditAnchorState?
    private var unvisited: [String: AuditAnchorState.Head]
    private var breaks: [AuditBreak] = []
    private var input = AuditHashInput()

    // The stream being walked (`name` nil before the first event), kept in place so that no event copies it.
    private var name: String?
    private var nameBytes: [UInt8] = []
    private var head: AuditAnchorState.Head?
    private var headHash: [UInt8] = []
    private var expectedSequence = 1
    private var previousHash: [UInt8] = []
    private var previousID: Int64 = 0
    private var broken = false

    init(anchors: AuditAnchorState?) {
        self.anchors = anchors
        self.unvisited = anchors?.heads ?? [:]
    }

    /// Checks the event in `row` against the stream's chain so far.
    mutating func visit(_ rows: borrowing BinaryRows, _ row: Int) {
        let stream = rows.bytes(row, Column.stream) ?? UnsafeRawBufferPointer(start: nil, count: 0)
        if name == nil || !Self.same(stream, nameBytes) {
            endStream()
            begin(stream)
        }
        guard !broken else { return }
        let id = rows.integer(row, Column.id) ?? 0
        let sequence = Int(rows.integer(row, Column.sequence) ?? 0)
        let hash = rows.bytes(row, Column.hash) ?? UnsafeRawBufferPointer(start: nil, count: 0)
        if let problem = problem(rows, row, id: id, sequence: sequence, hash: hash) {
            breaks.append(AuditBreak(
                stream: name ?? "", sequence: problem.kind == .sequenceGap ? expectedSequence : sequence, eventID: id,
                problem: problem.kind, checkpoint: problem.checkpoint
            ))
            broken = true
        } else {
            expectedSequence += 1
            previousHash.replaceSubrange(previousHash.indices, with: hash)
            previousID = id
        }
    }

    /// The problems of every stream, and the checkpointed streams the log no longer has.
    mutating func finish() -> [AuditBreak] {
        endStream()
        for (name, head) in unvisited.sorted(by: { $0.key < $1.key }) {
            breaks.append(AuditBreak(stream: name, sequence: head.sequence, eventID: nil, problem: .streamDeleted, checkpoint: head.checkpoint))
        }
        unvisited = [:]
        return breaks
    }

    private mutating func problem(
        _ rows: borrowing BinaryRows, _ row: Int, id: Int64, sequence: Int, hash: UnsafeRawBufferPointer
    ) -> (kind: AuditBreak.Problem, checkpoint: Int?)? {
        if sequence != expectedSequence { return (.sequenceGap, nil) }
        if !Self.same(rows.bytes(row, Column.previousHash) ?? UnsafeRawBufferPointer(start: nil, count: 0), previousHash) {
            return (.previousHashMismatch, nil)
        }
        if id <= previousID { return (.idOutOfOrder, nil) }
        let version = rows.integer(row, Column.version) ?? 0
        let recorded = rows.timestampMicros(row, Column.recorded)
        if !hashMatches(rows, row, id: id, sequence: sequence, version: version, recorded: recorded, hash: hash) { return (.hashMismatch, nil) }
        guard let anchors else { return nil }
        if let head, sequence <= head.sequence {
            if sequence == head.sequence, !Self.same(hash, headHash) || id != head.id {
                return (.differsFromCheckpoint, head.checkpoint)
            }
            return nil
        }
        // Not covered by any checkpoint: it must have been appended by audit_append after the latest one.
        let covered = version == 2 && (recorded ?? 0) >= anchors.latestTakenAtMicros - AuditAnchorState.graceMicros
        return covered ? nil : (.addedAfterCheckpoint, anchors.latestCheckpoint)
    }

    /// Whether the stored hash is the hash of the event's content.
    private mutating func hashMatches(
        _ rows: borrowing BinaryRows, _ row: Int, id: Int64, sequence: Int, version: Int64, recorded: Int64?, hash: UnsafeRawBufferPointer
    ) -> Bool {
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        let occurred = rows.timestampMicros(row, Column.occurred) ?? 0
        guard version == 1 else {
            let digest = input.version2Digest(
                previousHash: rows.bytes(row, Column.previousHash) ?? empty, id: id, stream: rows.bytes(row, Column.stream) ?? empty,
                sequence: Int64(sequence), type: rows.bytes(row, Column.type) ?? empty, actor: rows.bytes(row, Column.actor) ?? empty,
                occurredMicros: occurred, recordedMicros: recorded, payload: rows.bytes(row, Column.payload) ?? empty
            )
            return AuditHashInput.isLowercaseHex(hash, of: digest)
        }
        func text(_ column: Int) -> String { String(decoding: rows.bytes(row, column) ?? empty, as: UTF8.self) }
        let event = AuditEvent(
            id: id, stream: text(Column.stream), sequence: sequence, type: text(Column.type), actor: text(Column.actor),
            occurredAtMicros: occurred, payload: text(Column.payload), previousHash: text(Column.previousHash), hash: text(Column.hash),
            hashVersion: 1, recordedAtMicros: recorded
        )
        return event.hash == AuditLog.expectedHash(of: event)
    }

    /// Starts walking the stream named `stream`.
    private mutating func begin(_ stream: UnsafeRawBufferPointer) {
        nameBytes.replaceSubrange(nameBytes.indices, with: stream)
        let name = String(decoding: stream, as: UTF8.self)
        self.name = name
        head = anchors?.heads[name]
        headHash.replaceSubrange(headHash.indices, with: head.map { Array($0.hash.utf8) } ?? [])
        expectedSequence = 1
        previousHash.replaceSubrange(previousHash.indices, with: AuditLog.genesisHash.utf8)
        previousID = 0
        broken = false
    }

    /// Closes the current stream: a stream that ends before its checkpointed head was cut short.
    private mutating func endStream() {
        guard let name else { return }
        self.name = nil
        guard let head = unvisited.removeValue(forKey: name), !broken else { return }
        if expectedSequence - 1 < head.sequence {
            breaks.append(AuditBreak(stream: name, sequence: head.sequence, eventID: nil, problem: .truncated, checkpoint: head.checkpoint))
        }
    }

    /// Whether two byte strings are equal.
    private static func same(_ bytes: UnsafeRawBufferPointer, _ other: [UInt8]) -> Bool {
        guard bytes.count == other.count else { return false }
        guard let base = bytes.baseAddress, !other.isEmpty else { return true }
        return other.withUnsafeBytes { memcmp(base, $0.baseAddress!, bytes.count) == 0 }
    }
}
