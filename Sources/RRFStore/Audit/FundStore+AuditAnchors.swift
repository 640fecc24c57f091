import Crypto
import Foundation
import Postgres
import RRFWorkflow

/// What ``FundStore/anchorAuditLog(into:signingKey:)`` did.
public struct AuditAnchorResult: Sendable, Encodable {
    /// The checkpoint written, or nil when no stream changed since the latest one.
    public let checkpoint: Int?
    /// Its file.
    public let file: String?
    /// How many streams it records (those that changed since the checkpoint before it).
    public let streams: Int
    /// How many events the log held.
    public let events: Int64
    /// The folder's latest checkpoint when nothing was written.
    public let unchangedSince: Int?
}

extension FundStore {
    /// Recomputes every audit chain on one snapshot of the log, and with `anchors` checks it against the signed
    /// checkpoints too; empty when the log is intact. `progress` is told the events verified so far and an
    /// estimate of their total (see ``AuditLog/verify(on:against:pageSize:progress:)``).
    public func verifyAuditLog(
        anchors: AuditAnchorState? = nil, progress: ((_ verified: Int, _ estimatedTotal: Int?) -> Void)? = nil
    ) throws -> [AuditBreak] {
        try read("audit.verify", isolation: .repeatableRead) { connection, viewer in
            try viewer.require(.securityLog, notFound: Self.auditAdministratorsOnly)
            return try AuditLog.verify(on: connection, against: anchors, progress: progress)
        }
    }

    /// Checkpoints the audit log into `folder`: reads every stream's last event on one snapshot, and writes the
    /// folder's next checkpoint, signed with `signingKey`, listing the streams whose head changed since the
    /// folder's latest one (all of them for the first). The folder's checkpoints are checked first, against the
    /// key's public half, so a chain of checkpoints is only ever extended, never forked.
    public func anchorAuditLog(into folder: URL, signingKey: Curve25519.Signing.PrivateKey) throws -> AuditAnchorResult {
        let contents = try AuditAnchorFolder.read(folder, trusting: signingKey.publicKey)
        let snapshot = try read("audit.anchor", isolation: .repeatableRead) { connection, viewer in
            try viewer.require(.securityLog, notFound: Self.auditAdministratorsOnly)
            let taken = try connection.queryPrepared(
                "SELECT (extract(epoch FROM now()) * 1000000)::bigint AS micros, (SELECT count(*) FROM audit_events) AS events"
            ).single()
            let heads = try connection.queryPrepared(
                "SELECT DISTINCT ON (stream) stream, sequence, hash, id FROM audit_events ORDER BY stream, sequence DESC"
            ).rows.map { row in
                AuditCheckpoint.Head(
                    stream: try row.decode("stream"), sequence: try row.decode("sequence"), hash: try row.decode("hash"), id: try row.decode("id")
                )
            }
            return (micros: try taken.decode("micros", as: Int64.self), events: try taken.decode("events", as: Int64.self), heads: heads)
        }
        let changed = snapshot.heads.filter { head in
            let known = contents.state.heads[head.stream]
            return known?.sequence != head.sequence || known?.hash != head.hash || known?.id != head.id
        }
        guard !changed.isEmpty || contents.latest == nil else {
            return AuditAnchorResult(checkpoint: nil, file: nil, streams: 0, events: snapshot.events, unchangedSince: contents.state.latestCheckpoint)
        }
        let checkpoint = AuditCheckpoint(
            number: contents.state.latestCheckpoint + 1, takenAtMicros: snapshot.micros,
            previousDigest: contents.latest?.digest ?? AuditLog.genesisHash, events: snapshot.events, heads: changed
        )
        let file = try AuditAnchorFolder.write(checkpoint, signedWith: signingKey, into: folder)
        return AuditAnchorResult(checkpoint: checkpoint.number, file: file.path, streams: changed.count, events: snapshot.events, unchangedSince: nil)
    }

    static let auditAdministratorsOnly = StoreError(.forbidden, code: "role_required", "Only an administrator can verify or anchor the audit log.")
}
