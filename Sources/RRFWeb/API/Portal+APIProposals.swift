import Foundation
import Hummingbird
import Postgres
import RRFStore
import RRFWorkflow

// The API's proposal operations: submission, withdrawal, screening and the decision (which may commit money,
// so it carries an Idempotency-Key). Every rule is the store's.

extension Portal {
    /// `GET /proposals?state=&call=&cluster=&organisation=`: the proposals the person may see, by reference.
    func apiProposals(_ call: APIRequest) async throws -> Response {
        let filter = ProposalFilter(
            state: try call.query("state"), call: try call.query("call"), cluster: try call.cluster("cluster"), organisation: try call.query("organisation")
        )
        return try await listPage(call, as: APIProposal.init) { store, page in
            var filter = filter
            (filter.limit, filter.after) = (page.limit, page.after)
            return try store.proposals(filter)
        }
    }

    /// `GET /proposals/{reference}`.
    func apiProposal(_ call: APIRequest) async throws -> Response {
        let reference = try call.parameter("reference")
        return try await respond(call, as: APIProposal.init) { try $0.proposal(reference) }
    }

    /// A proposal as an NGO user submits it (`POST /proposals`).
    struct SubmissionBody: Decodable {
        struct Line: Decodable {
            let description: String
            let amount: APIMoneyInput
        }

        let organisation: String
        let call: String
        let cluster: String
        let title: String
        let summary: String?
        let locations: [String]
        let beneficiaries: Int
        let requested: APIMoneyInput
        let durationMonths: Int
        let budgetLines: [Line]

        /// The store's submission; amounts as its text form, parsed (and refused) by the store.
        var submission: ProposalSubmission {
            ProposalSubmission(
                organisation: organisation, call: call, cluster: cluster, title: title, summary: summary, locations: locations,
                beneficiaries: beneficiaries, requested: requested.text, durationMonths: durationMonths,
                budgetLines: budgetLines.map { ProposalSubmission.Line(description: $0.description, amount: $0.amount.text) }
            )
        }
    }

    /// `POST /proposals`: submits a proposal (201, with its location).
    func apiSubmitProposal(_ call: APIRequest) async throws -> Response {
        let submission = try await call.body(SubmissionBody.self).submission, store = call.store
        let proposal = try await runner.run { try store.submitProposal(submission, as: "") }
        return try APIJSON.response(APIProposal(proposal), status: .created, headers: [.location: "\(Self.apiBase)/proposals/\(proposal.reference)"])
    }

    /// Withdrawal of a proposal before its decision.
    struct WithdrawalBody: Decodable {
        let reason: String
        /// The version the client saw; a newer one is refused (409).
        let version: Int?
    }

    /// `POST /proposals/{reference}/withdraw`.
    func apiWithdraw(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(WithdrawalBody.self), reference = try call.parameter("reference")
        return try await respond(call, as: APIProposal.init) { try $0.withdrawProposal(reference, reason: body.reason, expectedVersion: body.version, as: "") }
    }

    /// The secretariat's screening: pass, or fail with a reason.
    struct ScreeningBody: Decodable {
        let passed: Bool
        let reason: String?
        let version: Int?
    }

    /// `POST /proposals/{reference}/screening`.
    func apiScreen(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(ScreeningBody.self), reference = try call.parameter("reference")
        return try await respond(call, as: APIProposal.init) {
            try $0.screenProposal(reference, passed: body.passed, reason: body.reason, expectedVersion: body.version, as: "")
        }
    }

    /// The fund manager's decision: approve (for at most the requested amount), reject, or request a revision.
    struct DecisionBody: Decodable {
        /// approve | reject | request_revision
        let decision: String
        /// The approved amount (approvals only).
        let amount: APIMoneyInput?
        /// The justification (for a revision request, its reason).
        let justification: String
        let version: Int?

        /// The store's decision input.
        /// - Throws: `decision_unknown` or `body_invalid` (an approval without an amount), both 400.
        func input() throws -> ProposalDecisionInput {
            switch decision {
            case "approve":
                guard let amount else {
                    throw APIProblem(.badRequest, code: "body_invalid", detail: "An approval needs the member amount: the amount approved.", field: "amount")
                }
                return .approve(amount: try amount.money(), justification: justification)
            case "reject": return .reject(justification: justification)
            case "request_revision": return .requestRevision(reason: justification)
            default:
                throw APIProblem(
                    .badRequest, code: "decision_unknown", detail: "\"\(decision)\" is not a decision; use approve, reject or request_revision.", field: "decision"
                )
            }
        }
    }

    /// `POST /proposals/{reference}/decision` (Idempotency-Key required: an approval commits money). A retried
    /// decision never commits twice: the proposal's machine refuses to decide a decided proposal.
    func apiDecide(_ call: APIRequest) async throws -> Response {
        _ = try call.idempotencyKey()
        let body = try await call.body(DecisionBody.self), decision = try body.input(), reference = try call.parameter("reference")
        return try await respond(call, as: APIProposal.init) { try $0.decideProposal(reference, decision, expectedVersion: body.version, as: "") }
    }
}
