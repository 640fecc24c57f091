import Foundation
import RRFWorkflow
import Testing

enum TrainingFixture {
    static let psea: Course = {
        guard let course = try? Course(id: CourseID(UUID()), code: "PSEA", title: "Protection from sexual exploitation and abuse", validityMonths: 12) else {
            fatalError("invalid fixture course")
        }
        return course
    }()
    static let trainer = actor("Tom Trainer", [.trainer])
    static let plan = SessionPlan(course: psea, startDate: day("2026-11-24"), endDate: day("2026-11-25"), place: "Baidoa", trainerID: trainer.userID)
    static let attendance = [
        Attendance(name: "Amina", organisationID: Fixture.organisationID, role: "Finance officer", gender: "female", passed: true),
        Attendance(name: "Yusuf", organisationID: Fixture.organisationID, role: "Driver", gender: "male", passed: false),
    ]

    static func certificate(_ name: String, issued: String, organisation: OrganisationID = Fixture.organisationID, course: Course = psea) -> Certificate {
        let issuedOn = day(issued)
        return Certificate(
            id: CertificateID(UUID()), courseID: course.id, holderName: name, organisationID: organisation,
            issuedOn: issuedOn, validThrough: course.lastValidDay(issuedOn: issuedOn)
        )
    }
}

@Suite struct TrainingSessionMachineTests {
    @Test func transitionTableCoversEveryStateAndEvent() {
        let expected = table([("scheduled", "record_held", "held"), ("held", "close", "closed"), ("scheduled", "cancel", "cancelled")])
        #expect(verifyTable(TrainingSessionMachine.self, expected: expected) == [])
    }

    /// Issue 13: nobody attends, let alone passes, a session that has not taken place; registering is fine.
    @Test func attendanceAndPassesWaitForTheSessionToStart() {
        let session = TrainingSessionMachine(state: .scheduled(TrainingFixture.plan))
        let trainer = TrainingFixture.trainer
        let before = day("2026-11-23")
        #expect(rejectionCode { try session.admitAttendance([AttendanceMark(attended: true, passed: true)], on: before, by: trainer) } == "session_not_started")
        #expect(rejectionCode { try session.admitAttendance([AttendanceMark(attended: true, passed: false)], on: before, by: trainer) } == "session_not_started")
        #expect(rejectionCode { try session.admitAttendance([AttendanceMark(attended: false, passed: false)], on: before, by: trainer) } == nil)
        #expect(rejectionCode { try session.admitAttendance([AttendanceMark(attended: true, passed: true)], on: day("2026-11-24"), by: trainer) } == nil)
        #expect(rejectionCode { try session.admitAttendance([], on: before, by: actor("Other", [.trainer])) } == "not_session_trainer")
        let sheet = [AttendanceMark(line: 2, attended: false, passed: false), AttendanceMark(line: 3, attended: true, passed: true)]
        do {
            try session.admitAttendance(sheet, on: before, by: Fixture.secretariat)
            Issue.record("a pass before the session was admitted")
        } catch {
            #expect(error.message.contains("starts on 2026-11-24"))
            #expect(error.message.contains("a pass cannot be recorded (line 3)"))
        }
        let cancelled = TrainingSessionMachine(state: .cancelled(TrainingFixture.plan, reason: "Flooded road"))
        #expect(rejectionCode { try cancelled.admitAttendance([], on: before, by: trainer) } == "session_attendance_closed")
    }

    @Test func heldThenClosedIssuesCertificatesToThoseWhoPassed() throws {
        var session = TrainingSessionMachine(state: .scheduled(TrainingFixture.plan))
        let trainer = TrainingFixture.trainer
        #expect(rejectionCode { try session.recordHeld(attendance: TrainingFixture.attendance, on: day("2026-11-23"), by: trainer) } == "session_not_started")
        #expect(rejectionCode { try session.recordHeld(attendance: [], on: day("2026-11-25"), by: trainer) } == "attendance_empty")
        #expect(rejectionCode { try session.recordHeld(attendance: TrainingFixture.attendance, on: day("2026-11-25"), by: actor("Other", [.trainer])) }
            == "not_session_trainer")
        #expect(rejectionCode { try session.recordHeld(attendance: TrainingFixture.attendance, on: day("2026-11-25"), by: Fixture.manager) } == "role_required")
        #expect(try session.recordHeld(attendance: TrainingFixture.attendance, on: day("2026-11-25"), by: trainer) == .recordAttendance(TrainingFixture.attendance))
        let action = try session.close(by: Fixture.secretariat)
        guard case .issueCertificates(let grants) = action else {
            Issue.record("unexpected \(action)")
            return
        }
        #expect(grants.map(\.holderName) == ["Amina"])
        #expect(grants.first?.issuedOn == day("2026-11-25"))
        #expect(grants.first?.validThrough == day("2027-11-24"))
    }

    @Test func cancellationNeedsAReason() throws {
        var session = TrainingSessionMachine(state: .scheduled(TrainingFixture.plan))
        #expect(rejectionCode { try session.cancel(reason: " ", by: TrainingFixture.trainer) } == "reason_required")
        #expect(try session.cancel(reason: "Road closed", by: TrainingFixture.trainer) == .notifyCancellation(reason: "Road closed"))
    }
}

@Suite struct CertificateExpiryTests {
    @Test(arguments: [
        ("2026-03-15", 12, "2027-03-14"), ("2024-01-31", 1, "2024-02-28"), ("2026-01-31", 1, "2026-02-27"),
        ("2024-02-29", 12, "2025-02-27"), ("2026-12-31", 1, "2027-01-30"), ("2026-01-01", 24, "2027-12-31"),
    ])
    func lastValidDay(issued: String, months: Int, last: String) throws {
        let course = try Course(id: CourseID(UUID()), code: "FIN", title: "Financial management", validityMonths: months)
        #expect(course.lastValidDay(issuedOn: day(issued)) == day(last))
    }

    @Test func validFromIssueThroughLastDay() {
        let certificate = TrainingFixture.certificate("Amina", issued: "2026-03-15")
        #expect(!certificate.isValid(on: day("2026-03-14")))
        #expect(certificate.isValid(on: day("2026-03-15")))
        #expect(certificate.isValid(on: day("2027-03-14")))
        #expect(!certificate.isValid(on: day("2027-03-15")))
    }

    @Test func courseNeedsCodeTitleAndValidity() {
        #expect(rejectionCode { try Course(id: CourseID(UUID()), code: " ", title: "T", validityMonths: 12) } == "course_invalid")
        #expect(rejectionCode { try Course(id: CourseID(UUID()), code: "C", title: "", validityMonths: 12) } == "course_invalid")
        #expect(rejectionCode { try Course(id: CourseID(UUID()), code: "C", title: "T", validityMonths: 0) } == "course_invalid")
    }
}

@Suite struct TrainingRequirementTests {
    @Test func countsDistinctValidHoldersOfTheOrganisation() throws {
        let other = try Course(id: CourseID(UUID()), code: "FIN", title: "Financial management", validityMonths: 12)
        let certificates = [
            TrainingFixture.certificate("Amina", issued: "2026-06-01"),
            TrainingFixture.certificate(" amina ", issued: "2026-07-01"), // the same person again
            TrainingFixture.certificate("Yusuf", issued: "2025-01-01"), // expired
            TrainingFixture.certificate("Hodan", issued: "2026-06-01", organisation: OrganisationID(UUID())), // another organisation
            TrainingFixture.certificate("Ali", issued: "2026-06-01", course: other), // another course
        ]
        let requirement = TrainingRequirement(course: TrainingFixture.psea, minimumStaff: 2)
        let shortfall = requirement.shortfall(certificates: certificates, organisationID: Fixture.organisationID, on: Fixture.today)
        #expect(shortfall == TrainingShortfall(courseCode: "PSEA", courseTitle: "Protection from sexual exploitation and abuse", required: 2, valid: 1))
        #expect(shortfall?.description == "2 staff need a valid PSEA (Protection from sexual exploitation and abuse) certificate; 1 has one.")
        let met = TrainingRequirement(course: TrainingFixture.psea)
        #expect(met.shortfall(certificates: certificates, organisationID: Fixture.organisationID, on: Fixture.today) == nil)
        // On the day after Amina's first certificate expires, her second one still counts.
        #expect(met.shortfall(certificates: certificates, organisationID: Fixture.organisationID, on: day("2027-06-01")) == nil)
        #expect(met.shortfall(certificates: certificates, organisationID: Fixture.organisationID, on: day("2027-07-01"))?.valid == 0)
        let all = TrainingRequirement.shortfalls(
            [requirement, TrainingRequirement(course: other), TrainingRequirement(course: other, minimumStaff: 2)], certificates: certificates, organisationID: Fixture.organisationID, on: Fixture.today
        )
        #expect(all.map(\.courseCode) == ["PSEA", "FIN"])
    }
}
