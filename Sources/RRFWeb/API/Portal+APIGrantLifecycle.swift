import Foundation
import HTTPTypes
import Hummingbird
import RRFStore
import RRFWorkflow

// The API's grant lifecycle after signing: suspension and resumption, termination (which de-commits what was not
// released) and closure (which refunds the unspent balance) — both move money, so they carry an Idempotency-Key —,
// the evaluation of tranche conditions, and the grant's audit history. Every rule is the grant's machine's.

extension Portal {
    /// `POST /grants/{reference}/suspension` (fund manager): releases are refused until it resumes.
    func apiSuspendGrant(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(ReasonBody.self), reference = try call.parameter("reference")
        return try await respond(call, as: APIGrant.init) { try $0.suspendGrant(reference, reason: body.reason, expectedVersion: body.version, as: "") }
    }

    /// `POST /grants/{reference}/resumption` (fund manager).
    func apiResumeGrant(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(APIVersionBody.self), reference = try call.parameter("reference")
        return try await respond(call, as: APIGrant.init) { try $0.resumeGrant(reference, expectedVersion: body.version, as: "") }
    }

    /// `POST /grants/{reference}/termination` (fund manager; Idempotency-Key required: it de-commits money). A retry
    /// never de-commits twice: the grant's machine refuses to terminate a terminated grant.
    func apiTerminateGrant(_ call: APIRequest) async throws -> Response {
        _ = try call.idempotencyKey()
        let body = try await call.body(ReasonBody.self), reference = try call.parameter("reference")
        return try await respond(call, as: APIGrant.init) { try $0.terminateGrant(reference, reason: body.reason, expectedVersion: body.version, as: "") }
    }

    /// `POST /grants/{reference}/closure` (fund manager, once the final report is accepted; Idempotency-Key
    /// required: it refunds the unspent balance). A retry never refunds twice: a closed grant cannot close again.
    func apiCloseGrant(_ call: APIRequest) async throws -> Response {
        _ = try call.idempotencyKey()
        let body = try await call.body(APIVersionBody.self), reference = try call.parameter("reference")
        return try await respond(call, as: APIGrant.init) { try $0.closeGrant(reference, expectedVersion: body.version, as: "") }
    }

    /// `POST /grants/{reference}/tranches/evaluation` (secretariat or fund manager): evaluates the next tranche's
    /// conditions, which makes it ready when all are met; the grant's tranches after it.
    func apiEvaluateTranches(_ call: APIRequest) async throws -> Response {
        let reference = try call.parameter("reference")
        return try await respond(call, as: { Tranches(tranches: $0.map(APITranche.init)) }) { try $0.evaluateTranches(reference, as: "") }
    }

    /// `GET /grants/{reference}/log`: the audit history of the grant, its tranches and reports, oldest first.
    func apiGrantLog(_ call: APIRequest) async throws -> Response {
        let reference = try call.parameter("reference")
        return try await wholeListPage(call, as: APIAuditEvent.init) { try $0.grantHistory(reference) }
    }
}
