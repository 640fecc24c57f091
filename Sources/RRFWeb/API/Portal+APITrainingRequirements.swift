import Foundation
import HTTPTypes
import Hummingbird
import RRFStore
import RRFWorkflow

// The API's training requirements: what a call or the tranche policy requires (so many staff with a valid
// certificate of a course), and an organisation's shortfalls against them on a day.

extension Portal {
    /// Requirements, by scope and course.
    struct TrainingRequirements: Encodable {
        let requirements: [APITrainingRequirement]
    }

    /// `GET /training/requirements?call=`: the tranche policy's and every call's (or one call's) requirements.
    func apiTrainingRequirements(_ call: APIRequest) async throws -> Response {
        let code = try call.query("call")
        return try await respond(call, as: { TrainingRequirements(requirements: $0.map(APITrainingRequirement.init)) }) { try $0.trainingRequirements(call: code) }
    }

    /// A requirement to set: `minimumStaff` 0 removes it.
    struct RequirementBody: Decodable {
        let course: String
        let minimumStaff: Int
        /// Tranche requirements only: low | medium | high | all (default all).
        let risk: String?
    }

    /// `PUT /calls/{code}/training-requirement` (secretariat): the call's requirements after the change.
    func apiSetCallTrainingRequirement(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(RequirementBody.self), code = try call.parameter("code")
        return try await respond(call, as: { TrainingRequirements(requirements: $0.map(APITrainingRequirement.init)) }) {
            try $0.setCallTrainingRequirement(call: code, course: body.course, minimumStaff: body.minimumStaff, as: "")
        }
    }

    /// `PUT /training/requirements/tranches` (secretariat): the tranche policy's requirements after the change.
    func apiSetTrancheTrainingRequirement(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(RequirementBody.self)
        let risk: RiskRating? = try body.risk.flatMap { (text) throws(APIProblem) -> RiskRating? in text == "all" ? nil : try APIInput.word(text, RiskRating.self, field: "risk") }
        return try await respond(call, as: { TrainingRequirements(requirements: $0.map(APITrainingRequirement.init)) }) {
            try $0.setTrancheTrainingRequirement(risk: risk, course: body.course, minimumStaff: body.minimumStaff, as: "")
        }
    }

    /// An organisation's shortfalls.
    struct TrainingShortfalls: Encodable {
        let shortfalls: [APITrainingShortfall]
    }

    /// `GET /organisations/{code}/training-shortfalls?call=&on=`: what the organisation lacks for tranche releases
    /// (or to submit to `call`) on `on` (default: today in the fund's time zone).
    func apiTrainingShortfalls(_ call: APIRequest) async throws -> Response {
        let code = try call.parameter("code"), target = try call.query("call")
        let given = try call.given("on").map { (text) throws(APIProblem) in
            do {
                return try LocalDate(parsing: text)
            } catch {
                throw APIProblem(.badRequest, code: "parameter_invalid", detail: "The day \(text) in the query is not a date like 2026-12-15.", field: "on")
            }
        }
        return try await respond(call, as: { TrainingShortfalls(shortfalls: $0.map(APITrainingShortfall.init)) }) { store in
            let day = given ?? LocalDate(Date(), utcOffsetMinutes: store.calendar.utcOffsetMinutes)
            if let target { return try store.callTrainingShortfalls(organisationCode: code, call: target, on: day) }
            return try store.trainingShortfalls(organisationCode: code, on: day)
        }
    }
}
