import Foundation

/// The part of a committee's aggregate that the ranking reads and shows.
public struct RankingScore: Hashable, Sendable, Codable {
    /// The mean of the counted reviews' totals (the ranking's order).
    public let mean: Score
    /// The population standard deviation of the totals.
    public let standardDeviation: Score
    /// Whether the reviewers' spread exceeds the call's maximum.
    public let isDivergent: Bool
    /// Whether the mean reaches the pass threshold (only passing proposals count against the envelope).
    public let passes: Bool

    /// Creates a score from its stored parts.
    public init(mean: Score, standardDeviation: Score, isDivergent: Bool, passes: Bool) {
        self.mean = mean
        self.standardDeviation = standardDeviation
        self.isDivergent = isDivergent
        self.passes = passes
    }

    /// The ranking's part of a full aggregate.
    public init(_ aggregation: ReviewAggregation) {
        self.init(mean: aggregation.mean, standardDeviation: aggregation.standardDeviation, isDivergent: aggregation.isDivergent, passes: aggregation.passes)
    }
}

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
    /// The committee's aggregate, as far as the ranking needs it.
    public let score: RankingScore

    /// Creates a candidate.
    public init(proposalID: ProposalID, reference: ProposalReference, submittedAt: Date, requested: Money, score: RankingScore) {
        self.proposalID = proposalID
        self.reference = reference
        self.submittedAt = submittedAt
        self.requested = requested
        self.score = score
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
            if left.score.mean != right.score.mean { return left.score.mean > right.score.mean }
            if left.submittedAt != right.submittedAt { return left.submittedAt < right.submittedAt }
            return left.reference < right.reference
        }
        var cumulative = Money.zero(envelope.currency)
        var lines: [RankedProposal] = []
        for (index, candidate) in ordered.enumerated() {
            try envelope.requireSameCurrency(candidate.requested)
            let passes = candidate.score.passes
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
