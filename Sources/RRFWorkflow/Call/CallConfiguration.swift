import Foundation

/// A standard call runs for weeks; a reserve (rapid) call goes from submission to decision in 72 business hours.
public enum CallKind: String, Hashable, Sendable, Codable, CaseIterable {
    /// A standard allocation.
    case standard
    /// A reserve (rapid response) allocation.
    case reserve
}

/// How long the fund manager has to decide, counted with the fund's ``BusinessCalendar``.
public enum DecisionSLA: Hashable, Sendable, Codable {
    /// A number of business hours (72 for reserve calls).
    case businessHours(Int)
    /// A number of business days; the deadline is the close of the last business day.
    case businessDays(Int)

    /// The reserve call's service level: a decision within 72 business hours of submission.
    public static let reserveCall = DecisionSLA.businessHours(72)

    private enum CodingKeys: String, CodingKey { case unit, amount }

    /// `{"unit": "business_days", "amount": 10}`, the shape `--json` and the API document.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .businessHours(let hours):
            try container.encode("business_hours", forKey: .unit)
            try container.encode(hours, forKey: .amount)
        case .businessDays(let days):
            try container.encode("business_days", forKey: .unit)
            try container.encode(days, forKey: .amount)
        }
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let amount = try container.decode(Int.self, forKey: .amount)
        switch try container.decode(String.self, forKey: .unit) {
        case "business_hours": self = .businessHours(amount)
        case "business_days": self = .businessDays(amount)
        case let unit:
            throw DecodingError.dataCorruptedError(forKey: .unit, in: container, debugDescription: "unit \(unit) is neither business_hours nor business_days")
        }
    }

    /// The longest service level a call may set, about a working year: 2,000 business hours or 250 business days.
    public static let maximumBusinessHours = 2_000, maximumBusinessDays = 250

    /// Whether the amount is positive and at most ``maximumBusinessHours`` or ``maximumBusinessDays`` (beyond them
    /// a deadline would be years away, and counting to it would take as long as the number is large).
    var isWithinLimits: Bool {
        switch self {
        case .businessHours(let hours): (1...Self.maximumBusinessHours).contains(hours)
        case .businessDays(let days): (1...Self.maximumBusinessDays).contains(days)
        }
    }

    /// The decision deadline for a proposal whose clock starts at `start`.
    public func deadline(from start: Date, calendar: BusinessCalendar) -> Date {
        switch self {
        case .businessHours(let hours):
            return calendar.addingBusinessHours(hours, to: start)
        case .businessDays(let days):
            let lastDay = calendar.addingBusinessDays(days, to: LocalDate(start, utcOffsetMinutes: calendar.utcOffsetMinutes))
            return lastDay.start(utcOffsetMinutes: calendar.utcOffsetMinutes).addingTimeInterval(Double(calendar.workdayEndMinute * 60))
        }
    }
}

/// Everything that defines a call (allocation); checked when the call opens.
public struct CallConfiguration: Hashable, Sendable, Codable {
    /// The call's title.
    public var title: String
    /// Standard or reserve.
    public var kind: CallKind
    /// The currency of every amount in the call.
    public var currency: Currency
    /// The budget envelope of each funded cluster.
    public var envelopes: [Cluster: Money]
    /// The most a single proposal may request.
    public var perProposalCeiling: Money
    /// Proposals must be submitted before this instant.
    public var submissionDeadline: Date
    /// Reviews are due by this instant.
    public var reviewDeadline: Date
    /// The time the fund manager has to decide.
    public var decisionSLA: DecisionSLA
    /// The peer review scorecard.
    public var scorecard: Scorecard
    /// How many submitted reviews make a committee quorum (default 3).
    public var quorum: Int
    /// Reviews are flagged divergent when their totals spread more than this many points (0…100).
    public var divergenceSpread: Int

    /// Creates a configuration (checked by ``validate(at:calendar:)`` when the call opens).
    public init(
        title: String, kind: CallKind, currency: Currency, envelopes: [Cluster: Money], perProposalCeiling: Money,
        submissionDeadline: Date, reviewDeadline: Date, decisionSLA: DecisionSLA, scorecard: Scorecard,
        quorum: Int = 3, divergenceSpread: Int = 25
    ) {
        self.title = title
        self.kind = kind
        self.currency = currency
        self.envelopes = envelopes
        self.perProposalCeiling = perProposalCeiling
        self.submissionDeadline = submissionDeadline
        self.reviewDeadline = reviewDeadline
        self.decisionSLA = decisionSLA
        self.scorecard = scorecard
        self.quorum = quorum
        self.divergenceSpread = divergenceSpread
    }

    /// The call's decision deadline: the decision SLA counted from the submission deadline, when the last
    /// proposal submitted in time must be decided.
    public func decisionDeadline(calendar: BusinessCalendar) -> Date {
        decisionSLA.deadline(from: submissionDeadline, calendar: calendar)
    }

    /// Checks that the call can open at `now`; deadlines are judged on the fund's working `calendar`.
    /// - Throws: `call_title_missing`, `envelopes_missing`, `envelope_currency_mismatch`, `envelope_not_positive`,
    ///   `ceiling_currency_mismatch`, `ceiling_not_positive`, `submission_deadline_in_past`, `deadlines_out_of_order`,
    ///   `decision_sla_invalid`, `review_after_decision_deadline`, `quorum_invalid`, `divergence_spread_invalid`,
    ///   or a scorecard refusal.
    public func validate(at now: Date, calendar: BusinessCalendar) throws(WorkflowRejection) {
        _ = try requireText(title, code: "call_title_missing", "The call has no title; give it a title.", field: "call title", maximum: TextLimit.line, shape: .line)
        guard !envelopes.isEmpty else {
            throw invalid("envelopes_missing", "The call funds no cluster; add an envelope for at least one cluster.")
        }
        for (cluster, envelope) in envelopes.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
            guard envelope.currency == currency else {
                throw invalid("envelope_currency_mismatch", "The \(cluster.displayName) envelope is in \(envelope.currency.code) but the call is in \(currency.code); use \(currency.code).")
            }
            guard envelope.isPositive else {
                throw invalid("envelope_not_positive", "The \(cluster.displayName) envelope is \(envelope); give it an amount above zero or remove it.")
            }
        }
        guard perProposalCeiling.currency == currency else {
            throw invalid("ceiling_currency_mismatch", "The per-proposal ceiling is in \(perProposalCeiling.currency.code) but the call is in \(currency.code); use \(currency.code).")
        }
        guard perProposalCeiling.isPositive else {
            throw invalid("ceiling_not_positive", "The per-proposal ceiling must be above zero.")
        }
        guard submissionDeadline > now else {
            throw invalid("submission_deadline_in_past", "The submission deadline has already passed; set a deadline in the future.")
        }
        guard reviewDeadline > submissionDeadline else {
            throw invalid("deadlines_out_of_order", "The review deadline must come after the submission deadline; move it later.")
        }
        guard decisionSLA.isWithinLimits else {
            throw invalid(
                "decision_sla_invalid",
                "The decision SLA must be 1 to \(DecisionSLA.maximumBusinessHours) business hours or 1 to \(DecisionSLA.maximumBusinessDays) business days."
            )
        }
        let decisionDeadline = decisionDeadline(calendar: calendar)
        guard reviewDeadline <= decisionDeadline else {
            throw invalid(
                "review_after_decision_deadline",
                "The review deadline comes after the decision deadline (the decision SLA counted from the submission deadline, \(decisionDeadline.formatted(.iso8601))); move the review deadline earlier or lengthen the SLA."
            )
        }
        guard quorum >= 1 else {
            throw invalid("quorum_invalid", "The review quorum must be at least 1 reviewer.")
        }
        guard (0...100).contains(divergenceSpread) else {
            throw invalid("divergence_spread_invalid", "The divergence spread must be between 0 and 100 points.")
        }
        try scorecard.validate()
    }

    private func invalid(_ code: String, _ message: String) -> WorkflowRejection {
        WorkflowRejection(code: code, message: message)
    }
}
