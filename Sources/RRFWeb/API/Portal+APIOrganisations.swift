import Foundation
import HTTPTypes
import Hummingbird
import RRFStore
import RRFWorkflow

// The API's partner register: registration, due diligence assessments, ineligibility, suspension and
// reinstatement (the secretariat's; ineligibility, suspension and reinstatement also the fund managers').
// Every rule is the organisation's machine's.

extension Portal {
    /// A new partner organisation.
    struct RegistrationBody: Decodable {
        let code: String
        let name: String
        /// ISO 3166 alpha-2, e.g. `KE`.
        let country: String
    }

    /// `POST /organisations` (secretariat): 201 with the organisation's location.
    func apiRegisterOrganisation(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(RegistrationBody.self), store = call.store
        let organisation = try await runner.run { try store.registerOrganisation(code: body.code, name: body.name, country: body.country, as: "") }
        return try APIJSON.response(
            APIOrganisation(organisation), status: .created, headers: [.location: "\(Self.apiBase)/organisations/\(organisation.code)"]
        )
    }

    /// A due diligence assessment.
    struct AssessmentBody: Decodable {
        /// low | medium | high
        let risk: String
        /// The last day the due diligence is valid.
        let dueDiligenceExpires: String
        let version: Int?
    }

    /// `POST /organisations/{code}/assessment` (secretariat).
    func apiAssessOrganisation(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(AssessmentBody.self), code = try call.parameter("code")
        let risk = try APIInput.word(body.risk, RiskRating.self, field: "risk")
        let expires = try APIInput.date(body.dueDiligenceExpires, field: "dueDiligenceExpires")
        return try await respond(call, as: APIOrganisation.init) {
            try $0.assessOrganisation(code, risk: risk, dueDiligenceExpires: expires, expectedVersion: body.version, as: "")
        }
    }

    /// An ineligibility until a day.
    struct IneligibilityBody: Decodable {
        /// The last day of the ineligibility.
        let until: String
        let reason: String
        let version: Int?
    }

    /// `POST /organisations/{code}/ineligibility` (secretariat or fund manager).
    func apiDeclareIneligible(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(IneligibilityBody.self), code = try call.parameter("code"), until = try APIInput.date(body.until, field: "until")
        return try await respond(call, as: APIOrganisation.init) {
            try $0.declareOrganisationIneligible(code, until: until, reason: body.reason, expectedVersion: body.version, as: "")
        }
    }

    /// A command that needs a reason and, optionally, the version seen (suspensions and terminations).
    struct ReasonBody: Decodable {
        let reason: String
        let version: Int?
    }

    /// `POST /organisations/{code}/suspension` (secretariat or fund manager).
    func apiSuspendOrganisation(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(ReasonBody.self), code = try call.parameter("code")
        return try await respond(call, as: APIOrganisation.init) { try $0.suspendOrganisation(code, reason: body.reason, expectedVersion: body.version, as: "") }
    }

    /// `POST /organisations/{code}/reinstatement`: lifts a suspension (secretariat or fund manager).
    func apiReinstateOrganisation(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(APIVersionBody.self), code = try call.parameter("code")
        return try await respond(call, as: APIOrganisation.init) { try $0.reinstateOrganisation(code, expectedVersion: body.version, as: "") }
    }
}
