import Foundation

/// One scored criterion of a scorecard.
public struct Criterion: Hashable, Sendable, Codable {
    /// A short stable identifier, e.g. `relevance`.
    public let id: String
    /// The question reviewers answer, e.g. "Relevance to the needs".
    public let title: String
    /// The weight in percent; the weights of a scorecard sum to 100.
    public let weight: Int
    /// The highest score a reviewer can give (scores run from 0 to this).
    public let maxScore: Int

    enum CodingKeys: String, CodingKey, CaseIterable {
        case id, title, weight, maxScore
    }

    /// Creates a criterion (checked as part of its ``Scorecard``).
    public init(id: String, title: String, weight: Int, maxScore: Int) {
        self.id = id
        self.title = title
        self.weight = weight
        self.maxScore = maxScore
    }
}

/// The weighted scorecard of a call, fixed before review.
///
/// Comment rule: a reviewer must comment on every criterion scored below ``commentFloorPercent`` % of its
/// maximum, i.e. when `score × 100 < commentFloorPercent × maxScore`.
public struct Scorecard: Hashable, Sendable, Codable {
    /// The criteria in display order.
    public let criteria: [Criterion]
    /// The weighted total (0…100) a proposal needs to pass.
    public let passThreshold: Int
    /// Scores below this percentage of a criterion's maximum need a comment (0 disables the rule).
    public let commentFloorPercent: Int

    /// Creates a scorecard after checking it.
    /// - Throws: the refusals of ``validate()``.
    public init(criteria: [Criterion], passThreshold: Int, commentFloorPercent: Int = Scorecard.defaultCommentFloorPercent) throws(WorkflowRejection) {
        self.criteria = criteria
        self.passThreshold = passThreshold
        self.commentFloorPercent = commentFloorPercent
        try validate()
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case criteria, passThreshold, commentFloorPercent
    }

    /// The default of ``commentFloorPercent`` when a scorecard does not give it.
    public static let defaultCommentFloorPercent = 40

    /// The keys of a scorecard file (`rrfctl call create --scorecard`): `criteria` (each `id`, `title`, `weight`,
    /// `maxScore`), `passThreshold`, optionally `commentFloorPercent`.
    public static let documentShape = DocumentShape.scalars(
        CodingKeys.allCases.map(\.stringValue), nested: ["criteria": .list(.scalars(Criterion.CodingKeys.allCases.map(\.stringValue)))]
    )

    /// Decodes a stored or typed scorecard, ``commentFloorPercent`` defaulting to 40. It is not checked here:
    /// the rules that take a scorecard call ``validate()``.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        criteria = try container.decode([Criterion].self, forKey: .criteria)
        passThreshold = try container.decode(Int.self, forKey: .passThreshold)
        commentFloorPercent = try container.decodeIfPresent(Int.self, forKey: .commentFloorPercent) ?? Self.defaultCommentFloorPercent
    }

    /// A scorecard built from values known to be valid (for the sample facts of the machine descriptions).
    init(consistentCriteria criteria: [Criterion], passThreshold: Int) {
        self.criteria = criteria
        self.passThreshold = passThreshold
        self.commentFloorPercent = Self.defaultCommentFloorPercent
    }

    /// Checks the scorecard (also after decoding it from storage).
    /// - Throws: `scorecard_empty`, `criterion_invalid`, `criterion_duplicate`, `scorecard_weights_not_100`,
    ///   `pass_threshold_invalid`, `comment_floor_invalid`, `scorecard_maxima_incompatible` (the least common
    ///   multiple of the maximum scores exceeds ``largestCommonDenominator``, which keeps totals exact and safe).
    public func validate() throws(WorkflowRejection) {
        guard !criteria.isEmpty else {
            throw WorkflowRejection(code: "scorecard_empty", message: "The scorecard has no criteria; add at least one criterion with a weight.")
        }
        for criterion in criteria {
            // A weight is at most 100 (they add up to 100), checked before adding them so the sum cannot overflow.
            guard !criterion.id.isEmpty, !criterion.title.isEmpty, (1...100).contains(criterion.weight), criterion.maxScore > 0 else {
                throw WorkflowRejection(
                    code: "criterion_invalid",
                    message: "The criterion \"\(criterion.id)\" needs an id, a title, a weight of 1 to 100 and a maximum score above 0."
                )
            }
        }
        guard Set(criteria.map(\.id)).count == criteria.count else {
            throw WorkflowRejection(code: "criterion_duplicate", message: "Two criteria share the same id; give each criterion its own id.")
        }
        let total = criteria.reduce(0) { $0 + $1.weight }
        guard total == 100 else {
            throw WorkflowRejection(code: "scorecard_weights_not_100", message: "The criteria weights add up to \(total), not 100; adjust the weights.")
        }
        guard commonDenominator != nil else {
            throw WorkflowRejection(
                code: "scorecard_maxima_incompatible",
                message: "The criteria's maximum scores have no common multiple up to \(Scorecard.largestCommonDenominator); use maxima such as 3, 4, 5 or 10."
            )
        }
        guard (0...100).contains(passThreshold) else {
            throw WorkflowRejection(code: "pass_threshold_invalid", message: "The pass threshold \(passThreshold) must be between 0 and 100.")
        }
        guard (0...100).contains(commentFloorPercent) else {
            throw WorkflowRejection(code: "comment_floor_invalid", message: "The comment floor \(commentFloorPercent) % must be between 0 and 100.")
        }
    }

    /// The largest least common multiple of the maximum scores accepted (10⁹), so that weighted totals computed
    /// over it stay far within `Int` range.
    public static let largestCommonDenominator = 1_000_000_000

    /// The least common multiple of the criteria's maximum scores, or nil when it exceeds
    /// ``largestCommonDenominator`` (or a maximum is not positive).
    var commonDenominator: Int? {
        var result = 1
        for criterion in criteria {
            guard criterion.maxScore > 0 else { return nil }
            var (a, b) = (result, criterion.maxScore)
            while b != 0 { (a, b) = (b, a % b) }
            let (product, overflow) = (result / a).multipliedReportingOverflow(by: criterion.maxScore)
            guard !overflow, product <= Scorecard.largestCommonDenominator else { return nil }
            result = product
        }
        return result
    }

    /// Whether a score on `criterion` needs a comment (see the comment rule above).
    public func needsComment(score: Int, on criterion: Criterion) -> Bool {
        score * 100 < commentFloorPercent * criterion.maxScore
    }
}

extension Scorecard {
    /// The comment per criterion of a submitted scorecard: a criterion's own comment, or else the general
    /// comment where the criterion's score needs one (below the floor).
    /// - Throws: `score_unknown_criterion` for a comment on a criterion the scorecard does not have;
    ///   `general_comment_…`/`comment_on_<criterion>_…` for one too long or holding control characters.
    public func comments(general: String?, perCriterion: [String: String], scores: [String: Int]) throws(WorkflowRejection) -> [String: String] {
        let (general, perCriterion) = try Scorecard.checkedComments(general: general, perCriterion: perCriterion)
        var comments: [String: String] = [:]
        for criterion in criteria {
            let own = perCriterion[criterion.id] ?? ""
            if !own.isEmpty {
                comments[criterion.id] = own
            } else if !general.isEmpty, let score = scores[criterion.id], needsComment(score: score, on: criterion) {
                comments[criterion.id] = general
            }
        }
        for (key, text) in perCriterion.sorted(by: { $0.key < $1.key }) where !criteria.contains(where: { $0.id == key }) && !text.isEmpty {
            throw WorkflowRejection(code: "score_unknown_criterion", message: "\"\(key)\" is not a criterion of this scorecard; comment only on its criteria.")
        }
        return comments
    }
}

extension Scorecard {
    /// A reviewer's comments as texts, before any scorecard is at hand: each at most ``TextLimit/comment``
    /// characters over lines, without control characters; blank ones as empty.
    /// - Throws: `general_comment_…`, `comment_on_<criterion>_…`.
    public static func checkedComments(general: String?, perCriterion: [String: String]) throws(WorkflowRejection) -> (String, [String: String]) {
        let general = try Validate.optionalText(general, field: "general comment", maximum: TextLimit.comment, shape: .lines)
        var checked: [String: String] = [:]
        for (criterion, text) in perCriterion.sorted(by: { $0.key < $1.key }) {
            checked[criterion] = try Validate.optionalText(text, field: "comment on \(criterion)", maximum: TextLimit.comment, shape: .lines)
        }
        return (general, checked)
    }
}
