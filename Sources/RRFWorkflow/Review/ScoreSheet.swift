import Foundation

/// A reviewer's submitted scorecard: a score per criterion and comments.
public struct ScoreSheet: Hashable, Sendable, Codable {
    /// The reviewer.
    public let reviewerID: UserID
    /// Score per criterion id (0…the criterion's maximum).
    public let scores: [String: Int]
    /// Comment per criterion id (required for scores below the comment floor).
    public let comments: [String: String]
    /// When the sheet was submitted.
    public let submittedAt: Date

    /// Creates a score sheet (checked by ``validate(against:)``).
    public init(reviewerID: UserID, scores: [String: Int], comments: [String: String], submittedAt: Date) {
        self.reviewerID = reviewerID
        self.scores = scores
        self.comments = comments
        self.submittedAt = submittedAt
    }

    /// Checks the sheet against the call's scorecard.
    /// - Throws: `score_unknown_criterion`, `score_missing`, `score_out_of_range`, `comment_required`.
    public func validate(against scorecard: Scorecard) throws(WorkflowRejection) {
        let known = Set(scorecard.criteria.map(\.id))
        if let unknown = scores.keys.sorted().first(where: { !known.contains($0) }) {
            throw WorkflowRejection(code: "score_unknown_criterion", message: "\"\(unknown)\" is not a criterion of this scorecard; score only its criteria.")
        }
        for criterion in scorecard.criteria {
            guard let score = scores[criterion.id] else {
                throw WorkflowRejection(code: "score_missing", message: "\"\(criterion.title)\" has no score; score every criterion.")
            }
            guard (0...criterion.maxScore).contains(score) else {
                throw WorkflowRejection(
                    code: "score_out_of_range",
                    message: "\(score) is not a valid score for \"\(criterion.title)\"; give a score from 0 to \(criterion.maxScore)."
                )
            }
            let comment = comments[criterion.id]?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
            guard !scorecard.needsComment(score: score, on: criterion) || !comment.isEmpty else {
                throw WorkflowRejection(
                    code: "comment_required",
                    message: "A score of \(score) on \"\(criterion.title)\" is low; explain it in a comment."
                )
            }
        }
    }
}
