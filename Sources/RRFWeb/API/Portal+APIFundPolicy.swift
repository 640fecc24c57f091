import Foundation
import HTTPTypes
import Hummingbird
import RRFStore
import RRFWorkflow

// The API's fund-wide configuration and checks: the tranche policy (in force, its versions, a new version), the
// ledger's verification against itself and the grants it pays, and the open-data exports (CSV per aggregate,
// HXL, IATI), the same files the portal's /exports serves.

extension Portal {
    /// A tranche policy as a request gives it.
    struct TranchePolicyBody: Decodable {
        struct PerRisk<Value: Decodable>: Decodable {
            let low: Value
            let medium: Value
            let high: Value

            var byRating: [RiskRating: Value] { [.low: low, .medium: medium, .high: high] }
        }

        /// The tranche percentages per risk rating, each list adding up to 100.
        let percentages: PerRisk<[Int]>
        /// The share of the money received reported spent before the next tranche.
        let spendThresholdPercent: Int
        /// The months an interim report covers; default low 6, medium 3, high 2.
        let interimReportMonths: PerRisk<Int>?
        /// Why it changes, for the audit log.
        let reason: String

        func policy() throws(WorkflowRejection) -> TranchePolicy {
            try TranchePolicy(
                percentages: percentages.byRating, spendThresholdPercent: spendThresholdPercent,
                interimReportMonths: interimReportMonths?.byRating ?? TranchePolicy.standardInterimReportMonths
            )
        }
    }

    /// `GET /fund/tranche-policy`: the version in force.
    func apiTranchePolicy(_ call: APIRequest) async throws -> Response {
        try await respond(call, as: APITranchePolicy.init) { try $0.tranchePolicy() }
    }

    /// `PUT /fund/tranche-policy` (admin or fund manager): a new version; signed grants keep theirs.
    func apiChangeTranchePolicy(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(TranchePolicyBody.self), policy = try body.policy(), reason = body.reason
        return try await respond(call, as: APITranchePolicy.init) { try $0.changeTranchePolicy(policy, reason: reason, as: "") }
    }

    /// `GET /fund/tranche-policy/versions`: every version, newest first.
    func apiTranchePolicyVersions(_ call: APIRequest) async throws -> Response {
        try await wholeListPage(call, as: APITranchePolicy.init) { try $0.tranchePolicyHistory() }
    }

    /// `GET /ledger/verification` (finance staff): what breaks the ledger's invariants, if anything; it reads
    /// every movement.
    func apiVerifyLedger(_ call: APIRequest) async throws -> Response {
        try await respond(call, as: APILedgerVerification.init) { try $0.verifyLedger() }
    }

    /// `GET /exports/{file}`: `<aggregate>.csv`, `hxl.csv` or `iati.xml` as a download, as the portal serves it.
    func apiExport(_ call: APIRequest) async throws -> Response {
        try await download(try call.parameter("file"), store: call.store)
    }
}
