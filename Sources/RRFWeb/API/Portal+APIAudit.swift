import Foundation
import HTTPTypes
import Hummingbird
import Postgres
import RRFStore
import RRFWorkflow

// The API's history and refusals (a proposal's audit log, the security log of refusals) and the imports of
// sheets the secretariat and trainers fill in: reviews entered from a CSV file, a session's attendance sheet.
// Each import applies all its rows or none.

extension Portal {
    /// `GET /proposals/{reference}/log`: the history of a proposal, oldest first.
    func apiProposalLog(_ call: APIRequest) async throws -> Response {
        let reference = try call.parameter("reference")
        return try await wholeListPage(call, as: APIAuditEvent.init) { try $0.proposalHistory(reference) }
    }

    /// The kinds of refusal the security log keeps.
    static let refusalKinds = ["sign_in", "authorisation", "rule"]

    /// `GET /security/refusals?actor=&kind=&command=&since=` (administrators): refusals, newest first.
    func apiRefusals(_ call: APIRequest) async throws -> Response {
        let actor = try call.query("actor"), kind = try call.query("kind"), command = try call.query("command")
        if let kind, !Self.refusalKinds.contains(kind) {
            throw APIProblem(.badRequest, code: "parameter_invalid", detail: "The kind \(kind) is not a kind of refusal; use sign_in, authorisation or rule.", field: "kind")
        }
        let since = try call.given("since").map { (text) throws(APIProblem) in
            do {
                return try APIInput.instant(text, field: "since")
            } catch {
                throw APIProblem(.badRequest, code: "parameter_invalid", detail: "The time \(text) in the query is not a time like 2026-12-01T08:00:00Z.", field: "since")
            }
        }
        return try await listPage(call, as: APISecurityEvent.init) { store, page in
            try store.securityEvents(SecurityEventFilter(actor: actor, kind: kind, command: command, since: since, limit: page.limit, after: page.after))
        }
    }

    /// A sheet to import: the text of a CSV file, with its header line.
    struct SheetBody: Decodable {
        let csv: String
    }

    /// `POST /reviews/imports` (secretariat): reviews entered from a CSV file, all rows or none; the reviews submitted.
    func apiImportReviews(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(SheetBody.self)
        return try await respond(call, as: { Reviews(reviews: $0.reviews.map(APIReview.init)) }) { try $0.importReviews(csv: body.csv, as: "") }
    }

    /// The participants of a session, as recorded.
    struct Attendance: Encodable {
        let attendance: [APIAttendance]
    }

    /// `POST /training/sessions/{session}/attendance-sheet` (its trainer or the secretariat): a sign-in sheet, all
    /// rows or none.
    func apiImportAttendance(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(SheetBody.self), reference = try call.parameter("session")
        return try await respond(call, as: { Attendance(attendance: $0.map(APIAttendance.init)) }) { try $0.importAttendance(session: reference, csv: body.csv, as: "") }
    }
}
