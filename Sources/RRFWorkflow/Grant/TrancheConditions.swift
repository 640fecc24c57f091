/// The spending reported for the tranche before this one.
public struct PreviousTrancheReport: Hashable, Sendable, Codable {
    /// Whether its financial report has been accepted.
    public let reportAccepted: Bool
    /// Money received by the organisation so far (all released tranches).
    public let received: Money
    /// Money reported spent so far.
    public let spent: Money

    /// Creates the facts.
    public init(reportAccepted: Bool, received: Money, spent: Money) {
        self.reportAccepted = reportAccepted
        self.received = received
        self.spent = spent
    }
}

/// A condition of a tranche that is not met, with a sentence for people.
public struct UnmetCondition: Hashable, Sendable, Codable {
    /// A stable code: `agreement_not_signed`, `previous_report_not_accepted`, `spending_below_threshold`,
    /// `currency_mismatch` or `training_missing`.
    public let code: String
    /// What is missing, in a sentence.
    public let sentence: String
}

/// The conditions a tranche needs before it is ready for approval, evaluated from facts.
///
/// 1. The grant agreement is signed.
/// 2. For every tranche after the first: the previous financial report is accepted and the money spent is at
///    least the policy's threshold (default 70 %) of the money received, compared exactly
///    (`spent × 100 ≥ received × threshold`).
/// 3. Every required training is held (see ``TrainingRequirement``).
public struct TrancheConditions: Hashable, Sendable, Codable {
    /// Whether the grant agreement is signed.
    public let agreementSigned: Bool
    /// The previous tranche's report, or nil for the first tranche.
    public let previous: PreviousTrancheReport?
    /// The unmet training requirements.
    public let trainingShortfalls: [TrainingShortfall]

    /// Gathers the facts.
    public init(agreementSigned: Bool, previous: PreviousTrancheReport?, trainingShortfalls: [TrainingShortfall]) {
        self.agreementSigned = agreementSigned
        self.previous = previous
        self.trainingShortfalls = trainingShortfalls
    }

    /// The unmet conditions (empty when the tranche can become ready).
    public func unmet(spendThresholdPercent: Int) -> [UnmetCondition] {
        var unmet: [UnmetCondition] = []
        if !agreementSigned {
            unmet.append(UnmetCondition(code: "agreement_not_signed", sentence: "The grant agreement has not been signed."))
        }
        if let previous {
            if !previous.reportAccepted {
                unmet.append(UnmetCondition(code: "previous_report_not_accepted", sentence: "The financial report for the previous tranche has not been accepted."))
            }
            if previous.spent.currency != previous.received.currency {
                unmet.append(UnmetCondition(code: "currency_mismatch", sentence: "The reported spending is in \(previous.spent.currency.code), not in the grant's \(previous.received.currency.code)."))
            } else if !TrancheConditions.isAtLeast(previous.spent, percent: spendThresholdPercent, of: previous.received) {
                unmet.append(UnmetCondition(
                    code: "spending_below_threshold",
                    sentence: "Only \(previous.spent.grouped) of the \(previous.received.grouped) received has been reported spent; at least \(spendThresholdPercent) % is needed."
                ))
            }
        }
        for shortfall in trainingShortfalls {
            unmet.append(UnmetCondition(code: "training_missing", sentence: shortfall.description))
        }
        return unmet
    }

    /// Whether `part × 100 ≥ whole × percent`, exactly (full-width products, no overflow).
    static func isAtLeast(_ part: Money, percent: Int, of whole: Money) -> Bool {
        let left = part.minorUnits.multipliedFullWidth(by: 100)
        let right = whole.minorUnits.multipliedFullWidth(by: Int64(percent))
        return (left.high, left.low) >= (right.high, right.low)
    }
}
