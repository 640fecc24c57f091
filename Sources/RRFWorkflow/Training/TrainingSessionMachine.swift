/// What is planned for a training session.
public struct SessionPlan: Hashable, Sendable, Codable {
    /// The course taught.
    public let course: Course
    /// The first day.
    public let startDate: LocalDate
    /// The last day (certificates are issued on it).
    public let endDate: LocalDate
    /// Where it takes place.
    public let place: String
    /// The trainer.
    public let trainerID: UserID

    /// Creates a plan.
    public init(course: Course, startDate: LocalDate, endDate: LocalDate, place: String, trainerID: UserID) {
        self.course = course
        self.startDate = startDate
        self.endDate = endDate
        self.place = place
        self.trainerID = trainerID
    }
}

/// One participant's attendance.
public struct Attendance: Hashable, Sendable, Codable {
    /// The participant's name.
    public let name: String
    /// The participant's organisation.
    public let organisationID: OrganisationID
    /// The participant's job, e.g. "Finance officer".
    public let role: String
    /// The participant's gender as they state it.
    public let gender: String
    /// Whether they passed (and get a certificate).
    public let passed: Bool

    /// Creates an attendance record.
    public init(name: String, organisationID: OrganisationID, role: String, gender: String, passed: Bool) {
        self.name = name
        self.organisationID = organisationID
        self.role = role
        self.gender = gender
        self.passed = passed
    }
}

/// One participant as the trainer records them: whether they attended and passed, and the line of the sign-in sheet
/// they come from (0 for a participant recorded alone).
public struct AttendanceMark: Hashable, Sendable {
    /// The sheet line (0 when recorded alone).
    public let line: Int
    /// Whether they attended.
    public let attended: Bool
    /// Whether they passed.
    public let passed: Bool

    /// Creates a mark.
    public init(line: Int = 0, attended: Bool, passed: Bool) {
        self.line = line
        self.attended = attended
        self.passed = passed
    }
}

/// A certificate to issue: the store gives it an id and stores it.
public struct CertificateGrant: Hashable, Sendable, Codable {
    /// The participant's name.
    public let holderName: String
    /// The participant's organisation.
    public let organisationID: OrganisationID
    /// The issue day (the session's last day).
    public let issuedOn: LocalDate
    /// The last valid day.
    public let validThrough: LocalDate
}

/// The lifecycle of a training session: scheduled → held → closed; scheduled → cancelled.
public struct TrainingSessionMachine: Hashable, Sendable {
    /// The states of a session.
    public enum State: Hashable, Sendable, Codable {
        /// Planned.
        case scheduled(SessionPlan)
        /// Took place; attendance recorded.
        case held(SessionPlan, [Attendance])
        /// Finished; certificates issued.
        case closed(SessionPlan, [Attendance])
        /// Will not take place.
        case cancelled(SessionPlan, reason: String)

        /// The names of the states, as stored in the database.
        public enum Name: String, StateName {
            case scheduled, held, closed, cancelled
        }

        /// The status stored in the database.
        public var name: Name {
            switch self {
            case .scheduled: .scheduled
            case .held: .held
            case .closed: .closed
            case .cancelled: .cancelled
            }
        }
    }

    /// What the caller must persist or enqueue after an event.
    public enum Action: Hashable, Sendable {
        /// Store the attendance.
        case recordAttendance([Attendance])
        /// Store the closure, issue these certificates and re-evaluate training conditions of the organisations.
        case issueCertificates([CertificateGrant])
        /// Store the cancellation and notify the registered participants.
        case notifyCancellation(reason: String)
    }

    /// The current state.
    public private(set) var state: State

    /// Rebuilds a machine from persisted state.
    public init(state: State) {
        self.state = state
    }

    /// Records the attendance once the session has started. The session's trainer or the secretariat.
    /// - Throws: `role_required`, `not_session_trainer`, `session_not_started`, `attendance_empty`, `invalid_transition`.
    public mutating func recordHeld(attendance: [Attendance], on today: LocalDate, by actor: Actor) throws(WorkflowRejection) -> Action {
        switch state {
        case .scheduled(let plan):
            try requireTrainer(actor, plan)
            guard today >= plan.startDate else {
                throw WorkflowRejection(code: "session_not_started", message: "The session starts on \(plan.startDate); record attendance once it has taken place.")
            }
            guard !attendance.isEmpty else {
                throw WorkflowRejection(code: "attendance_empty", message: "No participant was recorded; add the attendance list or cancel the session.")
            }
            state = .held(plan, attendance)
            return .recordAttendance(attendance)
        case .held, .closed, .cancelled:
            throw illegalTransition("training session", event: "record_held", state: state.name)
        }
    }

    /// Checks that participants can be recorded on `today`: only while the session is scheduled or held, by its
    /// trainer or the secretariat, and before its first day only as registrations — nobody has attended, let alone
    /// passed, a session that has not taken place yet.
    /// - Throws: `role_required`, `not_session_trainer`, `session_attendance_closed`, `session_not_started`.
    public func admitAttendance(_ marks: [AttendanceMark], on today: LocalDate, by actor: Actor) throws(WorkflowRejection) {
        switch state {
        case .scheduled(let plan), .held(let plan, _):
            try requireTrainer(actor, plan)
            let early = marks.filter { $0.attended || $0.passed }
            guard today >= plan.startDate || early.isEmpty else {
                let which = early.contains(where: \.passed) ? "a pass" : "attendance"
                let lines = early.map(\.line).filter { $0 > 0 }
                let place = lines.isEmpty ? "" : " (line\(lines.count == 1 ? "" : "s") \(lines.map(String.init).joined(separator: ", ")))"
                throw WorkflowRejection(
                    code: "session_not_started",
                    message: "The session starts on \(plan.startDate) and has not taken place yet, so \(which) cannot be recorded\(place); "
                        + "register participants as not attended and not passed now, or record the result once the session has taken place."
                )
            }
        case .closed, .cancelled:
            throw WorkflowRejection(
                code: "session_attendance_closed",
                message: "The session is \(state.name); attendance can be recorded only while it is scheduled or held."
            )
        }
    }

    /// Closes a held session and issues a certificate to every participant who passed, dated the session's last day.
    /// The session's trainer or the secretariat.
    /// - Throws: `role_required`, `not_session_trainer`, `invalid_transition`.
    public mutating func close(by actor: Actor) throws(WorkflowRejection) -> Action {
        switch state {
        case .held(let plan, let attendance):
            try requireTrainer(actor, plan)
            let validThrough = plan.course.lastValidDay(issuedOn: plan.endDate)
            let grants = attendance.filter(\.passed).map {
                CertificateGrant(holderName: $0.name, organisationID: $0.organisationID, issuedOn: plan.endDate, validThrough: validThrough)
            }
            state = .closed(plan, attendance)
            return .issueCertificates(grants)
        case .scheduled, .closed, .cancelled:
            throw illegalTransition("training session", event: "close", state: state.name)
        }
    }

    /// Cancels a scheduled session. The session's trainer or the secretariat; reason required.
    /// - Throws: `role_required`, `not_session_trainer`, `reason_required`, `invalid_transition`.
    public mutating func cancel(reason: String, by actor: Actor) throws(WorkflowRejection) -> Action {
        let reason = try requireText(reason, code: "reason_required", "Give the reason for cancelling the session.")
        switch state {
        case .scheduled(let plan):
            try requireTrainer(actor, plan)
            state = .cancelled(plan, reason: reason)
            return .notifyCancellation(reason: reason)
        case .held, .closed, .cancelled:
            throw illegalTransition("training session", event: "cancel", state: state.name)
        }
    }

    private func requireTrainer(_ actor: Actor, _ plan: SessionPlan) throws(WorkflowRejection) {
        try actor.require(.trainer, .secretariat, to: "manage a training session")
        guard actor.has(.secretariat) || actor.userID == plan.trainerID else {
            throw WorkflowRejection(code: "not_session_trainer", message: "\(actor.displayName) is not this session's trainer; the session's trainer or the secretariat must do it.")
        }
    }
}

extension TrainingSessionMachine {
    /// Checks a session to schedule: led by a trainer; a trainer schedules only their own sessions (the
    /// secretariat schedules for others); it ends on or after its first day; a place; room for 1 to 1000.
    /// Returns the place as recorded.
    /// - Throws: `trainer_role_required`, `not_session_trainer`, `session_dates_invalid`, `place_missing`/`place_too_long`,
    ///   `capacity_invalid`.
    public static func requireSchedulable(
        trainer: Actor, from startDate: LocalDate, to endDate: LocalDate, place: String, capacity: Int, by actor: Actor
    ) throws(WorkflowRejection) -> String {
        guard trainer.has(.trainer) else {
            throw WorkflowRejection(code: "trainer_role_required", message: "\(trainer.displayName) is not a trainer; give the login of a user with the trainer role.")
        }
        guard actor.has(.secretariat) || actor.userID == trainer.userID else {
            throw WorkflowRejection(code: "not_session_trainer", message: "A trainer schedules only their own sessions; the secretariat schedules sessions for others.")
        }
        guard endDate >= startDate else {
            throw WorkflowRejection(code: "session_dates_invalid", message: "The session ends (\(endDate)) before it starts (\(startDate)); check the dates.")
        }
        _ = try Validate.number(capacity, in: 1...1000, code: "capacity_invalid", "The capacity \(capacity) is not accepted; give 1 to 1000 participants.")
        return try Validate.text(place, field: "place", maximum: 300)
    }
}
