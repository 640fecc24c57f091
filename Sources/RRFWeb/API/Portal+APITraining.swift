import Foundation
import HTTPTypes
import Hummingbird
import Postgres
import RRFStore
import RRFWorkflow

// The API's training of partner staff: courses, sessions and their transitions (scheduled → held → closed, or
// cancelled), one participant's attendance, certificates (list, expiring, revoke) and the reports of who is
// trained in what. Requirements are in Portal+APITrainingRequirements.swift. Every rule is the store's.

extension Portal {
    /// `GET /training/courses`.
    func apiTrainingCourses(_ call: APIRequest) async throws -> Response {
        try await wholeListPage(call, as: APITrainingCourse.init) { try $0.trainingCourses() }
    }

    /// A new course.
    struct CourseBody: Decodable {
        let code: String
        let title: String
        let description: String?
        /// How many months a certificate stays valid.
        let validityMonths: Int
    }

    /// `POST /training/courses` (secretariat): 201.
    func apiAddTrainingCourse(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(CourseBody.self)
        return try await respond(call, status: .created, as: APITrainingCourse.init) {
            try $0.addTrainingCourse(code: body.code, title: body.title, description: body.description ?? "", validityMonths: body.validityMonths, as: "")
        }
    }

    /// `GET /training/sessions?course=&state=`.
    func apiTrainingSessions(_ call: APIRequest) async throws -> Response {
        let course = try call.query("course"), state = try call.query("state")
        return try await listPage(call, as: APITrainingSession.init) { store, page in
            try store.trainingSessions(course: course, state: state, limit: page.limit, after: page.after)
        }
    }

    /// A session to schedule.
    struct SessionBody: Decodable {
        let course: String
        let startDate: String
        /// Default: the first day. Certificates are issued on it.
        let endDate: String?
        let place: String
        /// The trainer's login.
        let trainer: String
        let capacity: Int
    }

    /// `POST /training/sessions` (secretariat or trainer): 201 with the session's location.
    func apiScheduleTrainingSession(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(SessionBody.self), start = try APIInput.date(body.startDate, field: "startDate")
        let end = try body.endDate.map { (text) throws(APIProblem) in try APIInput.date(text, field: "endDate") } ?? start
        let store = call.store
        let session = try await runner.run {
            try store.scheduleTrainingSession(
                course: body.course, startDate: start, endDate: end, place: body.place, trainer: body.trainer, capacity: body.capacity, as: ""
            )
        }
        return try APIJSON.response(
            APITrainingSession(session), status: .created, headers: [.location: "\(Self.apiBase)/training/sessions/\(session.reference)"]
        )
    }

    /// `GET /training/sessions/{session}`: the session with its attendance.
    func apiTrainingSession(_ call: APIRequest) async throws -> Response {
        let reference = try call.parameter("session")
        return try await respond(call, as: { APITrainingSessionAttendance(session: APITrainingSession($0.0), attendance: $0.1.map(APIAttendance.init)) }) {
            (try $0.trainingSession(reference), try $0.trainingAttendance(session: reference))
        }
    }

    /// `POST /training/sessions/{session}/held` and `/closure`: a step of the session, the body optionally holding
    /// the version seen (closing issues the certificates of those who passed).
    func apiTrainingSessionStep(
        _ call: APIRequest, _ step: @escaping @Sendable (FundStore, String, Int?) throws -> TrainingSessionRecord
    ) async throws -> Response {
        let body = try await call.body(APIVersionBody.self), reference = try call.parameter("session")
        return try await respond(call, as: APITrainingSession.init) { try step($0, reference, body.version) }
    }

    /// `POST /training/sessions/{session}/cancellation`.
    func apiCancelTrainingSession(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(ReasonBody.self), reference = try call.parameter("session")
        return try await respond(call, as: APITrainingSession.init) {
            try $0.cancelTrainingSession(reference, reason: body.reason, expectedVersion: body.version, as: "")
        }
    }

    /// One participant of a session.
    struct ParticipantBody: Decodable {
        let name: String
        /// The participant's organisation's code.
        let organisation: String
        let role: String?
        let gender: String?
        /// Default true; false for someone registered who did not attend.
        let attended: Bool?
        let passed: Bool?
        /// 0–100.
        let score: Double?
    }

    /// `POST /training/sessions/{session}/attendance` (its trainer or the secretariat): 201.
    func apiRecordAttendance(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(ParticipantBody.self), reference = try call.parameter("session")
        let participant = ParticipantInput(
            name: body.name, organisation: body.organisation, role: body.role ?? "", gender: body.gender ?? "", attended: body.attended ?? true,
            passed: body.passed ?? false, score: body.score
        )
        return try await respond(call, status: .created, as: APIAttendance.init) { try $0.recordAttendance(session: reference, participant, as: "") }
    }

    /// `GET /training/certificates?organisation=&course=&all=`: valid certificates (`all=true`: expired and revoked too).
    func apiCertificates(_ call: APIRequest) async throws -> Response {
        let organisation = try call.query("organisation"), course = try call.query("course"), all = try call.flag("all")
        return try await listPage(call, as: APICertificate.init) { store, page in
            try store.trainingCertificates(CertificateFilter(organisation: organisation, course: course, includeInvalid: all, limit: page.limit, after: page.after))
        }
    }

    /// `GET /training/certificates/expiring?days=`: certificates that expire within `days` (default 30).
    func apiExpiringCertificates(_ call: APIRequest) async throws -> Response {
        let days = try call.integerQuery("days") ?? 30
        return try await wholeListPage(call, as: APICertificate.init) { try $0.expiringCertificates(withinDays: days) }
    }

    /// `POST /training/certificates/{reference}/revocation` (secretariat).
    func apiRevokeCertificate(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(ReasonBody.self), reference = try call.parameter("reference")
        return try await respond(call, as: APICertificate.init) { try $0.revokeCertificate(reference, reason: body.reason, as: "") }
    }

    /// `GET /training/reports/organisations/{code}`: an organisation's valid certificates and tranche training shortfalls.
    func apiOrganisationTrainingReport(_ call: APIRequest) async throws -> Response {
        let code = try call.parameter("code")
        return try await respond(call, as: APIOrganisationTrainingReport.init) { try $0.organisationTrainingReport(code) }
    }

    /// `GET /training/reports/courses/{code}`: a course's sessions and attendance by gender and organisation.
    func apiCourseTrainingReport(_ call: APIRequest) async throws -> Response {
        let code = try call.parameter("code")
        return try await respond(call, as: APICourseTrainingReport.init) { try $0.courseTrainingReport(code) }
    }
}
