import Foundation
import JobQueue
import Postgres
import RRFWorkflow

// The stored records of training (issue #6): courses, sessions, attendance, certificates, requirements and the
// reports, with their audit streams. Tables in sql/0006_training.sql; the commands in FundStore+Training*.swift.

/// A training course (table `training_courses`).
public struct TrainingCourseRecord: Codable, Sendable, Equatable {
    public let id: UUID
    public let code: String
    public let title: String
    public let description: String
    public let validityMonths: Int

    static let columns = "c.id AS course_id, c.code AS course_code, c.title AS course_title, c.description AS course_description, c.validity_months"

    init(row: Row) throws {
        id = try row.decode("course_id")
        code = try row.decode("course_code")
        title = try row.decode("course_title")
        description = try row.decode("course_description")
        validityMonths = try row.decode("validity_months")
    }

    /// The workflow's course.
    func course() throws -> Course {
        try Course(id: CourseID(id), code: code, title: title, validityMonths: validityMonths)
    }
}

/// A training session (table `training_sessions`), with its participant counts.
public struct TrainingSessionRecord: Codable, Sendable, Equatable {
    public let id: UUID
    /// `TS-12`.
    public let reference: String
    public let course: TrainingCourseRecord
    public let startDate: LocalDate
    public let endDate: LocalDate
    public let place: String
    public let trainerID: UUID
    public let trainer: String
    public let capacity: Int
    /// The stored state (JSON key `state`).
    public let stateName: TrainingSessionMachine.State.Name
    public let cancelReason: String?
    public let participants: Int
    public let attended: Int
    public let passed: Int
    public let version: Int

    /// scheduled | held | closed | cancelled
    public var state: String { stateName.rawValue }

    static let select = """
        SELECT s.id, s.number, s.start_date::text AS start_date, s.end_date::text AS end_date, s.place, s.trainer_id,
               u.login AS trainer, s.capacity, s.state, s.cancel_reason, s.version, \(TrainingCourseRecord.columns),
               (SELECT count(*) FROM training_attendance a WHERE a.session_id = s.id)::int AS participants,
               (SELECT count(*) FROM training_attendance a WHERE a.session_id = s.id AND a.attended)::int AS attended,
               (SELECT count(*) FROM training_attendance a WHERE a.session_id = s.id AND a.passed)::int AS passed
        FROM training_sessions s JOIN training_courses c ON c.id = s.course_id JOIN users u ON u.id = s.trainer_id
        """

    init(row: Row) throws {
        id = try row.decode("id")
        reference = try "TS-\(row.decode("number", as: Int.self))"
        course = try TrainingCourseRecord(row: row)
        startDate = try LocalDate.stored(try row.decode("start_date"))
        endDate = try LocalDate.stored(try row.decode("end_date"))
        place = try row.decode("place")
        trainerID = try row.decode("trainer_id")
        trainer = try row.decode("trainer")
        capacity = try row.decode("capacity")
        stateName = try .stored(in: row, of: "The training session \(reference)")
        cancelReason = try row.decode("cancel_reason")
        participants = try row.decode("participants")
        attended = try row.decode("attended")
        passed = try row.decode("passed")
        version = try row.decode("version")
    }

    func plan() throws -> SessionPlan {
        SessionPlan(course: try course.course(), startDate: startDate, endDate: endDate, place: place, trainerID: UserID(trainerID))
    }

    /// The session's state machine rebuilt from the record and its attendance rows (those who attended count).
    /// - Throws: `inconsistent_row` when the stored state is unknown or lacks what it needs.
    func machine(attendance: [AttendanceRecord]) throws -> TrainingSessionMachine {
        let plan = try plan()
        let attended = attendance.filter(\.attended).map(\.workflowAttendance)
        let state: TrainingSessionMachine.State
        switch (stateName, cancelReason) {
        case (.scheduled, nil): state = .scheduled(plan)
        case (.held, nil): state = .held(plan, attended)
        case (.closed, nil): state = .closed(plan, attended)
        case (.cancelled, let reason?): state = .cancelled(plan, reason: reason)
        default: throw StoreError.inconsistentRow("The training session \(reference)", state: stateName.rawValue)
        }
        return TrainingSessionMachine(state: state)
    }

    enum CodingKeys: String, CodingKey {
        case id, reference, course, startDate, endDate, place, trainerID, trainer, capacity, stateName = "state", cancelReason
        case participants, attended, passed, version
    }
}

/// One participant's attendance (table `training_attendance`).
public struct AttendanceRecord: Codable, Sendable, Equatable {
    public let id: UUID
    public let session: String
    public let name: String
    public let organisationID: UUID
    public let organisation: String
    public let role: String
    public let gender: String
    public let attended: Bool
    public let passed: Bool
    public let score: Double?

    static let select = """
        SELECT a.id, s.number, a.name, a.organisation_id, o.code AS organisation, a.role, a.gender, a.attended, a.passed,
               a.score::float8 AS score
        FROM training_attendance a JOIN training_sessions s ON s.id = a.session_id JOIN organisations o ON o.id = a.organisation_id
        """

    init(row: Row) throws {
        id = try row.decode("id")
        session = try "TS-\(row.decode("number", as: Int.self))"
        name = try row.decode("name")
        organisationID = try row.decode("organisation_id")
        organisation = try row.decode("organisation")
        role = try row.decode("role")
        gender = try row.decode("gender")
        attended = try row.decode("attended")
        passed = try row.decode("passed")
        score = try row.decode("score")
    }

    /// The participant as the workflow sees them: passed only if they attended.
    var workflowAttendance: Attendance {
        Attendance(name: name, organisationID: OrganisationID(organisationID), role: role, gender: gender, passed: attended && passed)
    }
}

/// A certificate (table `training_certificates`) with its status on the day it was read.
public struct CertificateRecord: Codable, Sendable, Equatable {
    public let id: UUID
    /// `TC-7`.
    public let reference: String
    public let session: String
    public let courseCode: String
    public let courseTitle: String
    public let holderName: String
    public let organisation: String
    public let issuedOn: LocalDate
    /// The last day it is valid (inclusive).
    public let validThrough: LocalDate
    public let revokedAt: Date?
    public let revocationReason: String?
    /// valid | expired | revoked | not_yet_valid (on the day it was read)
    public let status: String

    /// The columns `init(row:today:)` reads, from ``tables``.
    static let columns = """
        t.id, t.number, s.number AS session_number, c.code AS course_code, c.title AS course_title, t.holder_name,
        o.code AS organisation, t.issued_on::text AS issued_on, t.valid_through::text AS valid_through, t.revoked_at,
        t.revocation_reason
        """
    /// The certificate `t` with its session `s`, course `c` and organisation `o`.
    static let tables = """
        training_certificates t JOIN training_sessions s ON s.id = t.session_id JOIN training_courses c ON c.id = t.course_id
        JOIN organisations o ON o.id = t.organisation_id
        """
    static let select = "SELECT \(columns) FROM \(tables)"

    init(row: Row, today: LocalDate) throws {
        id = try row.decode("id")
        reference = try "TC-\(row.decode("number", as: Int.self))"
        session = try "TS-\(row.decode("session_number", as: Int.self))"
        courseCode = try row.decode("course_code")
        courseTitle = try row.decode("course_title")
        holderName = try row.decode("holder_name")
        organisation = try row.decode("organisation")
        issuedOn = try LocalDate.stored(try row.decode("issued_on"))
        validThrough = try LocalDate.stored(try row.decode("valid_through"))
        revokedAt = try row.decode("revoked_at")
        revocationReason = try row.decode("revocation_reason")
        status = if revokedAt != nil { "revoked" } else if today > validThrough { "expired" } else if today < issuedOn { "not_yet_valid" } else { "valid" }
    }
}

/// A training requirement as stored: of a call (`scope` call, `target` its code) or of the tranche policy
/// (`scope` tranche, `target` a risk rating or `all`).
public struct TrainingRequirementRecord: Codable, Sendable, Equatable {
    public let scope: String
    public let target: String
    public let courseCode: String
    public let courseTitle: String
    public let minimumStaff: Int

    public init(scope: String, target: String, courseCode: String, courseTitle: String, minimumStaff: Int) {
        self.scope = scope
        self.target = target
        self.courseCode = courseCode
        self.courseTitle = courseTitle
        self.minimumStaff = minimumStaff
    }
}

/// Attendance counts of one group (a gender or an organisation).
public struct AttendanceTally: Codable, Sendable, Equatable {
    public let group: String
    public let registered: Int
    public let attended: Int
    public let passed: Int

    public init(group: String, registered: Int, attended: Int, passed: Int) {
        self.group = group
        self.registered = registered
        self.attended = attended
        self.passed = passed
    }
}

/// Per course: its sessions and the attendance by gender and by organisation.
public struct CourseTrainingReport: Codable, Sendable, Equatable {
    public let course: TrainingCourseRecord
    public let sessions: [TrainingSessionRecord]
    public let byGender: [AttendanceTally]
    public let byOrganisation: [AttendanceTally]
    /// Certificates valid on the report's day.
    public let validCertificates: Int
}

/// Per organisation: who holds which valid certificate until when, and the tranche policy's shortfalls.
public struct OrganisationTrainingReport: Codable, Sendable, Equatable {
    public let organisation: String
    public let name: String
    public let on: LocalDate
    public let certificates: [CertificateRecord]
    public let trancheShortfalls: [TrainingShortfall]
}

/// Filters of ``FundStore/trainingCertificates(_:)``.
public struct CertificateFilter: Sendable, Equatable {
    /// Organisation code.
    public var organisation: String?
    /// Course code.
    public var course: String?
    /// Also expired and revoked certificates.
    public var includeInvalid: Bool
    public var limit: Int
    /// Where the page starts: the previous page's ``Page/next``; nil for the first page.
    public var after: PageCursor?

    public init(organisation: String? = nil, course: String? = nil, includeInvalid: Bool = false, limit: Int = 100, after: PageCursor? = nil) {
        self.organisation = organisation
        self.course = course
        self.includeInvalid = includeInvalid
        self.limit = limit
        self.after = after
    }
}

/// The audit stream names of training.
extension Streams {
    public static func trainingCourse(_ code: String) -> String { "training_course:\(code)" }
    public static func trainingSession(_ reference: String) -> String { "training_session:\(reference)" }
    public static func trainingCertificate(_ reference: String) -> String { "training_certificate:\(reference)" }
    public static let trainingPolicy = "training_policy"
}
