import JobQueue

/// The jobs of peer review (handled by rrfd).
extension JobKinds {
    /// Aggregate the reviews of a proposal round and mark it scored when the panel is complete (quorum reached
    /// and every assignee done, or the review deadline passed); payload ``ProposalJobPayload``.
    /// Handler: ``FundStore/aggregateReviews(proposalID:)`` (idempotent). Enqueued with the review submission,
    /// recusal or conflict declaration that may complete the panel, and at the review deadline on assignment.
    public static let proposalAggregateReviews = JobKind<ProposalJobPayload>("proposal.aggregate_reviews")
}
