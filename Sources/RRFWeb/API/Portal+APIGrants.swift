import Foundation
import Hummingbird
import Postgres
import RRFStore
import RRFWorkflow

// The API's grant operations: signing the agreement, the tranches, their approval and their release (which
// pays, so it carries an Idempotency-Key that the store records: the same key and request pay once).

extension Portal {
    /// `GET /grants?state=`.
    func apiGrants(_ call: APIRequest) async throws -> Response {
        let state = try call.query("state")
        return try await listPage(call, as: APIGrant.init) { store, page in try store.grants(state: state, limit: page.limit, after: page.after) }
    }

    /// `GET /grants/{reference}`.
    func apiGrant(_ call: APIRequest) async throws -> Response {
        let reference = try call.parameter("reference")
        return try await respond(call, as: APIGrant.init) { try $0.grant(reference) }
    }

    /// The signature of a grant agreement.
    struct SignatureBody: Decodable {
        /// Who signed for the organisation, e.g. `Amina Yusuf, Director`.
        let signatory: String
        /// The grant's start (`YYYY-MM-DD`) when the grant is created by the signature; default today.
        let startDate: String?
        let version: Int?
    }

    /// `POST /grants/{reference}/signature`: signs the agreement of an approved proposal (fund manager).
    func apiSignGrant(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(SignatureBody.self), reference = try call.parameter("reference")
        let start = try body.startDate.map { (text) throws(WorkflowRejection) in try LocalDate(parsing: text) }
        return try await respond(call, as: APIGrant.init) {
            try $0.signGrant(reference, signatory: body.signatory, startDate: start, expectedVersion: body.version, as: "")
        }
    }

    /// The tranches of a grant, in order.
    struct Tranches: Encodable {
        let tranches: [APITranche]
    }

    /// `GET /grants/{reference}/tranches`.
    func apiTranches(_ call: APIRequest) async throws -> Response {
        let reference = try call.parameter("reference")
        return try await respond(call, as: { Tranches(tranches: $0.map(APITranche.init)) }) { try $0.tranches(reference) }
    }

    /// `POST /grants/{reference}/tranches/{sequence}/approval` (fund manager).
    func apiApproveTranche(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(APIVersionBody.self), sequence = try call.number("sequence"), reference = try call.parameter("reference")
        return try await respond(call, as: APITranche.init) { try $0.approveTranche(reference, sequence: sequence, expectedVersion: body.version, as: "") }
    }

    /// The release of an approved tranche: the amount, which must be the tranche's.
    struct ReleaseBody: Decodable {
        let amount: APIMoneyInput
    }

    /// `POST /grants/{reference}/tranches/{sequence}/release` (a finance officer who did not approve it;
    /// Idempotency-Key required): the same key and request answer the first release, `replayed`, and pay nothing more.
    func apiReleaseTranche(_ call: APIRequest) async throws -> Response {
        let key = try call.idempotencyKey()
        let body = try await call.body(ReleaseBody.self), amount = try body.amount.money(), sequence = try call.number("sequence")
        let reference = try call.parameter("reference")
        return try await respond(call, as: APIRelease.init) {
            try $0.releaseTranche(reference, sequence: sequence, amount: amount, idempotencyKey: key, as: "")
        }
    }
}
