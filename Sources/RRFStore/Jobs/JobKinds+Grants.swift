import Foundation
import JobQueue

extension JobKinds {
    /// Evaluate the conditions of a grant's next tranche (after signature, report acceptance, resumption, or a
    /// training certificate); handler: ``FundStore/evaluateTranches(_:training:policy:as:)``; payload ``GrantJobPayload``.
    public static let grantEvaluateTranches = JobKind<GrantJobPayload>("grant.evaluate_tranches")
    /// Mark the reports whose period has ended as due, then notify the overdue ones (hourly, rrfd's built-in cron);
    /// handler: ``FundStore/markReportsDue(as:)`` then ``FundStore/notifyOverdueReports()``; payload ``NoPayload``.
    public static let grantMarkReportsDue = JobKind<NoPayload>("grant.mark_reports_due")
}

/// Payload of the grant jobs.
public struct GrantJobPayload: Codable, Sendable, Equatable {
    public let grantID: UUID
    public let reference: String

    public init(grantID: UUID, reference: String) {
        self.grantID = grantID
        self.reference = reference
    }
}
