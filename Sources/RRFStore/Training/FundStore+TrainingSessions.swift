import Foundation
import JobQueue
import Postgres
import RRFWorkflow

extension FundStore {
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
            let place = try TrainingSessionMachine.requireSchedulable(
                trainer: trainerActor, from: startDate, to: endDate, place: place, capacity: capacity, by: context.actor
            )
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
            try parsedRule { () throws(WorkflowRejection) in try TrainingRoster.requireValidFields(participant) }
            let session = try loadSession(session, lock: .update, on: context.connection)
            try session.machine(attendance: attendanceRows(sessionID: session.id, on: context.connection)).admitAttendance(
                [AttendanceMark(attended: participant.attended, passed: participant.passed)], on: context.today, by: context.actor
            )
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
            let machine = try session.machine(attendance: attendanceRows(sessionID: session.id, on: context.connection))
            try machine.admitAttendance([], on: context.today, by: context.actor)
            let (participants, problems) = TrainingSheet.read(csv)
            try TrainingRoster.requireNoProblems(problems)
            let marks = participants.map { AttendanceMark(line: $0.line, attended: $0.participant.attended, passed: $0.participant.passed) }
            try machine.admitAttendance(marks, on: context.today, by: context.actor)
            let rows = try insertAttendance(session, participants, context: context)
            try context.audit(Streams.trainingSession(session.reference), "training.attendance_imported", rows)
            return rows
        }
    }

    /// Marks the session held once it has started, with the attendance recorded so far (its trainer or the secretariat).
    public func recordTrainingSessionHeld(_ session: String, expectedVersion: Int? = nil, as login: String) throws -> TrainingSessionRecord {
        try sessionCommand("training.session_held", session, expectedVersion: expectedVersion, as: login) { machine, loaded, attendance, context in
            let attendedOnly = attendance.filter(\.attended).map(\.workflowAttendance)
            return try machine.recordHeld(attendance: attendedOnly, on: context.today, by: context.actor)
        }
    }

    /// Closes a held session (its trainer or the secretariat): a certificate for each participant who passed, issued
    /// on the session's last day and valid for the course's validity; enqueues
    /// ``JobKinds/trainingCertificatesChanged`` for each organisation concerned, now and when the certificates lapse.
    public func closeTrainingSession(_ session: String, expectedVersion: Int? = nil, as login: String) throws -> TrainingSessionRecord {
        try sessionCommand("training.session_close", session, expectedVersion: expectedVersion, as: login) { machine, loaded, attendance, context in
            try machine.close(by: context.actor)
        }
    }

    /// Cancels a scheduled session with a reason (its trainer or the secretariat); the secretariat and the
    /// organisations of registered participants are notified.
    public func cancelTrainingSession(_ session: String, reason: String, expectedVersion: Int? = nil, as login: String) throws -> TrainingSessionRecord {
        try sessionCommand("training.session_cancel", session, expectedVersion: expectedVersion, as: login) { machine, loaded, attendance, context in
            try machine.cancel(reason: reason, by: context.actor)
        }
    }

    /// One session by reference (`TS-12` or `12`).
    public func trainingSession(_ reference: String) throws -> TrainingSessionRecord {
        try read("training.session_show") { connection, _ in try loadSession(reference, lock: .unlocked, on: connection) }
    }

    /// The attendance of a session, by name.
    public func trainingAttendance(session reference: String) throws -> [AttendanceRecord] {
        try read("training.session_show") { connection, viewer in
            try viewer.require(.trainingRecords, notFound: Self.trainingStaffOnly)
            let session = try loadSession(reference, lock: .unlocked, on: connection)
            return try attendanceRows(sessionID: session.id, on: connection)
        }
    }

    /// A page of the sessions, latest first, optionally of one course and/or in one state, after `cursor` (the
    /// previous page's ``Page/next``).
    public func trainingSessions(
        course: String? = nil, state: String? = nil, limit: Int = 100, after cursor: PageCursor? = nil
    ) throws -> Page<TrainingSessionRecord> {
        try read("training.session_list") { connection, _ in
            try connection.page(
                TrainingSessionRecord.select, where: "($1::text IS NULL OR c.code = upper(btrim($1))) AND ($2::text IS NULL OR s.state = $2)",
                [course, state], orderedBy: [PageKey("s.start_date", "date", descending: true), PageKey("s.number", "integer", descending: true)],
                limit: Validate.limit(limit), after: cursor, TrainingSessionRecord.init(row:)
            )
        }
    }
    // MARK: Session internals

    private func sessionCommand(
        _ name: String, _ reference: String, expectedVersion: Int?, as login: String,
        _ event: (inout TrainingSessionMachine, TrainingSessionRecord, [AttendanceRecord], CommandContext) throws -> TrainingSessionMachine.Action
    ) throws -> TrainingSessionRecord {
        try trainingCommand(name, as: login) { context in
            let loaded = try loadSession(reference, lock: .update, on: context.connection)
            try context.requireVersion(loaded.version, expected: expectedVersion, of: "The training session \(loaded.reference)")
            let attendance = try attendanceRows(sessionID: loaded.id, on: context.connection)
            var machine = try loaded.machine(attendance: attendance)
            let action = try event(&machine, loaded, attendance, context)
            return try perform(action, machine: machine, loaded: loaded, attendance: attendance, context: context)
        }
    }

    private func updateSession(_ loaded: TrainingSessionRecord, state: TrainingSessionMachine.State.Name, cancelReason: String? = nil, context: CommandContext) throws {
        try context.updateVersioned(
            "UPDATE training_sessions SET state = $3, cancel_reason = $4, version = version + 1 WHERE id = $1 AND version = $2",
            [loaded.id, loaded.version, state, cancelReason], what: "The training session \(loaded.reference)"
        )
    }

    /// The one place a training session action becomes writes (the session row, certificates, audit events,
    /// notifications, the re-evaluation jobs of the organisations concerned).
    private func perform(
        _ action: TrainingSessionMachine.Action, machine: TrainingSessionMachine, loaded: TrainingSessionRecord, attendance: [AttendanceRecord],
        context: CommandContext
    ) throws -> TrainingSessionRecord {
        switch action {
        case .recordAttendance:
            try updateSession(loaded, state: machine.state.name, context: context)
            let record = try loadSession(id: loaded.id, lock: .unlocked, on: context.connection)
            try context.audit(Streams.trainingSession(record.reference), "training.session_held", record)
            return record
        case .issueCertificates(let grants):
            // The machine's held state carries the attendance rows as they are now (more may have been recorded since).
            let passedRows = attendance.filter(\.attended).filter(\.passed)
            return try issue(grants, to: passedRows, machine: machine, loaded: loaded, context: context)
        case .notifyCancellation(let reason):
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


    /// Closes the session with a certificate for each participant who passed (`passedRows`, in the order the
    /// machine issued `grants`), and asks for the re-evaluation of their organisations' conditions now and when the
    /// certificates lapse.
    private func issue(
        _ grants: [CertificateGrant], to passedRows: [AttendanceRecord], machine: TrainingSessionMachine, loaded: TrainingSessionRecord,
        context: CommandContext
    ) throws -> TrainingSessionRecord {
        guard passedRows.count == grants.count else {
            throw StoreError(.internal, code: "certificates_mismatch", "The session machine issued \(grants.count) certificates for \(passedRows.count) passes; this is a defect, please report it.")
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
        var recorded: Set<String> = []
        for row in try context.connection.query(
            "SELECT organisation_id::text || ':' || name_key AS person FROM training_attendance WHERE session_id = $1", [session.id]
        ).rows {
            recorded.insert(try row.decode("person"))
        }
        let entries = try TrainingRoster.admit(
            participants, organisations: organisations, recorded: recorded, session: session.reference, capacity: session.capacity,
            alreadyRecorded: session.participants
        )
        let rows = entries.map { (id: UUID(), name: $0.name, key: $0.key, organisationID: $0.organisationID, participant: $0.participant) }
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

    private func attendanceRows(sessionID: UUID, on connection: Connection) throws -> [AttendanceRecord] {
        try connection.query(AttendanceRecord.select + " WHERE a.session_id = $1 ORDER BY a.name_key, o.code, a.id", [sessionID]).rows
            .map(AttendanceRecord.init(row:))
    }

    private func loadSession(_ reference: String, lock: RowLock, on connection: Connection) throws -> TrainingSessionRecord {
        let number = try Validate.referenceNumber(reference, prefix: "TS", what: "training session")
        guard let id = try connection.query("SELECT id FROM training_sessions WHERE number = $1" + lock.rawValue, [number]).first else {
            throw StoreError.notFound("No training session has the reference \(reference); list them with `rrfctl training session list`.")
        }
        return try loadSession(id: try id.decode("id"), lock: .unlocked, on: connection)
    }

    private func loadSession(id: UUID, lock: RowLock, on connection: Connection) throws -> TrainingSessionRecord {
        try TrainingSessionRecord(row: connection.query(TrainingSessionRecord.select + " WHERE s.id = $1" + lock.rawValue + (lock == .unlocked ? "" : " OF s"), [id]).single())
    }
}
