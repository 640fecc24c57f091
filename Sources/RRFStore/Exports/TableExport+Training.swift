import Postgres
import RRFWorkflow

/// The training aggregates of `rrfctl export csv` (formats in ``ExportAggregate``).
extension ExportTable {
    /// Every course by code.
    static let courses = ExportTable(
        headers: ["code", "title", "validity_months", "description"],
        select: "SELECT code, title, validity_months, description FROM training_courses ORDER BY code",
        count: "SELECT count(*)::int AS n FROM training_courses"
    ) { row, _ in
        [try row.decode("code"), try row.decode("title"), "\(try row.decode("validity_months", as: Int.self))", try row.decode("description")]
    }

    /// Every session with its participant counts.
    static let sessions = ExportTable(
        headers: [
            "session", "course", "start_date", "end_date", "place", "trainer", "capacity", "state", "participants", "attended", "passed",
            "cancel_reason",
        ],
        select: TrainingSessionRecord.select + " ORDER BY s.number",
        count: "SELECT count(*)::int AS n FROM training_sessions"
    ) { row, _ in
        let session = try TrainingSessionRecord(row: row)
        return [
            session.reference, session.course.code, session.startDate.description, session.endDate.description, session.place,
            session.trainer, "\(session.capacity)", session.state, "\(session.participants)", "\(session.attended)", "\(session.passed)",
            session.cancelReason ?? "",
        ]
    }

    /// The columns of a sign-in sheet, so that an export can be corrected and imported into another session.
    static let attendance = ExportTable(
        headers: ["session", "course", "name", "organisation", "role", "gender", "attended", "passed", "score"],
        select: """
            SELECT s.number, c.code AS course, a.name, o.code AS organisation, a.role, a.gender, a.attended, a.passed,
                   coalesce(a.score::text, '') AS score
            FROM training_attendance a JOIN training_sessions s ON s.id = a.session_id JOIN training_courses c ON c.id = s.course_id
                 JOIN organisations o ON o.id = a.organisation_id
            ORDER BY s.number, o.code, a.name_key
            """,
        count: "SELECT count(*)::int AS n FROM training_attendance"
    ) { row, _ in
        [
            "TS-\(try row.decode("number", as: Int.self))", try row.decode("course"), try row.decode("name"), try row.decode("organisation"),
            try row.decode("role"), try row.decode("gender"), try row.decode("attended", as: Bool.self) ? "yes" : "no",
            try row.decode("passed", as: Bool.self) ? "yes" : "no", try row.decode("score"),
        ]
    }

    /// Certificates with the status ``CertificateRecord`` gives them on the day of the export.
    static let certificates = ExportTable(
        headers: [
            "certificate", "holder", "organisation", "gender", "course", "session", "issued_on", "valid_through", "status", "revoked_at",
            "revocation_reason",
        ],
        select: """
            SELECT \(CertificateRecord.columns), a.gender, coalesce(\(ExportTable.utc("t.revoked_at")), '') AS revoked_at_utc
            FROM \(CertificateRecord.tables) JOIN training_attendance a ON a.id = t.attendance_id
            ORDER BY t.number
            """,
        count: "SELECT count(*)::int AS n FROM training_certificates"
    ) { row, today in
        let certificate = try CertificateRecord(row: row, today: today)
        return [
            certificate.reference, certificate.holderName, certificate.organisation, try row.decode("gender"), certificate.courseCode,
            certificate.session, certificate.issuedOn.description, certificate.validThrough.description, certificate.status,
            try row.decode("revoked_at_utc"), certificate.revocationReason ?? "",
        ]
    }
}
