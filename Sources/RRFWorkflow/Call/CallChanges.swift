import Foundation

/// The fields of a draft call to change; `nil` keeps the current value (`rrfctl call edit`).
public struct CallChanges: Hashable, Sendable {
    /// A new title.
    public var title: String?
    /// A new kind.
    public var kind: CallKind?
    /// A new currency (every amount must then be in it).
    public var currency: Currency?
    /// New envelopes, replacing all of them (clusters not named are removed).
    public var envelopes: [Cluster: Money]?
    /// A new per-proposal ceiling.
    public var perProposalCeiling: Money?
    /// A new submission deadline.
    public var submissionDeadline: Date?
    /// A new review deadline.
    public var reviewDeadline: Date?
    /// A new decision SLA.
    public var decisionSLA: DecisionSLA?
    /// A new scorecard.
    public var scorecard: Scorecard?
    /// A new review quorum.
    public var quorum: Int?
    /// A new divergence spread.
    public var divergenceSpread: Int?

    /// Creates a set of changes; every field left out keeps its value.
    public init(
        title: String? = nil, kind: CallKind? = nil, currency: Currency? = nil, envelopes: [Cluster: Money]? = nil,
        perProposalCeiling: Money? = nil, submissionDeadline: Date? = nil, reviewDeadline: Date? = nil,
        decisionSLA: DecisionSLA? = nil, scorecard: Scorecard? = nil, quorum: Int? = nil, divergenceSpread: Int? = nil
    ) {
        (self.title, self.kind, self.currency, self.envelopes, self.perProposalCeiling) = (title, kind, currency, envelopes, perProposalCeiling)
        (self.submissionDeadline, self.reviewDeadline, self.decisionSLA) = (submissionDeadline, reviewDeadline, decisionSLA)
        (self.scorecard, self.quorum, self.divergenceSpread) = (scorecard, quorum, divergenceSpread)
    }

    /// Whether no field is changed.
    public var isEmpty: Bool { self == CallChanges() }

    /// `configuration` (of the call `code`) with these changes; check the result with
    /// ``CallMachine/configure(_:at:calendar:by:)``.
    /// - Throws: `call_changes_missing` when nothing would change.
    public func applied(to configuration: CallConfiguration, of code: String) throws(WorkflowRejection) -> CallConfiguration {
        guard !isEmpty else {
            throw WorkflowRejection(
                code: "call_changes_missing", message: "Nothing to change in \(code); give at least one field, e.g. --title or --submission-deadline."
            )
        }
        var result = configuration
        if let title { result.title = title }
        if let kind { result.kind = kind }
        if let currency { result.currency = currency }
        if let envelopes { result.envelopes = envelopes }
        if let perProposalCeiling { result.perProposalCeiling = perProposalCeiling }
        if let submissionDeadline { result.submissionDeadline = submissionDeadline }
        if let reviewDeadline { result.reviewDeadline = reviewDeadline }
        if let decisionSLA { result.decisionSLA = decisionSLA }
        if let scorecard { result.scorecard = scorecard }
        if let quorum { result.quorum = quorum }
        if let divergenceSpread { result.divergenceSpread = divergenceSpread }
        return result
    }
}
