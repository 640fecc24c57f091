import Foundation
import HTTPTypes
import Hummingbird
import RRFStore
import RRFWorkflow

// The API's set-up and lifecycle of calls: create and edit a draft, its envelopes, delete it, open it (now or
// by the daemon at a time), close, mark decided, archive. The secretariat's (deciding is the fund manager's);
// every rule is the store's and the call's machine's.

extension Portal {
    /// One cluster's envelope as a request gives it.
    struct EnvelopeInput: Decodable {
        let cluster: String
        let amount: APIMoneyInput
    }

    /// A decision SLA as a request gives it: `{"unit": "business_hours" | "business_days", "amount": n}`.
    struct DecisionSLAInput: Decodable {
        let unit: String
        let amount: Int

        func sla(field: String) throws(APIProblem) -> DecisionSLA {
            switch unit {
            case "business_hours": return .businessHours(amount)
            case "business_days": return .businessDays(amount)
            default:
                throw APIProblem(
                    .badRequest, code: "body_invalid", detail: "The member \(field).unit of the request body must be business_hours or business_days.",
                    field: "\(field).unit"
                )
            }
        }
    }

    /// A scorecard as a request gives it; the criteria's weights must sum to 100 (the rule's own refusal).
    struct ScorecardInput: Decodable {
        let criteria: [Criterion]
        let passThreshold: Int
        let commentFloorPercent: Int?

        func scorecard() throws(WorkflowRejection) -> Scorecard {
            try Scorecard(criteria: criteria, passThreshold: passThreshold, commentFloorPercent: commentFloorPercent ?? 40)
        }
    }

    /// The envelopes of a request, per cluster.
    /// - Throws: `body_invalid` for a cluster named twice; the rules' refusals of a cluster or an amount.
    static func envelopes(_ inputs: [EnvelopeInput]) throws -> [Cluster: Money] {
        var envelopes: [Cluster: Money] = [:]
        for (index, input) in inputs.enumerated() {
            let cluster = try Cluster(code: input.cluster)
            guard envelopes[cluster] == nil else {
                throw APIProblem(
                    .badRequest, code: "body_invalid", detail: "The cluster \(input.cluster) has two envelopes; give each cluster once.",
                    field: "envelopes[\(index)].cluster"
                )
            }
            envelopes[cluster] = try input.amount.money()
        }
        return envelopes
    }

    /// A new call (`POST /calls`): what `rrfctl call create` takes.
    struct CallBody: Decodable {
        let code: String
        let title: String
        /// standard (default) | reserve
        let kind: String?
        let currency: String
        let perProposalCeiling: APIMoneyInput
        let submissionDeadline: String
        let reviewDeadline: String
        /// Default: 72 business hours for a reserve call, 10 business days for a standard one.
        let decisionSLA: DecisionSLAInput?
        let envelopes: [EnvelopeInput]
        /// Default: the fund's scorecard.
        let scorecard: ScorecardInput?
        let quorum: Int?
        let divergenceSpread: Int?

        func configuration() throws -> CallConfiguration {
            let kind = try kind.map { (text) throws(APIProblem) in try APIInput.word(text, CallKind.self, field: "kind") } ?? .standard
            return CallConfiguration(
                title: title, kind: kind, currency: try Currency(code: currency), envelopes: try Portal.envelopes(envelopes),
                perProposalCeiling: try perProposalCeiling.money(),
                submissionDeadline: try APIInput.instant(submissionDeadline, field: "submissionDeadline"),
                reviewDeadline: try APIInput.instant(reviewDeadline, field: "reviewDeadline"),
                decisionSLA: try decisionSLA?.sla(field: "decisionSLA") ?? (kind == .reserve ? .reserveCall : .businessDays(10)),
                scorecard: try scorecard?.scorecard() ?? CallDefaults.scorecard, quorum: quorum ?? 3, divergenceSpread: divergenceSpread ?? 25
            )
        }
    }

    /// `POST /calls`: creates a draft call (secretariat); 201 with its location.
    func apiCreateCall(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(CallBody.self), configuration = try body.configuration(), store = call.store
        let created = try await runner.run { try store.createCall(code: body.code, configuration: configuration, as: "") }
        return try APIJSON.response(APICall(created), status: .created, headers: [.location: "\(Self.apiBase)/calls/\(created.code)"])
    }

    /// Changes to a draft call (`PATCH /calls/{code}`): the members given replace the call's; the others stay.
    struct CallChangesBody: Decodable {
        let title: String?
        let kind: String?
        let currency: String?
        let perProposalCeiling: APIMoneyInput?
        let submissionDeadline: String?
        let reviewDeadline: String?
        let decisionSLA: DecisionSLAInput?
        /// Replaces every envelope.
        let envelopes: [EnvelopeInput]?
        let scorecard: ScorecardInput?
        let quorum: Int?
        let divergenceSpread: Int?
        let version: Int?

        func changes() throws -> CallChanges {
            CallChanges(
                title: title, kind: try kind.map { (text) throws(APIProblem) in try APIInput.word(text, CallKind.self, field: "kind") },
                currency: try currency.map { (code) throws(WorkflowRejection) in try Currency(code: code) },
                envelopes: try envelopes.map(Portal.envelopes), perProposalCeiling: try perProposalCeiling?.money(),
                submissionDeadline: try submissionDeadline.map { (text) throws(APIProblem) in try APIInput.instant(text, field: "submissionDeadline") },
                reviewDeadline: try reviewDeadline.map { (text) throws(APIProblem) in try APIInput.instant(text, field: "reviewDeadline") },
                decisionSLA: try decisionSLA?.sla(field: "decisionSLA"), scorecard: try scorecard?.scorecard(), quorum: quorum,
                divergenceSpread: divergenceSpread
            )
        }
    }

    /// `PATCH /calls/{code}`: edits a draft call (secretariat).
    func apiEditCall(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(CallChangesBody.self), changes = try body.changes(), code = try call.parameter("code")
        return try await respond(call, as: APICall.init) { try $0.editCall(code, changes, expectedVersion: body.version, as: "") }
    }

    /// `DELETE /calls/{code}?version=`: deletes a draft call that never opened (secretariat); 204.
    func apiDeleteCall(_ call: APIRequest) async throws -> Response {
        let code = try call.parameter("code"), version = try call.integerQuery("version"), store = call.store
        try await runner.run { try store.deleteCall(code, expectedVersion: version, as: "") }
        return Response(status: .noContent)
    }

    /// The envelopes of a draft call (`PUT /calls/{code}/envelopes`): clusters not named are removed.
    struct EnvelopesBody: Decodable {
        let envelopes: [EnvelopeInput]
        let version: Int?
    }

    /// `PUT /calls/{code}/envelopes` (secretariat).
    func apiSetEnvelopes(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(EnvelopesBody.self), envelopes = try Self.envelopes(body.envelopes), code = try call.parameter("code")
        return try await respond(call, as: APICall.init) { try $0.setCallEnvelopes(code, envelopes, expectedVersion: body.version, as: "") }
    }

    /// When the daemon opens a draft call.
    struct OpeningBody: Decodable {
        let at: String
    }

    /// `POST /calls/{code}/scheduled-opening`: the daemon opens the draft call at `at` (secretariat).
    func apiScheduleOpening(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(OpeningBody.self), time = try APIInput.instant(body.at, field: "at"), code = try call.parameter("code")
        return try await respond(call, as: APICall.init) { try $0.scheduleCallOpening(code, at: time, as: "") }
    }

    /// `POST /calls/{code}/open`, `/close`, `/decide`, `/archive`: one step of the call's lifecycle, the body
    /// optionally holding the version seen.
    func apiCallStep(
        _ call: APIRequest, _ step: @escaping @Sendable (FundStore, String, Int?) throws -> CallRecord
    ) async throws -> Response {
        let body = try await call.body(APIVersionBody.self), code = try call.parameter("code")
        return try await respond(call, as: APICall.init) { try step($0, code, body.version) }
    }
}
