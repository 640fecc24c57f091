import Foundation
import RRFStore
import RRFWorkflow

/// A training course; certificates of it stay valid for `validityMonths`.
struct APITrainingCourse: Encodable {
    let code: String
    let title: String
    let description: String
    let validityMonths: Int

    init(_ record: TrainingCourseRecord) {
        code = record.code
        title = record.title
        description = record.description
        validityMonths = record.validityMonths
    }
}

/// A training session of a course, with how many registered, attended and passed.
struct APITrainingSession: Encodable {
    let reference: String
    let course: APITrainingCourse
    let startDate: String
    let endDate: String
    let place: String
    let trainer: String
    let capacity: Int
    /// scheduled | held | closed | cancelled
    let state: String
    let cancelReason: String?
    let participants: Int
    let attended: Int
    let passed: Int
    let version: Int

    init(_ record: TrainingSessionRecord) {
        reference = record.reference
        course = APITrainingCourse(record.course)
        startDate = record.startDate.description
        endDate = record.endDate.description
        place = record.place
        trainer = record.trainer
        capacity = record.capacity
        state = record.state
        cancelReason = record.cancelReason
        participants = record.participants
        attended = record.attended
        passed = record.passed
        version = record.version
    }
}

/// One participant of a session.
struct APIAttendance: Encodable {
    let session: String
    let name: String
    let organisation: String
    let role: String
    let gender: String
    let attended: Bool
    let passed: Bool
    /// 0–100.
    let score: Double?

    init(_ record: AttendanceRecord) {
        session = record.session
        name = record.name
        organisation = record.organisation
        role = record.role
        gender = record.gender
        attended = record.attended
        passed = record.passed
        score = record.score
    }
}

/// A session with its attendance (`GET /training/sessions/{session}`).
struct APITrainingSessionAttendance: Encodable {
    let session: APITrainingSession
    let attendance: [APIAttendance]
}

/// A certificate of a pass, valid through a day unless revoked.
struct APICertificate: Encodable {
    let reference: String
    let session: String
    let course: String
    let courseTitle: String
    let holderName: String
    let organisation: String
    let issuedOn: String
    let validThrough: String
    let revokedAt: Date?
    let revocationReason: String?
    /// valid | expired | revoked | not_yet_valid, on the day it was read.
    let status: String

    init(_ record: CertificateRecord) {
        reference = record.reference
        session = record.session
        course = record.courseCode
        courseTitle = record.courseTitle
        holderName = record.holderName
        organisation = record.organisation
        issuedOn = record.issuedOn.description
        validThrough = record.validThrough.description
        revokedAt = record.revokedAt
        revocationReason = record.revocationReason
        status = record.status
    }
}

/// Training a call or the tranche policy requires: so many staff with a valid certificate of a course.
struct APITrainingRequirement: Encodable {
    /// call | tranche
    let scope: String
    /// The call's code, or the risk rating (`all` for every one).
    let target: String
    let course: String
    let courseTitle: String
    let minimumStaff: Int

    init(_ record: TrainingRequirementRecord) {
        scope = record.scope
        target = record.target
        course = record.courseCode
        courseTitle = record.courseTitle
        minimumStaff = record.minimumStaff
    }
}

/// A requirement an organisation falls short of: how many staff it needs and how many hold a valid certificate.
struct APITrainingShortfall: Encodable {
    let course: String
    let courseTitle: String
    let required: Int
    let valid: Int

    init(_ shortfall: TrainingShortfall) {
        course = shortfall.courseCode
        courseTitle = shortfall.courseTitle
        required = shortfall.required
        valid = shortfall.valid
    }
}

/// Who of an organisation is trained in what, and what it still lacks for tranche releases.
struct APIOrganisationTrainingReport: Encodable {
    let organisation: String
    let name: String
    let on: String
    let certificates: [APICertificate]
    let trancheShortfalls: [APITrainingShortfall]

    init(_ report: OrganisationTrainingReport) {
        organisation = report.organisation
        name = report.name
        on = report.on.description
        certificates = report.certificates.map(APICertificate.init)
        trancheShortfalls = report.trancheShortfalls.map(APITrainingShortfall.init)
    }
}

/// A course's sessions and attendance by gender and organisation.
struct APICourseTrainingReport: Encodable {
    struct Tally: Encodable {
        let group: String
        let registered: Int
        let attended: Int
        let passed: Int
    }

    let course: APITrainingCourse
    let sessions: [APITrainingSession]
    let byGender: [Tally]
    let byOrganisation: [Tally]
    let validCertificates: Int

    init(_ report: CourseTrainingReport) {
        func tally(_ tally: AttendanceTally) -> Tally { Tally(group: tally.group, registered: tally.registered, attended: tally.attended, passed: tally.passed) }
        course = APITrainingCourse(report.course)
        sessions = report.sessions.map(APITrainingSession.init)
        byGender = report.byGender.map(tally)
        byOrganisation = report.byOrganisation.map(tally)
        validCertificates = report.validCertificates
    }
}
