import Foundation

/// The fund manager's decision on a scored proposal, with who made it and when.
public struct ProposalDecision: Hashable, Sendable, Codable {
    /// What was decided.
    public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
        /// Approved (possibly for less than requested).
        case approve
        /// Rejected.
        case reject
        /// Sent back for revision.
        case requestRevision = "request_revision"
    }

    /// What was decided.
    public let kind: Kind
    /// The approved amount (only for approvals).
    public let amount: Money?
    /// The written justification (the reason, for a revision request).
    public let justification: String
    /// The review round decided on.
    public let round: Int
    /// Who decided.
    public let decidedBy: UserID
    /// The decider's name as shown at the time.
    public let decidedByName: String
    /// When the decision was made.
    public let decidedAt: Date

    /// Creates a decision record.
    public init(kind: Kind, amount: Money?, justification: String, round: Int, decidedBy: UserID, decidedByName: String, decidedAt: Date) {
        self.kind = kind
        self.amount = amount
        self.justification = justification
        self.round = round
        self.decidedBy = decidedBy
        self.decidedByName = decidedByName
        self.decidedAt = decidedAt
    }
}
