import Foundation
import Postgres

/// The first problem found in one stream by ``AuditLog/verify(on:against:pageSize:)``.
public struct AuditBreak: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Problem: String, Sendable, Codable {
        /// The stored hash is not the hash of the stored content (an edited row, or a changed id).
        case hashMismatch = "hash_mismatch"
        /// The event does not point at the hash of the event before it (a reordered or replaced row).
        case previousHashMismatch = "previous_hash_mismatch"
        /// A sequence number is missing (a deleted row) or out of order.
        case sequenceGap = "sequence_gap"
        /// Ids do not grow with the sequence (swapped or renumbered ids).
        case idOutOfOrder = "id_out_of_order"
        /// A stream a checkpoint recorded is gone.
        case streamDeleted = "stream_deleted"
        /// The stream ends before the event a checkpoint recorded (its last events were deleted).
        case truncated
        /// The event a checkpoint recorded has another hash or id now (the chain was recomputed or replaced).
        case differsFromCheckpoint = "differs_from_checkpoint"
        /// An event no checkpoint covers although it claims to be older than the latest one (a forged append).
        case addedAfterCheckpoint = "added_after_checkpoint"
    }

    public let stream: String
    /// Where the problem is (for a gap: the expected, missing number; for a truncation: the recorded head).
    public let sequence: Int
    /// The database id of the event found at that position, when there is one.
    public let eventID: Int64?
    public let problem: Problem
    /// The number of the checkpoint the problem is found against, for the problems found with anchors.
    public let checkpoint: Int?

    public init(stream: String, sequence: Int, eventID: Int64?, problem: Problem, checkpoint: Int? = nil) {
        self.stream = stream
        self.sequence = sequence
        self.eventID = eventID
        self.problem = problem
        self.checkpoint = checkpoint
    }

    public var description: String {
        let id = eventID.map { " (id \($0))" } ?? ""
        let against = checkpoint.map { "checkpoint \($0)" } ?? "the checkpoint"
        return switch problem {
        case .hashMismatch:
            "Event \(sequence) of \(stream)\(id) was changed after it was written: its content no longer matches its hash."
        case .previousHashMismatch:
            "Event \(sequence) of \(stream)\(id) does not follow the event before it: the chain was reordered or an event replaced."
        case .sequenceGap:
            "Event \(sequence) of \(stream) is missing (the next event found is\(id)): an event was deleted or renumbered."
        case .idOutOfOrder:
            "Event \(sequence) of \(stream)\(id) has a smaller id than the event before it: ids were swapped or renumbered."
        case .streamDeleted:
            "Stream \(stream) is gone: \(against) recorded it up to event \(sequence)."
        case .truncated:
            "Stream \(stream) was cut short: \(against) recorded event \(sequence), which is no longer in the log."
        case .differsFromCheckpoint:
            "Event \(sequence) of \(stream)\(id) is not the event \(against) recorded: the chain was recomputed or the event replaced."
        case .addedAfterCheckpoint:
            "Event \(sequence) of \(stream)\(id) was added after \(against) but dates itself before it: a forged append."
        }
    }
}

/// The heads of every stream as the signed checkpoints recorded them (see ``AuditAnchorFolder``).
public struct AuditAnchorState: Sendable, Equatable {
    /// One stream's last event as recorded.
    public struct Head: Sendable, Equatable {
        public let sequence: Int
        public let hash: String
        public let id: Int64
        /// The checkpoint that recorded it.
        public let checkpoint: Int
    }

    public var heads: [String: Head] = [:]
    /// The latest checkpoint's number (0: none yet) and when it was taken.
    public var latestCheckpoint = 0
    public var latestTakenAtMicros: Int64 = 0

    /// How much older than the latest checkpoint an uncovered event may be recorded (a transaction that was
    /// running while the checkpoint was taken commits after it).
    public static let graceMicros: Int64 = 10 * 60 * 1_000_000

    public init() {}
}

extension AuditLog {
    /// Recomputes every chain and returns the first problem of each broken stream (empty: the log is intact);
    /// with `anchors`, also checks the log against what the signed checkpoints recorded. Reads the log in pages,
    /// so it runs in constant memory per stream.
    public static func verify(on connection: Connection, against anchors: AuditAnchorState? = nil, pageSize: Int = 2000) throws -> [AuditBreak] {
        var walk = ChainWalk(anchors: anchors)
        var position: (stream: String, sequence: Int) = ("", 0)
        while true {
            let page = try connection.queryPrepared(
                selectEvents + " WHERE (stream, sequence) > ($1, $2) ORDER BY stream, sequence LIMIT $3",
                [position.stream, position.sequence, pageSize]
            ).rows.map(event)
            page.forEach { walk.visit($0) }
            guard let last = page.last, page.count == pageSize else { break }
            position = (last.stream, last.sequence)
        }
        return walk.finish()
    }
}

/// The state of ``AuditLog/verify(on:against:pageSize:)`` while it walks the log in stream and sequence order.
private struct ChainWalk {
    struct Stream {
        let name: String
        var expectedSequence = 1
        var previousHash = AuditLog.genesisHash
        var previousID: Int64 = 0
        var broken = false
    }

    let anchors: AuditAnchorState?
    var unvisited: [String: AuditAnchorState.Head]
    var current: Stream?
    var breaks: [AuditBreak] = []

    init(anchors: AuditAnchorState?) {
        self.anchors = anchors
        self.unvisited = anchors?.heads ?? [:]
    }

    mutating func visit(_ event: AuditEvent) {
        if current?.name != event.stream {
            endStream()
            current = Stream(name: event.stream)
        }
        guard var stream = current, !stream.broken else { return }
        if let problem = problem(of: event, in: stream) {
            breaks.append(AuditBreak(
                stream: event.stream, sequence: problem.kind == .sequenceGap ? stream.expectedSequence : event.sequence,
                eventID: event.id, problem: problem.kind, checkpoint: problem.checkpoint
            ))
            stream.broken = true
        } else {
            stream.expectedSequence += 1
            stream.previousHash = event.hash
            stream.previousID = event.id
        }
        current = stream
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

    private func problem(of event: AuditEvent, in stream: Stream) -> (kind: AuditBreak.Problem, checkpoint: Int?)? {
        if event.sequence != stream.expectedSequence { return (.sequenceGap, nil) }
        if event.previousHash != stream.previousHash { return (.previousHashMismatch, nil) }
        if event.id <= stream.previousID { return (.idOutOfOrder, nil) }
        if event.hash != AuditLog.expectedHash(of: event) { return (.hashMismatch, nil) }
        guard let anchors else { return nil }
        if let head = anchors.heads[event.stream], event.sequence <= head.sequence {
            if event.sequence == head.sequence, event.hash != head.hash || event.id != head.id {
                return (.differsFromCheckpoint, head.checkpoint)
            }
            return nil
        }
        // Not covered by any checkpoint: it must have been appended by audit_append after the latest one.
        let covered = event.hashVersion == 2
            && (event.recordedAtMicros ?? 0) >= anchors.latestTakenAtMicros - AuditAnchorState.graceMicros
        return covered ? nil : (.addedAfterCheckpoint, anchors.latestCheckpoint)
    }

    /// Closes the current stream: a stream that ends before its checkpointed head was cut short.
    private mutating func endStream() {
        guard let stream = current else { return }
        current = nil
        guard let head = unvisited.removeValue(forKey: stream.name), !stream.broken else { return }
        if stream.expectedSequence - 1 < head.sequence {
            breaks.append(AuditBreak(stream: stream.name, sequence: head.sequence, eventID: nil, problem: .truncated, checkpoint: head.checkpoint))
        }
    }
}
