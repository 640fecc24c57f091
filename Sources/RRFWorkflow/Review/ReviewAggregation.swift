/// The committee's aggregate of the submitted reviews of one proposal round.
///
/// Arithmetic is integer-only, in hundredths of a point, with one rounding rule everywhere:
/// **round half up** (x.xx5 → x.xx + 0.01), applied once to each exact result (never to intermediate terms).
/// - A review's weighted total on 0…100 is Σ weightᵢ × scoreᵢ / maxᵢ, computed exactly over the least common
///   multiple of the maxima, then rounded half up to hundredths.
/// - The mean is the exact mean of those totals, rounded half up.
/// - The standard deviation is the population one (divide by n), rounded half up to hundredths.
/// - The reviews are *divergent* when max − min of the totals exceeds the configured spread (in points).
/// - The proposal passes when the mean reaches the scorecard's pass threshold.
public struct ReviewAggregation: Hashable, Sendable, Codable {
    /// Each counted review's weighted total, in the order given.
    public let totals: [Score]
    /// The mean of the totals.
    public let mean: Score
    /// The population standard deviation of the totals.
    public let standardDeviation: Score
    /// The highest minus the lowest total.
    public let spread: Score
    /// Whether the spread exceeds the configured maximum.
    public let isDivergent: Bool
    /// Whether the mean reaches the pass threshold.
    public let passes: Bool

    /// Aggregates submitted score sheets (recused reviews are simply not passed in).
    /// - Parameter divergenceSpread: the largest acceptable spread between totals, in points.
    /// - Throws: `no_reviews` when `sheets` is empty, or a ``Scorecard/validate()`` or
    ///   ``ScoreSheet/validate(against:)`` refusal.
    public init(sheets: [ScoreSheet], scorecard: Scorecard, divergenceSpread: Int) throws(WorkflowRejection) {
        try scorecard.validate()
        guard !sheets.isEmpty else {
            throw WorkflowRejection(code: "no_reviews", message: "No review has been submitted yet; there is nothing to aggregate.")
        }
        var totals: [Score] = []
        for sheet in sheets {
            try sheet.validate(against: scorecard)
            totals.append(ReviewAggregation.weightedTotal(of: sheet, on: scorecard))
        }
        let values = totals.map(\.hundredths)
        let count = values.count
        let sum = values.reduce(0, +)
        let squares = values.reduce(0) { $0 + $1 * $1 }
        let spread = (values.max() ?? 0) - (values.min() ?? 0)
        self.totals = totals
        self.mean = Score(hundredths: ReviewAggregation.roundHalfUp(sum, dividedBy: count))
        // Population variance × n² = n Σx² − (Σx)², exact in integers.
        self.standardDeviation = Score(hundredths: ReviewAggregation.roundedSquareRoot(of: count * squares - sum * sum, dividedBy: count))
        self.spread = Score(hundredths: spread)
        self.isDivergent = spread > divergenceSpread * 100
        self.passes = mean.hundredths >= scorecard.passThreshold * 100
    }

    /// One sheet's weighted total on the 0…100 scale (the sheet and the scorecard must be valid).
    public static func weightedTotal(of sheet: ScoreSheet, on scorecard: Scorecard) -> Score {
        let denominator = scorecard.commonDenominator ?? 1
        let numerator = scorecard.criteria.reduce(0) { sum, criterion in
            sum + criterion.weight * (sheet.scores[criterion.id] ?? 0) * (denominator / criterion.maxScore) * 100
        }
        return Score(hundredths: roundHalfUp(numerator, dividedBy: denominator))
    }

    /// `numerator / denominator` rounded half up, for a non-negative numerator and a positive denominator.
    static func roundHalfUp(_ numerator: Int, dividedBy denominator: Int) -> Int {
        (2 * numerator + denominator) / (2 * denominator)
    }

    /// √value / divisor rounded half up: the r with (2r − 1)² d² ≤ 4·value < (2r + 1)² d².
    static func roundedSquareRoot(of value: Int, dividedBy divisor: Int) -> Int {
        let target = 4 * value
        let divisorSquared = divisor * divisor
        var root = Int(Double(value).squareRoot()) / divisor
        while (2 * root + 1) * (2 * root + 1) * divisorSquared <= target { root += 1 }
        while root > 0, (2 * root - 1) * (2 * root - 1) * divisorSquared > target { root -= 1 }
        return root
    }
}
