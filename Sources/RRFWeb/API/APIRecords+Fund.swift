import Foundation
import RRFStore
import RRFWorkflow

/// A proposal draft: possibly incomplete, its amounts as typed (checked when it is submitted).
struct APIProposalDraft: Encodable {
    struct Line: Encodable {
        let description: String
        /// As typed, e.g. `1500 USD`.
        let amount: String
    }

    let id: String
    let organisation: String
    let call: String
    let cluster: String
    let title: String
    let summary: String?
    let locations: [String]
    let beneficiaries: Int
    /// As typed, e.g. `1500 USD`.
    let requested: String
    let durationMonths: Int
    let budgetLines: [Line]
    let updatedAt: Date
    let version: Int

    init(_ record: ProposalDraftRecord) {
        let content = record.content
        id = record.id.uuidString.lowercased()
        organisation = record.organisation
        call = record.call
        cluster = content.cluster
        title = content.title
        summary = content.summary
        locations = content.locations
        beneficiaries = content.beneficiaries
        requested = content.requested
        durationMonths = content.durationMonths
        budgetLines = content.budgetLines.map { Line(description: $0.description, amount: $0.amount) }
        updatedAt = record.updatedAt
        version = record.version
    }
}

/// A version of the fund's tranche policy.
struct APITranchePolicy: Encodable {
    struct PerRisk<Value: Encodable>: Encodable {
        let low: Value?
        let medium: Value?
        let high: Value?

        init(_ values: [RiskRating: Value]) {
            (low, medium, high) = (values[.low], values[.medium], values[.high])
        }
    }

    let version: Int
    let percentages: PerRisk<[Int]>
    let spendThresholdPercent: Int
    let interimReportMonths: PerRisk<Int>
    let reason: String
    let changedBy: String?
    let changedAt: Date

    init(_ stored: TranchePolicyVersion) {
        version = stored.version
        percentages = PerRisk(stored.policy.percentages)
        spendThresholdPercent = stored.policy.spendThresholdPercent
        interimReportMonths = PerRisk(stored.policy.interimReportMonths)
        reason = stored.reason
        changedBy = stored.changedBy
        changedAt = stored.changedAt
    }
}

/// The ledger's verification: balanced when nothing breaks its invariants.
struct APILedgerVerification: Encodable {
    struct Violation: Encodable {
        let code: String
        let message: String
    }

    let balanced: Bool
    let violations: [Violation]

    init(_ violations: [LedgerViolation]) {
        balanced = violations.isEmpty
        self.violations = violations.map { Violation(code: $0.code, message: $0.message) }
    }
}
