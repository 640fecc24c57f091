import Foundation
import JobQueue
import Logging
import RRFStore

/// `audit.anchor` (periodic, only on an rrfd configured with `audit_anchors`): writes the folder's next signed
/// checkpoint of the audit log (``FundStore/anchorAuditLog(into:signingKey:)``). The checkpoint is a file, not a
/// row, so it is written outside the job's transaction; a job run again after a crash finds nothing changed
/// and writes nothing.
struct AuditAnchorHandler: JobHandler {
    static let jobKind = JobKind<NoPayload>("audit.anchor")
    var kind: String { Self.jobKind.name }
    let store: FundStore
    let anchors: DaemonConfiguration.AuditAnchors

    func run(_ job: ClaimedJob, context: JobContext) throws {
        let result = try store.anchorAuditLog(
            into: URL(fileURLWithPath: anchors.folder, isDirectory: true),
            signingKey: AuditSigningKey.privateKey(at: URL(fileURLWithPath: anchors.signingKey))
        )
        if let number = result.checkpoint {
            context.logger.info("audit checkpoint written", metadata: [
                "checkpoint": "\(number)", "streams": "\(result.streams)", "events": "\(result.events)", "file": "\(result.file ?? "")",
            ])
        } else {
            context.logger.debug("audit log unchanged since the latest checkpoint", metadata: ["checkpoint": "\(result.unchangedSince ?? 0)"])
        }
    }
}
