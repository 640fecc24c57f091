import Foundation
import JobQueue
import Postgres
import RRFWorkflow

// Training records (issue #6): courses, sessions, attendance, certificates, the training requirements of calls and
// of the tranche policy, and the reports. Tables in sql/0006_training.sql; the records in TrainingRecords.swift,
// sessions and attendance in FundStore+TrainingSessions.swift, certificates in FundStore+TrainingCertificates.swift,
// requirements in FundStore+TrainingRequirements.swift.

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
            let description = try Validate.optionalText(description, field: "course description", maximum: TextLimit.comment, shape: .lines)
            let course = try parsedRule { () throws(WorkflowRejection) in try Course(id: CourseID(UUID()), code: code, title: title, validityMonths: validityMonths) }
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
        try read("training.course_list") { connection, _ in
            try connection.query("SELECT \(TrainingCourseRecord.columns) FROM training_courses c ORDER BY c.code").rows.map(TrainingCourseRecord.init(row:))
        }
    }

    // MARK: Reports

    /// Per organisation: the certificates valid today (who is trained in what, until when) and the tranche
    /// policy's shortfalls.
    public func organisationTrainingReport(_ code: String) throws -> OrganisationTrainingReport {
        let today = self.today
        return try read("training.report_organisation") { connection, viewer in
            let organisation = try loadOrganisation(code, lock: .unlocked, on: connection)
            try viewer.require(.organisationTraining(OrganisationID(organisation.id)), notFound: Self.organisationNotFound(code))
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
        return try read("training.report_course") { connection, viewer in
            try viewer.require(.trainingRecords, notFound: Self.trainingStaffOnly)
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
    func trainingCommand<T>(_ name: String, as login: String, _ body: (CommandContext) throws -> T) throws -> T {
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

    func loadCourse(_ code: String, on connection: Connection) throws -> TrainingCourseRecord {
        guard let row = try connection.query(
            "SELECT \(TrainingCourseRecord.columns) FROM training_courses c WHERE c.code = $1", [code.trimmingCharacters(in: .whitespaces).uppercased()]
        ).first else {
            throw StoreError.notFound("No training course has the code \"\(code)\"; list them with `rrfctl training course list`.")
        }
        return try TrainingCourseRecord(row: row)
    }

    func parsedRule<T>(_ body: () throws(WorkflowRejection) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw StoreError(error)
        }
    }
}
