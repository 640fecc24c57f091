import Foundation
import Hummingbird
import Postgres
import RRFStore
import RRFWorkflow

// The API's peer review operations: a reviewer's assignments, a proposal's panel (blind until the reader's own
// scores are in), scores, conflict declarations, and the committees. Every rule is the store's.

extension Portal {
    /// `GET /reviews?reference=&reviewer=&state=`: a reviewer's assignments, or the reviews staff may see.
    func apiReviews(_ call: APIRequest) async throws -> Response {
        let filter = ReviewFilter(reference: try call.query("reference"), reviewer: try call.query("reviewer"), state: try call.query("state"))
        return try await listPage(call, as: APIReview.init) { store, page in
            var filter = filter
            (filter.limit, filter.after) = (page.limit, page.after)
            return try store.reviews(filter)
        }
    }

    /// A reviewer's scores on the call's scorecard.
    struct ScoresBody: Decodable {
        /// Score per criterion id.
        let scores: [String: Int]
        /// General comments; also the comment of a low score without its own.
        let comments: String?
        /// Comment per criterion id.
        let criterionComments: [String: String]?
        /// The reviewer the secretariat enters the scores for; absent when reviewers enter their own.
        let reviewer: String?
    }

    /// `POST /reviews/{reference}/scores`.
    func apiSubmitScores(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(ScoresBody.self), reference = try call.parameter("reference")
        let input = ReviewScoresInput(scores: body.scores, comments: body.comments, criterionComments: body.criterionComments ?? [:])
        return try await respond(call, as: APIReview.init) { try $0.submitReview(reference, reviewer: body.reviewer, input, as: "") }
    }

    /// `GET /proposals/{reference}/reviews`: the current round's panel and aggregate.
    func apiProposalReviews(_ call: APIRequest) async throws -> Response {
        let reference = try call.parameter("reference")
        return try await respond(call, as: APIProposalReviews.init) { try $0.proposalReviews(reference) }
    }

    /// A reviewer's declaration of a conflict of interest with the proposal's organisation.
    struct ConflictBody: Decodable {
        let reason: String
    }

    /// `POST /reviews/{reference}/conflict`: the signed-in reviewer declares a conflict with the organisation of
    /// the proposal; their review of it stops counting.
    func apiDeclareConflict(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(ConflictBody.self), reference = try call.parameter("reference"), login = call.person.login
        return try await respond(call, status: .created, as: APIConflict.init) { store in
            try store.declareConflict(reviewer: login, organisation: try store.proposal(reference).organisation, reason: body.reason, as: "")
        }
    }

    /// The committees, by code.
    struct Committees: Encodable {
        let committees: [APICommittee]
    }

    /// `GET /committees?call=`: the committees the person may see, optionally of one call.
    func apiCommittees(_ call: APIRequest) async throws -> Response {
        let code = try call.query("call")
        return try await respond(call, as: { Committees(committees: $0.map(APICommittee.init)) }) { try $0.committees(call: code) }
    }
}
