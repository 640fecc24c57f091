import Foundation
import Postgres

/// The first problem found in one stream by ``AuditLog/verify(on:against:pageSize:progress:)``.
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
    /// with `anchors`, also checks the log against what the signed checkpoints recorded.
    ///
    /// Reads the whole log in one pass on one snapshot (a server-side cursor in a repeatable read transaction,
    /// or in the caller's transaction), `pageSize` events at a time, in constant memory per stream. `progress`
    /// is told after each batch how many events were verified, and an estimate of how many the log holds.
    public static func verify(
        on connection: Connection, against anchors: AuditAnchorState? = nil, pageSize: Int = 2000,
        progress: ((_ verified: Int, _ estimatedTotal: Int?) -> Void)? = nil
    ) throws -> [AuditBreak] {
        try connection.withTransaction(.repeatableRead) { connection in
            var walk = AuditChainWalk(anchors: anchors)
            let estimate = try progress.map { _ in try estimatedEventCount(on: connection) } ?? nil
            var verified = 0
            try connection.streamRows(AuditChainWalk.selectColumns + " ORDER BY stream, sequence", batchSize: pageSize) { rows in
                for row in 0..<rows.count { walk.visit(rows, row) }
                verified += rows.count
                progress?(verified, estimate)
            }
            return walk.finish()
        }
    }

    /// The planner's estimate of the number of events (nil before the table was first analysed): cheap, unlike `count(*)`.
    private static func estimatedEventCount(on connection: Connection) throws -> Int? {
        let estimate: Int64 = try connection.queryPrepared(
            "SELECT reltuples::bigint AS estimate FROM pg_class WHERE oid = 'audit_events'::regclass"
        ).single().decode("estimate")
        return estimate >= 0 ? Int(estimate) : nil
    }
}
