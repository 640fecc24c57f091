import Foundation
import HTTPTypes
import Hummingbird
import RRFStore
import RRFWorkflow

// The API's proposal drafts (an NGO user's unfinished proposals: saved possibly incomplete, checked in full when
// submitted) and the resubmission of a proposal sent back for revision, as a new review round.

extension Portal {
    /// A draft as an NGO user saves it: only the organisation and the call are needed; amounts are checked at submission.
    struct DraftBody: Decodable {
        struct Line: Decodable {
            let description: String?
            let amount: APIMoneyInput?
        }

        let organisation: String
        let call: String
        let cluster: String?
        let title: String?
        let summary: String?
        let locations: [String]?
        let beneficiaries: Int?
        let requested: APIMoneyInput?
        let durationMonths: Int?
        let budgetLines: [Line]?
        /// When saving over a draft: the version seen.
        let version: Int?

        /// The draft's content, with what is missing empty.
        var submission: ProposalSubmission {
            ProposalSubmission(
                organisation: organisation, call: call, cluster: cluster ?? "", title: title ?? "", summary: summary, locations: locations ?? [],
                beneficiaries: beneficiaries ?? 0, requested: requested?.text ?? "", durationMonths: durationMonths ?? 0,
                budgetLines: (budgetLines ?? []).map { ProposalSubmission.Line(description: $0.description ?? "", amount: $0.amount?.text ?? "") }
            )
        }
    }

    /// `GET /proposal-drafts`: the drafts of the person's organisation, newest first.
    func apiDrafts(_ call: APIRequest) async throws -> Response {
        try await wholeListPage(call, as: APIProposalDraft.init) { try $0.proposalDrafts() }
    }

    /// `GET /proposal-drafts/{id}`.
    func apiDraft(_ call: APIRequest) async throws -> Response {
        let id = try call.uuid("id")
        return try await respond(call, as: APIProposalDraft.init) { try $0.proposalDraft(id) }
    }

    /// `POST /proposal-drafts` (an NGO user of the organisation): 201 with the draft's location.
    func apiSaveNewDraft(_ call: APIRequest) async throws -> Response {
        let submission = try await call.body(DraftBody.self).submission, store = call.store
        let draft = try await runner.run { try store.saveProposalDraft(nil, submission, as: "") }
        return try APIJSON.response(
            APIProposalDraft(draft), status: .created, headers: [.location: "\(Self.apiBase)/proposal-drafts/\(draft.id.uuidString.lowercased())"]
        )
    }

    /// `PUT /proposal-drafts/{id}`: saves over a draft.
    func apiSaveDraft(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(DraftBody.self), id = try call.uuid("id"), submission = body.submission
        return try await respond(call, as: APIProposalDraft.init) { try $0.saveProposalDraft(id, submission, expectedVersion: body.version, as: "") }
    }

    /// `DELETE /proposal-drafts/{id}`: discards a draft; 204.
    func apiDiscardDraft(_ call: APIRequest) async throws -> Response {
        let id = try call.uuid("id"), store = call.store
        try await runner.run { try store.discardProposalDraft(id, as: "") }
        return Response(status: .noContent)
    }

    /// `POST /proposal-drafts/{id}/submission`: the draft becomes a proposal, checked as any submission; 201 with
    /// the proposal's location.
    func apiSubmitDraft(_ call: APIRequest) async throws -> Response {
        let id = try call.uuid("id"), store = call.store
        let proposal = try await runner.run { try store.submitProposalDraft(id, as: "") }
        return try APIJSON.response(APIProposal(proposal), status: .created, headers: [.location: "\(Self.apiBase)/proposals/\(proposal.reference)"])
    }

    /// A resubmission after a revision request: the revised proposal, or nothing to resubmit it unchanged.
    struct ResubmissionBody: Decodable {
        let revised: SubmissionBody?
        let version: Int?
    }

    /// `POST /proposals/{reference}/resubmission` (a user of the organisation): a new review round.
    func apiResubmit(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(ResubmissionBody.self), reference = try call.parameter("reference"), revised = body.revised?.submission
        return try await respond(call, as: APIProposal.init) { try $0.resubmitProposal(reference, revised: revised, expectedVersion: body.version, as: "") }
    }
}
