import Foundation

/// How far the peer review of one proposal round has come.
///
/// Rule: a proposal is *scored* when at least `quorum` reviews are submitted and either every assignee is done
/// (submitted or recused) or the review deadline has passed.
public struct ReviewProgress: Hashable, Sendable, Codable {
    /// Reviews submitted.
    public let submitted: Int
    /// Reviewers who recused themselves.
    public let recused: Int
    /// Reviews still assigned and not done.
    public let pending: Int
    /// Submitted reviews needed (default 3).
    public let quorum: Int
    /// The call's review deadline.
    public let reviewDeadline: Date

    /// Creates a progress snapshot.
    public init(submitted: Int, recused: Int, pending: Int, quorum: Int = 3, reviewDeadline: Date) {
        self.submitted = submitted
        self.recused = recused
        self.pending = pending
        self.quorum = quorum
        self.reviewDeadline = reviewDeadline
    }

    /// Whether the proposal counts as scored at `now` (see the rule above).
    public func isScored(at now: Date) -> Bool {
        (try? requireScored(at: now)) != nil
    }

    /// Refuses, explaining why, unless the proposal counts as scored at `now`.
    /// - Throws: `review_quorum_not_met`, `reviews_pending`.
    public func requireScored(at now: Date) throws(WorkflowRejection) {
        guard submitted >= quorum else {
            throw WorkflowRejection(
                code: "review_quorum_not_met",
                message: "Only \(submitted) of the \(quorum) reviews needed are submitted; assign more reviewers or wait for their scores."
            )
        }
        guard pending == 0 || now >= reviewDeadline else {
            throw WorkflowRejection(
                code: "reviews_pending",
                message: "\(pending) review(s) are still pending and the review deadline has not passed; wait for them or for the deadline."
            )
        }
    }
}
