/// The partner's risk rating from the capacity assessment; it decides the number of tranches.
public enum RiskRating: String, Hashable, Sendable, Codable, CodingKeyRepresentable, CaseIterable {
    /// Low risk.
    case low
    /// Medium risk.
    case medium
    /// High risk.
    case high
}

/// The result of a due diligence and capacity assessment.
public struct Assessment: Hashable, Sendable, Codable {
    /// The risk rating.
    public let risk: RiskRating
    /// The day the assessment was made.
    public let assessedOn: LocalDate
    /// The last day on which the due diligence is valid.
    public let dueDiligenceExpiry: LocalDate

    /// Creates an assessment.
    public init(risk: RiskRating, assessedOn: LocalDate, dueDiligenceExpiry: LocalDate) {
        self.risk = risk
        self.assessedOn = assessedOn
        self.dueDiligenceExpiry = dueDiligenceExpiry
    }

    /// Whether the due diligence is still valid on `date` (valid through the expiry date itself).
    public func isValid(on date: LocalDate) -> Bool { date <= dueDiligenceExpiry }
}
