import Foundation
import JobQueue
import Postgres
import RRFWorkflow

// Training records (issue #6): courses, sessions, attendance, certificates, the training requirements of calls and
// of the tranche policy, and the reports. Tables in sql/0006_training.sql.

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
    /// scheduled | held | closed | cancelled
    public let state: String
    public let cancelReason: String?
    public let participants: Int
    public let attended: Int
    public let passed: Int
    public let version: Int

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
        state = try row.decode("state")
        cancelReason = try row.decode("cancel_reason")
        participants = try row.decode("participants")
        attended = try row.decode("attended")
        passed = try row.decode("passed")
        version = try row.decode("version")
    }

    func plan() throws -> SessionPlan {
        SessionPlan(course: try course.course(), startDate: startDate, endDate: endDate, place: place, trainerID: UserID(trainerID))
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
    public var offset: Int

    public init(organisation: String? = nil, course: String? = nil, includeInvalid: Bool = false, limit: Int = 100, offset: Int = 0) {
        self.organisation = organisation
        self.course = course
        self.includeInvalid = includeInvalid
        self.limit = limit
        self.offset = offset
    }
}

/// The audit stream names of training.
extension Streams {
    public static func trainingCourse(_ code: String) -> String { "training_course:\(code)" }
    public static func trainingSession(_ reference: String) -> String { "training_session:\(reference)" }
    public static func trainingCertificate(_ reference: String) -> String { "training_certificate:\(reference)" }
    public static let trainingPolicy = "training_policy"
}

extension FundStore {
    // MARK: Courses

    /// Adds a course (secretariat). `code` e.g. `PSEA`; certificates stay valid `validityMonths` months.
    public func addTrainingCourse(
        code: String, title: String, description: String = "", validityMonths: Int, as login: String
    ) throws -> TrainingCourseRecord {
        try trainingCommand("training.course_add", as: login) { context in
            try context.actor.require(.secretariat, to: "add a training course")
            let code = code.trimmingCharacters(in: .whitespaces).uppercased()
            let title = try Validate.text(title, field: "course title", maximum: 300)
            let description = description.trimmingCharacters(in: .whitespacesAndNewlines)
            guard description.count <= 5000, !description.contains("\u{0}") else {
                throw StoreError.rejected("course_description_invalid", "The course description must have at most 5,000 characters and no NUL character.")
            }
            let course = try parsedRule { () throws(WorkflowRejection) in try Course(id: CourseID(UUID()), code: code, title: title, validityMonths: validityMonths) }
            guard course.validityMonths <= 240 else {
                throw StoreError.rejected("course_invalid", "A certificate can stay valid for at most 240 months; give a shorter validity.")
            }
            try context.connection.query(
                "INSERT INTO training_courses (id, code, title, description, validity_months) VALUES ($1, $2, $3, $4, $5)",
                [course.id.uuid, course.code, course.title, description, course.validityMonths]
            )
            let record = try loadCourse(code, on: context.connection)
            try context.audit(Streams.trainingCourse(record.code), "training.course_added", record)
            return record
        }
    }

    /// Every course, by code.
    public func trainingCourses() throws -> [TrainingCourseRecord] {
        try read("training.course_list") { connection in
            try connection.query("SELECT \(TrainingCourseRecord.columns) FROM training_courses c ORDER BY c.code").rows.map(TrainingCourseRecord.init(row:))
        }
    }

    // MARK: Sessions

    /// Schedules a session of a course (secretariat, or a trainer scheduling their own session). `trainer` is the
    /// login of a user with the trainer role.
    public func scheduleTrainingSession(
        course: String, startDate: LocalDate, endDate: LocalDate, place: String, trainer: String, capacity: Int, as login: String
    ) throws -> TrainingSessionRecord {
        try trainingCommand("training.session_schedule", as: login) { context in
            try context.actor.require(.secretariat, .trainer, to: "schedule a training session")
            let course = try loadCourse(course, on: context.connection)
            let trainerActor = try resolveActor(trainer, on: context.connection)
            guard trainerActor.has(.trainer) else {
                throw StoreError.rejected("trainer_role_required", "\(trainerActor.displayName) is not a trainer; give the login of a user with the trainer role.")
            }
            guard context.actor.has(.secretariat) || context.actor.userID == trainerActor.userID else {
                throw StoreError(.forbidden, code: "not_session_trainer", "A trainer schedules only their own sessions; the secretariat schedules sessions for others.")
            }
            guard endDate >= startDate else {
                throw StoreError.rejected("session_dates_invalid", "The session ends (\(endDate)) before it starts (\(startDate)); check the dates.")
            }
            guard (1...1000).contains(capacity) else {
                throw StoreError.rejected("capacity_invalid", "The capacity \(capacity) is not accepted; give 1 to 1000 participants.")
            }
            let place = try Validate.text(place, field: "place", maximum: 300)
            let id = UUID()
            try context.connection.query(
                """
                INSERT INTO training_sessions (id, course_id, start_date, end_date, place, trainer_id, capacity)
                VALUES ($1, $2, $3::date, $4::date, $5, $6, $7)
                """,
                [id, course.id, startDate.description, endDate.description, place, trainerActor.userID.uuid, capacity]
            )
            let record = try loadSession(id: id, lock: .unlocked, on: context.connection)
            try context.audit(Streams.trainingSession(record.reference), "training.session_scheduled", record)
            return record
        }
    }

    /// Records one participant of a scheduled or held session (the session's trainer or the secretariat).
    public func recordAttendance(session: String, _ participant: ParticipantInput, as login: String) throws -> AttendanceRecord {
        try trainingCommand("training.attend", as: login) { context in
            let session = try loadSession(session, lock: .update, on: context.connection)
            try requireAttendanceOpen(session, context: context)
            let rows = try insertAttendance(session, [(0, participant)], context: context)
            try context.audit(Streams.trainingSession(session.reference), "training.attendance_recorded", rows)
            return rows[0]
        }
    }

    /// Imports the attendance of a sign-in sheet (CSV, see ``TrainingSheet``) into a scheduled or held session, all or
    /// nothing: any problem refuses the whole sheet with `attendance_sheet_invalid` and a line-numbered report.
    /// The same person (normalised name + organisation) twice in the sheet, or already recorded, is a problem.
    public func importAttendance(session: String, csv: String, as login: String) throws -> [AttendanceRecord] {
        try trainingCommand("training.import", as: login) { context in
            let session = try loadSession(session, lock: .update, on: context.connection)
            try requireAttendanceOpen(session, context: context)
            let (participants, problems) = TrainingSheet.read(csv)
            guard problems.isEmpty else { throw Self.sheetRefusal(problems) }
            let rows = try insertAttendance(session, participants, context: context)
            try context.audit(Streams.trainingSession(session.reference), "training.attendance_imported", rows)
            return rows
        }
    }

    /// Marks the session held once it has started, with the attendance recorded so far (its trainer or the secretariat).
    public func recordTrainingSessionHeld(_ session: String, expectedVersion: Int? = nil, as login: String) throws -> TrainingSessionRecord {
        try sessionCommand("training.session_held", session, expectedVersion: expectedVersion, as: login) { machine, loaded, attendance, context in
            let attendedOnly = attendance.filter(\.attended).map(Self.workflowAttendance)
            let action = try machine.recordHeld(attendance: attendedOnly, on: context.today, by: context.actor)
            guard case .recordAttendance = action else { throw Self.unexpected(action) }
            try updateSession(loaded, state: machine.state.name, context: context)
            let record = try loadSession(id: loaded.id, lock: .unlocked, on: context.connection)
            try context.audit(Streams.trainingSession(record.reference), "training.session_held", record)
            return record
        }
    }

    /// Closes a held session (its trainer or the secretariat): a certificate for each participant who passed, issued
    /// on the session's last day and valid for the course's validity; enqueues
    /// ``JobKinds/trainingCertificatesChanged`` for each organisation concerned, now and when the certificates lapse.
    public func closeTrainingSession(_ session: String, expectedVersion: Int? = nil, as login: String) throws -> TrainingSessionRecord {
        try sessionCommand("training.session_close", session, expectedVersion: expectedVersion, as: login) { machine, loaded, attendance, context in
            // The machine's held state carries the attendance rows as they are now (more may have been recorded since).
            let attendedRows = attendance.filter(\.attended)
            let action = try machine.close(by: context.actor)
            guard case .issueCertificates(let grants) = action else { throw Self.unexpected(action) }
            let passedRows = attendedRows.filter(\.passed)
            guard passedRows.count == grants.count else {
                throw StoreError(.internal, code: "unexpected_action", "The session machine issued \(grants.count) certificates for \(passedRows.count) passes; this is a defect, please report it.")
            }
            try updateSession(loaded, state: machine.state.name, context: context)
            for (row, grant) in zip(passedRows, grants) {
                try context.connection.query(
                    """
                    INSERT INTO training_certificates (id, attendance_id, session_id, course_id, organisation_id, holder_name, holder_key,
                        issued_on, valid_through)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8::date, $9::date)
                    """,
                    [UUID(), row.id, loaded.id, loaded.course.id, grant.organisationID.uuid, grant.holderName,
                     TrainingSheet.personKey(grant.holderName), grant.issuedOn.description, grant.validThrough.description]
                )
            }
            let record = try loadSession(id: loaded.id, lock: .unlocked, on: context.connection)
            try context.audit(Streams.trainingSession(record.reference), "training.session_closed", record)
            var seen = Set<UUID>()
            for row in passedRows where seen.insert(row.organisationID).inserted {
                try enqueueCertificatesChanged(organisationID: row.organisationID, code: row.organisation, context: context)
                if let lapse = grants.first(where: { $0.organisationID.uuid == row.organisationID })?.validThrough.adding(days: 1) {
                    try enqueueCertificatesChanged(organisationID: row.organisationID, code: row.organisation, lapsingOn: lapse, context: context)
                }
            }
            return record
        }
    }

    /// Cancels a scheduled session with a reason (its trainer or the secretariat); the secretariat and the
    /// organisations of registered participants are notified.
    public func cancelTrainingSession(_ session: String, reason: String, expectedVersion: Int? = nil, as login: String) throws -> TrainingSessionRecord {
        try sessionCommand("training.session_cancel", session, expectedVersion: expectedVersion, as: login) { machine, loaded, attendance, context in
            let action = try machine.cancel(reason: reason, by: context.actor)
            guard case .notifyCancellation(let reason) = action else { throw Self.unexpected(action) }
            try updateSession(loaded, state: machine.state.name, cancelReason: reason, context: context)
            let record = try loadSession(id: loaded.id, lock: .unlocked, on: context.connection)
            let stream = Streams.trainingSession(record.reference)
            try context.audit(stream, "training.session_cancelled", record)
            let message = "Training session \(record.reference) (\(record.course.code), \(record.startDate), \(record.place)) is cancelled: \(reason)"
            try context.notify(NotifyPayload(
                event: "training.session_cancelled", stream: stream, organisationID: nil, roles: [Role.secretariat.rawValue], message: message
            ))
            for organisationID in Set(attendance.map(\.organisationID)).sorted(by: { $0.uuidString < $1.uuidString }) {
                try context.notify(NotifyPayload(
                    event: "training.session_cancelled", stream: stream, organisationID: organisationID.uuidString.lowercased(),
                    roles: [Role.ngoUser.rawValue], message: message
                ))
            }
            return record
        }
    }

    /// One session by reference (`TS-12` or `12`).
    public func trainingSession(_ reference: String) throws -> TrainingSessionRecord {
        try read("training.session_show") { connection in try loadSession(reference, lock: .unlocked, on: connection) }
    }

    /// The attendance of a session, by name.
    public func trainingAttendance(session reference: String) throws -> [AttendanceRecord] {
        try read("training.session_show") { connection in
            let session = try loadSession(reference, lock: .unlocked, on: connection)
            return try attendanceRows(sessionID: session.id, on: connection)
        }
    }

    /// Sessions, latest first, optionally of one course and/or in one state.
    public func trainingSessions(course: String? = nil, state: String? = nil, limit: Int = 100, offset: Int = 0) throws -> [TrainingSessionRecord] {
        try read("training.session_list") { connection in
            try connection.query(
                TrainingSessionRecord.select + """
                 WHERE ($1::text IS NULL OR c.code = upper(btrim($1))) AND ($2::text IS NULL OR s.state = $2)
                ORDER BY s.start_date DESC, s.number DESC LIMIT $3 OFFSET $4
                """,
                [course, state, Validate.limit(limit), Validate.offset(offset)]
            ).rows.map(TrainingSessionRecord.init(row:))
        }
    }

    // MARK: Certificates

    /// Revokes a certificate with a reason (secretariat); it no longer counts for any requirement.
    public func revokeCertificate(_ reference: String, reason: String, as login: String) throws -> CertificateRecord {
        try trainingCommand("training.certificate_revoke", as: login) { context in
            try context.actor.require(.secretariat, to: "revoke a certificate")
            let reason = try Validate.text(reason, field: "reason", maximum: 2000)
            let number = try Self.referenceNumber(reference, prefix: "TC", what: "certificate")
            guard let row = try context.connection.query(
                "SELECT id, organisation_id, revoked_at FROM training_certificates WHERE number = $1 FOR UPDATE", [number]
            ).first else {
                throw StoreError.notFound("No certificate has the reference \(reference); list them with `rrfctl training certificate list`.")
            }
            guard try row.decode("revoked_at", as: Date?.self) == nil else {
                throw StoreError.rejected("certificate_already_revoked", "The certificate TC-\(number) is already revoked.")
            }
            let id: UUID = try row.decode("id")
            try context.connection.query(
                "UPDATE training_certificates SET revoked_at = $2, revoked_by = $3, revocation_reason = $4 WHERE id = $1",
                [id, context.now, context.actor.userID.uuid, reason]
            )
            let record = try CertificateRecord(row: context.connection.query(CertificateRecord.select + " WHERE t.id = $1", [id]).single(), today: context.today)
            try context.audit(Streams.trainingCertificate(record.reference), "training.certificate_revoked", record)
            try enqueueCertificatesChanged(organisationID: try row.decode("organisation_id"), code: record.organisation, context: context)
            return record
        }
    }

    /// Certificates matching the filter (by default only those valid today), by organisation, course and holder.
    public func trainingCertificates(_ filter: CertificateFilter = CertificateFilter()) throws -> [CertificateRecord] {
        let today = self.today
        return try read("training.certificate_list") { connection in
            try connection.query(
                CertificateRecord.select + """
                 WHERE ($1::text IS NULL OR o.code = upper(btrim($1))) AND ($2::text IS NULL OR c.code = upper(btrim($2)))
                   AND ($3 OR (t.revoked_at IS NULL AND $4::date BETWEEN t.issued_on AND t.valid_through))
                ORDER BY o.code, c.code, t.holder_key, t.valid_through DESC LIMIT $5 OFFSET $6
                """,
                [filter.organisation, filter.course, filter.includeInvalid, today.description, Validate.limit(filter.limit), Validate.offset(filter.offset)]
            ).rows.map { try CertificateRecord(row: $0, today: today) }
        }
    }

    /// Unrevoked certificates whose last valid day falls within the next `days` days (today included), soonest first.
    public func expiringCertificates(withinDays days: Int) throws -> [CertificateRecord] {
        guard (0...3660).contains(days) else {
            throw StoreError.rejected("days_invalid", "The number of days \(days) is not accepted; give 0 to 3660.")
        }
        let today = self.today
        return try read("training.certificate_expiring") { connection in
            try connection.query(
                CertificateRecord.select + """
                 WHERE t.revoked_at IS NULL AND t.issued_on <= $1::date AND t.valid_through BETWEEN $1::date AND $2::date
                ORDER BY t.valid_through, o.code, t.holder_key
                """,
                [today.description, today.adding(days: days).description]
            ).rows.map { try CertificateRecord(row: $0, today: today) }
        }
    }

    // MARK: Requirements

    /// Sets (or, with `minimumStaff` 0, removes) a call's requirement that a submitting organisation has at least
    /// `minimumStaff` staff with a valid certificate of `course` (secretariat; the call must not be closed yet).
    public func setCallTrainingRequirement(call: String, course: String, minimumStaff: Int, as login: String) throws -> [TrainingRequirementRecord] {
        try trainingCommand("training.requirement_call", as: login) { context in
            try context.actor.require(.secretariat, to: "set a call's training requirements")
            let call = try loadCallForUpdate(call, on: context.connection)
            guard call.state == "draft" || call.state == "open" else {
                throw StoreError.rejected("call_not_editable", "The call \(call.code) is \(call.state); training requirements can change only while it is draft or open.")
            }
            let course = try loadCourse(course, on: context.connection)
            try Self.requireMinimum(minimumStaff)
            if minimumStaff == 0 {
                try context.connection.query("DELETE FROM call_training_requirements WHERE call_id = $1 AND course_id = $2", [call.id, course.id])
            } else {
                try context.connection.query(
                    """
                    INSERT INTO call_training_requirements (call_id, course_id, minimum_staff) VALUES ($1, $2, $3)
                    ON CONFLICT (call_id, course_id) DO UPDATE SET minimum_staff = EXCLUDED.minimum_staff
                    """,
                    [call.id, course.id, minimumStaff]
                )
            }
            let records = try requirementRecords(call: call.code, on: context.connection)
            try context.audit(Streams.call(call.code), "training.call_requirement_set", TrainingRequirementRecord(
                scope: "call", target: call.code, courseCode: course.code, courseTitle: course.title, minimumStaff: minimumStaff
            ))
            return records
        }
    }

    /// Sets (or, with `minimumStaff` 0, removes) the tranche policy's training requirement for organisations of a
    /// risk rating (nil: every rating) (secretariat or fund manager).
    public func setTrancheTrainingRequirement(risk: RiskRating?, course: String, minimumStaff: Int, as login: String) throws -> [TrainingRequirementRecord] {
        try trainingCommand("training.requirement_tranche", as: login) { context in
            try context.actor.require(.secretariat, .fundManager, to: "set the tranche policy's training requirements")
            let course = try loadCourse(course, on: context.connection)
            try Self.requireMinimum(minimumStaff)
            let scope = risk?.rawValue ?? "all"
            if minimumStaff == 0 {
                try context.connection.query("DELETE FROM tranche_training_requirements WHERE risk = $1 AND course_id = $2", [scope, course.id])
            } else {
                try context.connection.query(
                    """
                    INSERT INTO tranche_training_requirements (risk, course_id, minimum_staff) VALUES ($1, $2, $3)
                    ON CONFLICT (risk, course_id) DO UPDATE SET minimum_staff = EXCLUDED.minimum_staff
                    """,
                    [scope, course.id, minimumStaff]
                )
            }
            try context.audit(Streams.trainingPolicy, "training.tranche_requirement_set", TrainingRequirementRecord(
                scope: "tranche", target: scope, courseCode: course.code, courseTitle: course.title, minimumStaff: minimumStaff
            ))
            return try requirementRecords(call: nil, on: context.connection)
        }
    }

    /// The requirements of a call (`call` its code) or, with nil, of the tranche policy.
    public func trainingRequirements(call: String? = nil) throws -> [TrainingRequirementRecord] {
        try read("training.requirements") { connection in
            if let call { _ = try loadCall(call, lock: .unlocked, on: connection) }
            return try requirementRecords(call: call, on: connection)
        }
    }

    /// The tranche policy's training requirements the organisation does not meet on `date`, for its risk rating
    /// (requirements for `all` ratings always apply; when both apply to a course, the larger number counts).
    /// Runs on the caller's connection, inside its transaction (for the tranche conditions of the grants).
    public func trainingShortfalls(organisationID: OrganisationID, on date: LocalDate, connection: Connection) throws -> [TrainingShortfall] {
        let requirements = try trainingRequirements(
            """
            SELECT \(TrainingCourseRecord.columns), max(r.minimum_staff)::int AS minimum_staff
            FROM tranche_training_requirements r JOIN training_courses c ON c.id = r.course_id
            WHERE r.risk = 'all' OR r.risk = (SELECT risk FROM organisations WHERE id = $1)
            GROUP BY c.id ORDER BY c.code
            """,
            [organisationID.uuid], on: connection
        )
        return try shortfalls(requirements, organisationID: organisationID, on: date, connection: connection)
    }

    /// The tranche policy's shortfalls of the organisation (its code) on `date`.
    public func trainingShortfalls(organisationCode: String, on date: LocalDate) throws -> [TrainingShortfall] {
        try read("training.shortfalls") { connection in
            let organisation = try loadOrganisation(organisationCode, lock: .unlocked, on: connection)
            return try trainingShortfalls(organisationID: OrganisationID(organisation.id), on: date, connection: connection)
        }
    }

    /// A call's training requirements the organisation (its code) does not meet on `date`.
    public func callTrainingShortfalls(organisationCode: String, call: String, on date: LocalDate) throws -> [TrainingShortfall] {
        try read("training.shortfalls") { connection in
            let organisation = try loadOrganisation(organisationCode, lock: .unlocked, on: connection)
            let call = try loadCall(call, lock: .unlocked, on: connection)
            return try callTrainingShortfalls(organisationID: OrganisationID(organisation.id), callID: call.id, on: date, connection: connection)
        }
    }

    /// The submission hook: refuses with `training_requirement_unmet`, naming each missing course, when the
    /// organisation does not meet the call's training requirements today.
    func requireCallTraining(organisation: OrganisationRecord, call: CallRecord, context: CommandContext) throws {
        let shortfalls = try callTrainingShortfalls(
            organisationID: OrganisationID(organisation.id), callID: call.id, on: context.today, connection: context.connection
        )
        guard shortfalls.isEmpty else {
            throw StoreError.rejected(
                "training_requirement_unmet",
                "\(organisation.code) cannot submit to call \(call.code) yet: " + shortfalls.map(\.description).joined(separator: " ")
                    + " Staff must pass the course in a training session first."
            )
        }
    }

    // MARK: Reports

    /// Per organisation: the certificates valid today (who is trained in what, until when) and the tranche
    /// policy's shortfalls.
    public func organisationTrainingReport(_ code: String) throws -> OrganisationTrainingReport {
        let today = self.today
        return try read("training.report_organisation") { connection in
            let organisation = try loadOrganisation(code, lock: .unlocked, on: connection)
            let certificates = try connection.query(
                CertificateRecord.select + """
                 WHERE t.organisation_id = $1 AND t.revoked_at IS NULL AND $2::date BETWEEN t.issued_on AND t.valid_through
                ORDER BY t.holder_key, c.code, t.valid_through DESC
                """,
                [organisation.id, today.description]
            ).rows.map { try CertificateRecord(row: $0, today: today) }
            return OrganisationTrainingReport(
                organisation: organisation.code, name: organisation.name, on: today, certificates: certificates,
                trancheShortfalls: try trainingShortfalls(organisationID: OrganisationID(organisation.id), on: today, connection: connection)
            )
        }
    }

    /// Per course: its sessions and the attendance (of sessions not cancelled) by gender and by organisation.
    public func courseTrainingReport(_ code: String) throws -> CourseTrainingReport {
        let today = self.today
        return try read("training.report_course") { connection in
            let course = try loadCourse(code, on: connection)
            let sessions = try connection.query(
                TrainingSessionRecord.select + " WHERE s.course_id = $1 ORDER BY s.start_date, s.number", [course.id]
            ).rows.map(TrainingSessionRecord.init(row:))
            func tally(_ group: String) throws -> [AttendanceTally] {
                try connection.query(
                    """
                    SELECT \(group) AS grp, count(*)::int AS registered, count(*) FILTER (WHERE a.attended)::int AS attended,
                           count(*) FILTER (WHERE a.passed)::int AS passed
                    FROM training_attendance a JOIN training_sessions s ON s.id = a.session_id JOIN organisations o ON o.id = a.organisation_id
                    WHERE s.course_id = $1 AND s.state <> 'cancelled'
                    GROUP BY 1 ORDER BY 1
                    """,
                    [course.id]
                ).rows.map {
                    AttendanceTally(group: try $0.decode("grp"), registered: try $0.decode("registered"), attended: try $0.decode("attended"), passed: try $0.decode("passed"))
                }
            }
            let valid = try connection.query(
                """
                SELECT count(*)::int FROM training_certificates
                WHERE course_id = $1 AND revoked_at IS NULL AND $2::date BETWEEN issued_on AND valid_through
                """,
                [course.id, today.description]
            ).single().decode(0, as: Int.self)
            return CourseTrainingReport(
                course: course, sessions: sessions,
                byGender: try tally("coalesce(nullif(lower(btrim(a.gender)), ''), 'not stated')"), byOrganisation: try tally("o.code"),
                validCertificates: valid
            )
        }
    }

    // MARK: Internals

    /// A command whose violated training constraints become sentences.
    private func trainingCommand<T>(_ name: String, as login: String, _ body: (CommandContext) throws -> T) throws -> T {
        try command(name, as: login) { context in
            do {
                return try body(context)
            } catch let error as PostgresError {
                if let constraint = error.constraint, let sentence = Self.trainingConstraintSentences[constraint] {
                    throw StoreError(.rejected, code: sentence.code, sentence.message, underlying: error)
                }
                throw error
            }
        }
    }

    static let trainingConstraintSentences: [String: (code: String, message: String)] = [
        "training_courses_code_key": ("course_code_taken", "Another course already has this code; choose a different code."),
        "training_courses_code_format": ("course_code_invalid", "A course code is 2 to 32 capital letters, digits, '-' or '_', e.g. PSEA or FIN-MGMT."),
        "training_attendance_person_key": ("participant_duplicate", "This participant is already recorded in the session."),
        "training_attendance_name_length": ("participant_name_invalid", "A participant's name must have 1 to 200 characters."),
        "training_attendance_role_length": ("participant_role_invalid", "A participant's role must have at most 200 characters."),
        "training_attendance_gender_length": ("participant_gender_invalid", "A participant's gender must have at most 50 characters."),
        "training_attendance_score_range": ("score_invalid", "A score must be from 0 to 100."),
        "training_attendance_pass_needs_attendance": ("pass_without_attendance", "A participant who did not attend cannot pass."),
    ]

    private func sessionCommand(
        _ name: String, _ reference: String, expectedVersion: Int?, as login: String,
        _ body: (inout TrainingSessionMachine, TrainingSessionRecord, [AttendanceRecord], CommandContext) throws -> TrainingSessionRecord
    ) throws -> TrainingSessionRecord {
        try trainingCommand(name, as: login) { context in
            let loaded = try loadSession(reference, lock: .update, on: context.connection)
            try context.requireVersion(loaded.version, expected: expectedVersion, of: "The training session \(loaded.reference)")
            let attendance = try attendanceRows(sessionID: loaded.id, on: context.connection)
            let plan = try loaded.plan()
            let attended = attendance.filter(\.attended).map(Self.workflowAttendance)
            let state: TrainingSessionMachine.State = switch loaded.state {
            case "held": .held(plan, attended)
            case "closed": .closed(plan, attended)
            case "cancelled": .cancelled(plan, reason: loaded.cancelReason ?? "")
            default: .scheduled(plan)
            }
            var machine = TrainingSessionMachine(state: state)
            return try body(&machine, loaded, attendance, context)
        }
    }

    private func updateSession(_ loaded: TrainingSessionRecord, state: String, cancelReason: String? = nil, context: CommandContext) throws {
        try context.updateVersioned(
            "UPDATE training_sessions SET state = $3, cancel_reason = $4, version = version + 1 WHERE id = $1 AND version = $2",
            [loaded.id, loaded.version, state, cancelReason], what: "The training session \(loaded.reference)"
        )
    }

    private static func workflowAttendance(_ row: AttendanceRecord) -> Attendance {
        Attendance(name: row.name, organisationID: OrganisationID(row.organisationID), role: row.role, gender: row.gender, passed: row.attended && row.passed)
    }

    private static func unexpected(_ action: TrainingSessionMachine.Action) -> StoreError {
        StoreError(.internal, code: "unexpected_action", "The training session machine answered with \(action); this is a defect, please report it.")
    }

    /// Attendance may be recorded while the session is scheduled or held, by its trainer or the secretariat.
    private func requireAttendanceOpen(_ session: TrainingSessionRecord, context: CommandContext) throws {
        try context.actor.require(.trainer, .secretariat, to: "record training attendance")
        guard context.actor.has(.secretariat) || context.actor.userID.uuid == session.trainerID else {
            throw StoreError(.forbidden, code: "not_session_trainer", "\(context.actor.displayName) is not the trainer of \(session.reference); its trainer or the secretariat must record the attendance.")
        }
        guard session.state == "scheduled" || session.state == "held" else {
            throw StoreError.rejected("session_attendance_closed", "The session \(session.reference) is \(session.state); attendance can be recorded only while it is scheduled or held.")
        }
    }

    /// Inserts the participants (with the line each came from, 0 for a single one), refusing all of them with a
    /// line-numbered report when any is unknown, duplicated or beyond the capacity.
    private func insertAttendance(
        _ session: TrainingSessionRecord, _ participants: [(line: Int, participant: ParticipantInput)], context: CommandContext
    ) throws -> [AttendanceRecord] {
        let codes = Array(Set(participants.map { $0.participant.organisation.trimmingCharacters(in: .whitespaces).uppercased() }))
        var organisations: [String: UUID] = [:]
        for row in try context.connection.query("SELECT id, code FROM organisations WHERE code = ANY($1::text[])", [codes]).rows {
            organisations[try row.decode("code")] = try row.decode("id")
        }
        var recorded: [String: Bool] = [:]
        for row in try context.connection.query(
            "SELECT organisation_id::text || ':' || name_key AS person FROM training_attendance WHERE session_id = $1", [session.id]
        ).rows {
            recorded[try row.decode("person")] = true
        }
        var problems: [SheetProblem] = []
        var firstLine: [String: Int] = [:]
        var rows: [(id: UUID, name: String, key: String, organisationID: UUID, participant: ParticipantInput)] = []
        for (line, participant) in participants {
            let name = TrainingSheet.displayName(participant.name)
            let code = participant.organisation.trimmingCharacters(in: .whitespaces).uppercased()
            var lineProblems: [String] = []
            if name.isEmpty { lineProblems.append("the name is empty") }
            if name.count > 200 || name.contains("\u{0}") { lineProblems.append("the name must have at most 200 characters and no NUL character") }
            if participant.role.count > 200 || participant.role.contains("\u{0}") { lineProblems.append("the role must have at most 200 characters") }
            if participant.gender.count > 50 || participant.gender.contains("\u{0}") { lineProblems.append("the gender must have at most 50 characters") }
            if let score = participant.score, !(score.isFinite && (0...100).contains(score)) { lineProblems.append("the score must be from 0 to 100") }
            if participant.passed && !participant.attended { lineProblems.append("a participant who did not attend cannot pass") }
            guard let organisationID = organisations[code] else {
                lineProblems.append("no organisation has the code \"\(participant.organisation)\"")
                problems.append(SheetProblem(line: line, message: lineProblems.joined(separator: "; ") + "."))
                continue
            }
            let key = TrainingSheet.personKey(name)
            let person = organisationID.uuidString.lowercased() + ":" + key
            if recorded[person] != nil {
                lineProblems.append("\(name) of \(code) is already recorded in \(session.reference)")
            } else if let first = firstLine[person] {
                lineProblems.append("\(name) of \(code) is already on line \(first)")
            } else {
                firstLine[person] = line
            }
            if lineProblems.isEmpty {
                rows.append((UUID(), name, key, organisationID, participant))
            } else {
                problems.append(SheetProblem(line: line, message: lineProblems.joined(separator: "; ") + "."))
            }
        }
        if problems.isEmpty, session.participants + rows.count > session.capacity {
            problems.append(SheetProblem(line: 0, message: "\(session.reference) has room for \(session.capacity) participants and \(session.participants) are recorded; \(rows.count) more do not fit."))
        }
        guard problems.isEmpty else {
            if participants.count == 1, participants[0].line == 0 {
                throw StoreError.rejected("participant_invalid", problems[0].message.prefix(1).uppercased() + problems[0].message.dropFirst())
            }
            throw Self.sheetRefusal(problems)
        }
        for row in rows {
            try context.connection.query(
                """
                INSERT INTO training_attendance (id, session_id, name, name_key, organisation_id, role, gender, attended, passed, score,
                    recorded_by, recorded_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                """,
                [row.id, session.id, row.name, row.key, row.organisationID, row.participant.role.trimmingCharacters(in: .whitespacesAndNewlines),
                 row.participant.gender.trimmingCharacters(in: .whitespacesAndNewlines), row.participant.attended, row.participant.passed,
                 row.participant.score, context.actor.userID.uuid, context.now]
            )
        }
        return try context.connection.query(AttendanceRecord.select + " WHERE a.id = ANY($1::uuid[])", [rows.map(\.id)]).rows
            .map(AttendanceRecord.init(row:))
            .sorted { lhs, rhs in rows.firstIndex { $0.id == lhs.id }! < rows.firstIndex { $0.id == rhs.id }! }
    }

    static func sheetRefusal(_ problems: [SheetProblem]) -> StoreError {
        StoreError.rejected(
            "attendance_sheet_invalid",
            "The attendance sheet was not imported (nothing was recorded); fix \(problems.count == 1 ? "this problem" : "these \(problems.count) problems") and import it again:\n"
                + problems.map { "  \($0)" }.joined(separator: "\n")
        )
    }

    private func attendanceRows(sessionID: UUID, on connection: Connection) throws -> [AttendanceRecord] {
        try connection.query(AttendanceRecord.select + " WHERE a.session_id = $1 ORDER BY a.name_key, o.code, a.id", [sessionID]).rows
            .map(AttendanceRecord.init(row:))
    }

    /// Enqueues ``JobKinds/trainingCertificatesChanged`` for the organisation, now or on the day its certificates lapse.
    func enqueueCertificatesChanged(organisationID: UUID, code: String, lapsingOn: LocalDate? = nil, context: CommandContext) throws {
        let payload = OrganisationJobPayload(organisationID: organisationID.uuidString.lowercased(), code: code)
        if let lapsingOn {
            try context.enqueue(NewJobs.make(
                JobKinds.trainingCertificatesChanged, payload, runAt: lapsingOn.start(utcOffsetMinutes: calendar.utcOffsetMinutes),
                uniqueKey: "training-lapse:\(payload.organisationID):\(lapsingOn)"
            ))
        } else {
            try context.enqueue(NewJobs.make(JobKinds.trainingCertificatesChanged, payload))
        }
    }

    private func callTrainingShortfalls(organisationID: OrganisationID, callID: UUID, on date: LocalDate, connection: Connection) throws -> [TrainingShortfall] {
        let requirements = try trainingRequirements(
            """
            SELECT \(TrainingCourseRecord.columns), r.minimum_staff
            FROM call_training_requirements r JOIN training_courses c ON c.id = r.course_id
            WHERE r.call_id = $1 ORDER BY c.code
            """,
            [callID], on: connection
        )
        return try shortfalls(requirements, organisationID: organisationID, on: date, connection: connection)
    }

    private func trainingRequirements(_ sql: String, _ parameters: [(any PostgresEncodable)?], on connection: Connection) throws -> [TrainingRequirement] {
        try connection.query(sql, parameters).rows.map {
            TrainingRequirement(course: try TrainingCourseRecord(row: $0).course(), minimumStaff: try $0.decode("minimum_staff"))
        }
    }

    /// The unmet requirements, counting unrevoked certificates (valid on `date` per ``Certificate/isValid(on:)``),
    /// each person (normalised name) once.
    private func shortfalls(_ requirements: [TrainingRequirement], organisationID: OrganisationID, on date: LocalDate, connection: Connection) throws -> [TrainingShortfall] {
        guard !requirements.isEmpty else { return [] }
        let certificates = try connection.query(
            """
            SELECT id, course_id, holder_key, issued_on::text AS issued_on, valid_through::text AS valid_through
            FROM training_certificates
            WHERE organisation_id = $1 AND revoked_at IS NULL AND course_id = ANY($2::uuid[])
            """,
            [organisationID.uuid, requirements.map(\.course.id.uuid)]
        ).rows.map {
            Certificate(
                id: CertificateID(try $0.decode("id", as: UUID.self)), courseID: CourseID(try $0.decode("course_id", as: UUID.self)),
                holderName: try $0.decode("holder_key"), organisationID: organisationID,
                issuedOn: try LocalDate.stored(try $0.decode("issued_on")), validThrough: try LocalDate.stored(try $0.decode("valid_through"))
            )
        }
        return TrainingRequirement.shortfalls(requirements, certificates: certificates, organisationID: organisationID, on: date)
    }

    private func requirementRecords(call: String?, on connection: Connection) throws -> [TrainingRequirementRecord] {
        let rows = if let call {
            try connection.query(
                """
                SELECT 'call' AS scope, k.code AS target, c.code AS course_code, c.title AS course_title, r.minimum_staff
                FROM call_training_requirements r JOIN calls k ON k.id = r.call_id JOIN training_courses c ON c.id = r.course_id
                WHERE k.code = upper(btrim($1)) ORDER BY c.code
                """,
                [call]
            ).rows
        } else {
            try connection.query(
                """
                SELECT 'tranche' AS scope, r.risk AS target, c.code AS course_code, c.title AS course_title, r.minimum_staff
                FROM tranche_training_requirements r JOIN training_courses c ON c.id = r.course_id
                ORDER BY array_position(ARRAY['all', 'low', 'medium', 'high'], r.risk), c.code
                """
            ).rows
        }
        return try rows.map {
            TrainingRequirementRecord(
                scope: try $0.decode("scope"), target: try $0.decode("target"), courseCode: try $0.decode("course_code"),
                courseTitle: try $0.decode("course_title"), minimumStaff: try $0.decode("minimum_staff")
            )
        }
    }

    private static func requireMinimum(_ minimumStaff: Int) throws {
        guard (0...1000).contains(minimumStaff) else {
            throw StoreError.rejected("minimum_staff_invalid", "The minimum number of staff \(minimumStaff) is not accepted; give 1 to 1000, or 0 to remove the requirement.")
        }
    }

    private func loadCourse(_ code: String, on connection: Connection) throws -> TrainingCourseRecord {
        guard let row = try connection.query(
            "SELECT \(TrainingCourseRecord.columns) FROM training_courses c WHERE c.code = $1", [code.trimmingCharacters(in: .whitespaces).uppercased()]
        ).first else {
            throw StoreError.notFound("No training course has the code \"\(code)\"; list them with `rrfctl training course list`.")
        }
        return try TrainingCourseRecord(row: row)
    }

    private func loadSession(_ reference: String, lock: RowLock, on connection: Connection) throws -> TrainingSessionRecord {
        let number = try Self.referenceNumber(reference, prefix: "TS", what: "training session")
        guard let id = try connection.query("SELECT id FROM training_sessions WHERE number = $1" + lock.rawValue, [number]).first else {
            throw StoreError.notFound("No training session has the reference \(reference); list them with `rrfctl training session list`.")
        }
        return try loadSession(id: try id.decode("id"), lock: .unlocked, on: connection)
    }

    private func loadSession(id: UUID, lock: RowLock, on connection: Connection) throws -> TrainingSessionRecord {
        try TrainingSessionRecord(row: connection.query(TrainingSessionRecord.select + " WHERE s.id = $1" + lock.rawValue + (lock == .unlocked ? "" : " OF s"), [id]).single())
    }

    /// `TS-12`, `ts-12` or `12` → 12.
    static func referenceNumber(_ text: String, prefix: String, what: String) throws -> Int {
        var text = text.trimmingCharacters(in: .whitespaces).uppercased()
        if text.hasPrefix(prefix + "-") { text.removeFirst(prefix.count + 1) }
        guard let number = Int(text), number > 0, number < Int(Int32.max) else {
            throw StoreError.rejected("reference_invalid", "\"\(text)\" is not a \(what) reference; write it like \(prefix)-12.")
        }
        return number
    }

    private func parsedRule<T>(_ body: () throws(WorkflowRejection) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw StoreError(error)
        }
    }
}
