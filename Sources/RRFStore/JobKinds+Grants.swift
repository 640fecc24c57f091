import Foundation

extension JobKinds {
    /// Evaluate the conditions of a grant's next tranche (after signature, report acceptance, resumption, or a
    /// training certificate); handler: ``FundStore/evaluateTranches(_:training:policy:as:)``; payload ``GrantJobPayload``.
    public static let grantEvaluateTranches = "grant.evaluate_tranches"
    /// Mark the reports whose period has ended as due, then notify the overdue ones (hourly, rrfd's built-in cron);
    /// handler: ``FundStore/markReportsDue(as:)`` then ``FundStore/notifyOverdueReports()``; payload `{}`.
    public static let grantMarkReportsDue = "grant.mark_reports_due"
}

/// Payload of the grant jobs.
public struct GrantJobPayload: Codable, Sendable, Equatable {
    public let grantID: String
    public let reference: String

    public init(grantID: String, reference: String) {
        self.grantID = grantID
        self.reference = reference
    }
}
