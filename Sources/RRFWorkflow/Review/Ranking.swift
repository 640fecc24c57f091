import Foundation

/// A proposal as it enters the ranking of its call and cluster.
public struct RankingCandidate: Hashable, Sendable, Codable {
    /// The proposal.
    public let proposalID: ProposalID
    /// Its human reference (the last tie-break).
    public let reference: ProposalReference
    /// When it was (last) submitted (the first tie-break: earlier first).
    public let submittedAt: Date
    /// The amount requested.
    public let requested: Money
    /// The committee's aggregate.
    public let aggregation: ReviewAggregation

    /// Creates a candidate.
    public init(proposalID: ProposalID, reference: ProposalReference, submittedAt: Date, requested: Money, aggregation: ReviewAggregation) {
        self.proposalID = proposalID
        self.reference = reference
        self.submittedAt = submittedAt
        self.requested = requested
        self.aggregation = aggregation
    }
}

/// One line of a ranking.
public struct RankedProposal: Hashable, Sendable, Codable {
    /// 1 for the best proposal.
    public let rank: Int
    /// The proposal and its scores.
    public let candidate: RankingCandidate
    /// The requested amounts of the passing proposals ranked so far, this one included if it passes.
    public let cumulativeRequested: Money
    /// Whether the proposal passes and the cumulative amount stays within the envelope.
    public let withinEnvelope: Bool
}

/// The ranking of the proposals of one call and cluster.
///
/// Order: mean score descending; ties go to the earlier submission, then to the smaller reference. The running
/// total adds up the requested amounts of passing proposals only; failing proposals are listed, never funded.
public struct Ranking: Hashable, Sendable, Codable {
    /// The cluster's envelope.
    public let envelope: Money
    /// The ranked proposals, best first.
    public let lines: [RankedProposal]

    /// Ranks the candidates against the envelope.
    /// - Throws: `currency_mismatch` when a request is not in the envelope's currency, `amount_overflow`.
    public init(candidates: [RankingCandidate], envelope: Money) throws(WorkflowRejection) {
        let ordered = candidates.sorted { left, right in
            if left.aggregation.mean != right.aggregation.mean { return left.aggregation.mean > right.aggregation.mean }
            if left.submittedAt != right.submittedAt { return left.submittedAt < right.submittedAt }
            return left.reference < right.reference
        }
        var cumulative = Money.zero(envelope.currency)
        var lines: [RankedProposal] = []
        for (index, candidate) in ordered.enumerated() {
            try envelope.requireSameCurrency(candidate.requested)
            let passes = candidate.aggregation.passes
            if passes { cumulative = try cumulative.adding(candidate.requested) }
            lines.append(RankedProposal(
                rank: index + 1, candidate: candidate, cumulativeRequested: cumulative,
                withinEnvelope: passes && cumulative.minorUnits <= envelope.minorUnits
            ))
        }
        self.envelope = envelope
        self.lines = lines
    }
}
