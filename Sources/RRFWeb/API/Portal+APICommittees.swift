import Foundation
import HTTPTypes
import Hummingbird
import RRFStore
import RRFWorkflow

// The API's set-up of peer review: committees and their members, declared conflicts of interest, and the
// assignment of reviewers to a proposal (by name or automatically up to the quorum), recusal, reassignment and
// aggregation. Every rule is the store's.

extension Portal {
    /// A new committee (`POST /committees`): for a call's cluster, or a standing one of the cluster without `call`.
    struct CommitteeBody: Decodable {
        let code: String
        let call: String?
        let cluster: String
        /// A reviewer's login; they become a member.
        let chair: String?
        /// Default: the call's quorum.
        let quorum: Int?
        /// Default: the call's review deadline.
        let reviewDeadline: String?
    }

    /// `POST /committees` (secretariat); 201 with its location.
    func apiCreateCommittee(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(CommitteeBody.self), cluster = try Cluster(code: body.cluster)
        let deadline = try body.reviewDeadline.map { (text) throws(APIProblem) in try APIInput.instant(text, field: "reviewDeadline") }
        let store = call.store
        let committee = try await runner.run {
            try store.createCommittee(code: body.code, call: body.call, cluster: cluster, chair: body.chair, quorum: body.quorum, reviewDeadline: deadline, as: "")
        }
        return try APIJSON.response(APICommittee(committee), status: .created, headers: [.location: "\(Self.apiBase)/committees/\(committee.code)"])
    }

    /// `GET /committees/{code}`: a committee with its members' open assignments.
    func apiCommittee(_ call: APIRequest) async throws -> Response {
        let code = try call.parameter("code")
        return try await respond(call, as: APICommittee.init) { try $0.committee(code) }
    }

    /// A reviewer joining a committee.
    struct MemberBody: Decodable {
        let member: String
        /// Makes them the committee's chair.
        let chair: Bool?
    }

    /// `POST /committees/{code}/members` (secretariat): the committee with its new member.
    func apiAddCommitteeMember(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(MemberBody.self), code = try call.parameter("code")
        return try await respond(call, as: APICommittee.init) { try $0.addCommitteeMember(code, member: body.member, chair: body.chair ?? false, as: "") }
    }

    /// `GET /conflicts?reviewer=`: declared conflicts of interest (staff all, anyone else their own).
    func apiConflicts(_ call: APIRequest) async throws -> Response {
        let reviewer = try call.query("reviewer")
        return try await wholeListPage(call, as: APIConflict.init) { try $0.conflicts(reviewer: reviewer) }
    }

    /// A conflict of interest declared for a reviewer (the reviewer, or the secretariat for them).
    struct ConflictDeclarationBody: Decodable {
        let reviewer: String
        let organisation: String
        let reason: String
        /// Default: today.
        let declaredOn: String?
    }

    /// `POST /conflicts`: 201 with the declaration.
    func apiRecordConflict(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(ConflictDeclarationBody.self)
        let day = try body.declaredOn.map { (text) throws(APIProblem) in try APIInput.date(text, field: "declaredOn") }
        return try await respond(call, status: .created, as: APIConflict.init) {
            try $0.declareConflict(reviewer: body.reviewer, organisation: body.organisation, reason: body.reason, declaredOn: day, as: "")
        }
    }

    /// Reviews, in the order the store answered them.
    struct Reviews: Encodable {
        let reviews: [APIReview]
    }

    /// Who reviews a proposal: one named reviewer, or committee members chosen automatically up to the quorum.
    struct AssignmentBody: Decodable {
        let reviewer: String?
        let auto: Bool?
    }

    /// `POST /reviews/{reference}/assignments` (secretariat): the reviews created.
    func apiAssignReviewers(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(AssignmentBody.self), reference = try call.parameter("reference")
        switch (body.reviewer, body.auto ?? false) {
        case (let reviewer?, false):
            return try await respond(call, as: { Reviews(reviews: [APIReview($0)]) }) { try $0.assignReviewer(reference, reviewer: reviewer, as: "") }
        case (nil, true):
            return try await respond(call, as: { Reviews(reviews: $0.map(APIReview.init)) }) { try $0.assignReviewersAutomatically(reference, as: "") }
        default:
            throw APIProblem(
                .badRequest, code: "body_invalid", detail: "Name the reviewer to assign, or send auto: true to assign committee members up to the quorum; not both.",
                field: "reviewer"
            )
        }
    }

    /// A reviewer stepping aside.
    struct RecusalBody: Decodable {
        let reason: String
        /// The reviewer the secretariat recuses; absent for the signed-in reviewer.
        let reviewer: String?
    }

    /// `POST /reviews/{reference}/recusal`.
    func apiRecuse(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(RecusalBody.self), reference = try call.parameter("reference")
        return try await respond(call, as: APIReview.init) { try $0.recuseReview(reference, reviewer: body.reviewer, reason: body.reason, as: "") }
    }

    /// A review handed over from one member to another.
    struct ReassignmentBody: Decodable {
        let from: String
        let to: String
        let reason: String
    }

    /// `POST /reviews/{reference}/reassignment` (the committee's chair or the secretariat): the new reviewer's review.
    func apiReassign(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(ReassignmentBody.self), reference = try call.parameter("reference")
        return try await respond(call, as: APIReview.init) { try $0.reassignReview(reference, from: body.from, to: body.to, reason: body.reason, as: "") }
    }

    /// The aggregate of a proposal's current round; absent while its panel is incomplete.
    struct AggregateResult: Encodable {
        let aggregate: APIReviewAggregate?
    }

    /// `POST /reviews/{reference}/aggregate` (secretariat): aggregates the reviews and marks the proposal scored
    /// when its panel is complete.
    func apiAggregate(_ call: APIRequest) async throws -> Response {
        let reference = try call.parameter("reference")
        return try await respond(call, as: { AggregateResult(aggregate: $0.map(APIReviewAggregate.init)) }) { try $0.aggregateReviews(reference, as: "") }
    }
}
