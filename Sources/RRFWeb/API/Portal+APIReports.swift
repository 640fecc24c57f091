import Foundation
import HTTPTypes
import Hummingbird
import RRFStore
import RRFWorkflow

// The API's grant reports: a grant's schedule, the organisation's submission, the secretariat's or fund manager's
// acceptance, return and reopening, and making ended periods due. Accepting the final report can close the grant
// and refund its unspent balance, so acceptance carries an Idempotency-Key. Every rule is the report's machine's.

extension Portal {
    /// A grant's reports, in order.
    struct Reports: Encodable {
        let reports: [APIReport]
    }

    /// `GET /grants/{reference}/reports`: due dates and the overdue flag.
    func apiReports(_ call: APIRequest) async throws -> Response {
        let reference = try call.parameter("reference")
        return try await respond(call, as: { Reports(reports: $0.map(APIReport.init)) }) { try $0.reports(reference) }
    }

    /// A report as the organisation submits it.
    struct ReportSubmissionBody: Decodable {
        struct Spending: Decodable {
            /// The budget line, as in the proposal.
            let line: String
            /// Spent on it up to the end of the period.
            let amount: APIMoneyInput
        }

        let narrative: String
        let spending: [Spending]
        let version: Int?
    }

    /// `POST /grants/{reference}/reports/{sequence}/submission` (a user of the organisation).
    func apiSubmitReport(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(ReportSubmissionBody.self), sequence = try call.number("sequence"), reference = try call.parameter("reference")
        let lines = body.spending.map { SpendingLine(line: $0.line, amount: $0.amount.text) }
        return try await respond(call, as: APIReport.init) {
            try $0.submitReport(reference, sequence: sequence, narrative: body.narrative, spending: lines, expectedVersion: body.version, as: "")
        }
    }

    /// A report's acceptance, with an optional comment for the organisation.
    struct AcceptanceBody: Decodable {
        let comment: String?
        let version: Int?
    }

    /// `POST /grants/{reference}/reports/{sequence}/acceptance` (secretariat or fund manager; Idempotency-Key
    /// required: the final report's acceptance by a fund manager closes the grant and refunds its unspent balance).
    /// A retry refunds nothing more: an accepted report cannot be accepted again.
    func apiAcceptReport(_ call: APIRequest) async throws -> Response {
        _ = try call.idempotencyKey()
        let body = try await call.body(AcceptanceBody.self), sequence = try call.number("sequence"), reference = try call.parameter("reference")
        return try await respond(call, as: APIReport.init) {
            try $0.acceptReport(reference, sequence: sequence, comment: body.comment, expectedVersion: body.version, as: "")
        }
    }

    /// A report returned for changes: what must change.
    struct ReturnBody: Decodable {
        let comment: String
        let version: Int?
    }

    /// `POST /grants/{reference}/reports/{sequence}/return` (secretariat or fund manager).
    func apiReturnReport(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(ReturnBody.self), sequence = try call.number("sequence"), reference = try call.parameter("reference")
        return try await respond(call, as: APIReport.init) {
            try $0.returnReport(reference, sequence: sequence, comment: body.comment, expectedVersion: body.version, as: "")
        }
    }

    /// `POST /grants/{reference}/reports/{sequence}/reopening` (fund manager): the organisation corrects an accepted report.
    func apiReopenReport(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(ReasonBody.self), sequence = try call.number("sequence"), reference = try call.parameter("reference")
        return try await respond(call, as: APIReport.init) {
            try $0.reopenReport(reference, sequence: sequence, reason: body.reason, expectedVersion: body.version, as: "")
        }
    }

    /// `POST /reports/due` (secretariat; the daemon does it hourly): makes every report whose period ended due; the reports made due.
    func apiMarkReportsDue(_ call: APIRequest) async throws -> Response {
        try await respond(call, as: { Reports(reports: $0.map(APIReport.init)) }) { try $0.markReportsDue(as: "") }
    }
}
