import Foundation
import Postgres
import RRFStore
import RRFTestSupport
import RRFWorkflow
import Testing

/// The standard fund plus a trainer and the PSEA course (24 months).
func trainingFund(_ db: TestDatabase) throws -> Fund {
    let fund = try Fund.standard(db)
    _ = try fund.store.addUser(login: "trainer", displayName: "Tom Trainer", roles: [.trainer], as: "admin")
    _ = try fund.store.addTrainingCourse(
        code: "psea", title: "Protection from sexual exploitation and abuse", description: "IASC core principles.", validityMonths: 24, as: "sec"
    )
    return fund
}

/// A session of PSEA held on `day` (one day), with `participants`, marked held and closed.
@discardableResult
func closedSession(_ fund: Fund, on day: LocalDate, _ participants: [ParticipantInput]) throws -> TrainingSessionRecord {
    let session = try fund.store.scheduleTrainingSession(course: "PSEA", startDate: day, endDate: day, place: "Nairobi", trainer: "trainer", capacity: 30, as: "sec")
    for participant in participants {
        _ = try fund.store.recordAttendance(session: session.reference, participant, as: "trainer")
    }
    _ = try fund.store.recordTrainingSessionHeld(session.reference, as: "trainer")
    return try fund.store.closeTrainingSession(session.reference, as: "trainer")
}

@Suite struct TrainingRecordTests {
    @Test func certificatesAreIssuedOnlyForPassesOnCloseWithTheCourseValidity() throws {
        try withTestDatabase { db in
            let fund = try trainingFund(db)
            let store = fund.store
            let day = fund.today.adding(days: -1)
            let session = try store.scheduleTrainingSession(course: "PSEA", startDate: day, endDate: day, place: "Nairobi", trainer: "trainer", capacity: 3, as: "sec")
            #expect(session.reference == "TS-1")
            #expect(session.state == "scheduled")
            _ = try store.recordAttendance(session: "ts-1", ParticipantInput(name: "Amina  Yusuf", organisation: "ngo-alpha", role: "Finance officer", gender: "female", passed: true, score: 88.5), as: "trainer")
            _ = try store.recordAttendance(session: "TS-1", ParticipantInput(name: "Brian Otieno", organisation: "NGO-ALPHA", gender: "male", passed: false, score: 40), as: "trainer")
            _ = try store.recordAttendance(session: "1", ParticipantInput(name: "Chloe Ndege", organisation: "NGO-BETA", gender: "female", attended: false), as: "sec")
            // Capacity, duplicates, who may record, passing without attending.
            #expect(refusal { _ = try store.recordAttendance(session: "TS-1", ParticipantInput(name: "Dan", organisation: "NGO-ALPHA"), as: "trainer") }?.code == "participant_invalid")
            #expect(refusal { _ = try store.recordAttendance(session: "TS-1", ParticipantInput(name: "Dan", organisation: "NGO-ALPHA"), as: "ngo") }?.code == "role_required")
            #expect(refusal { _ = try store.closeTrainingSession("TS-1", as: "trainer") }?.code == "invalid_transition")
            // Not yet held: no certificate.
            #expect(try store.trainingCertificates(CertificateFilter(includeInvalid: true)).isEmpty)
            let held = try store.recordTrainingSessionHeld("TS-1", as: "trainer")
            #expect(held.state == "held")
            #expect(held.participants == 3 && held.attended == 2 && held.passed == 1)
            let closed = try store.closeTrainingSession("TS-1", expectedVersion: held.version, as: "trainer")
            #expect(closed.state == "closed")
            let certificates = try store.trainingCertificates(CertificateFilter(includeInvalid: true))
            #expect(certificates.count == 1)
            let certificate = try #require(certificates.first)
            #expect(certificate.holderName == "Amina Yusuf")
            #expect(certificate.organisation == "NGO-ALPHA")
            #expect(certificate.courseCode == "PSEA")
            #expect(certificate.issuedOn == day)
            #expect(certificate.validThrough == day.adding(months: 24).adding(days: -1))
            #expect(certificate.status == "valid")
            // Closing again, attending after close: refused.
            #expect(refusal { _ = try store.closeTrainingSession("TS-1", as: "trainer") }?.code == "invalid_transition")
            #expect(refusal { _ = try store.recordAttendance(session: "TS-1", ParticipantInput(name: "Eve", organisation: "NGO-ALPHA"), as: "trainer") }?.code == "session_attendance_closed")
            // The daemon re-evaluates NGO-ALPHA's tranches now and when the certificate lapses.
            #expect(try fund.count("SELECT count(*) FROM jobs WHERE kind = $1 AND payload->>'code' = 'NGO-ALPHA'", [JobKinds.trainingCertificatesChanged]) == 2)
            #expect(try fund.count(
                "SELECT count(*) FROM jobs WHERE kind = $1 AND run_at::date = $2::date", [JobKinds.trainingCertificatesChanged, certificate.validThrough.adding(days: 1).description]
            ) == 1)
            let history = try fund.count("SELECT count(*) FROM audit_events WHERE stream = 'training_session:TS-1'")
            #expect(history == 6)
        }
    }

    @Test func sessionLifecycleRules() throws {
        try withTestDatabase { db in
            let fund = try trainingFund(db)
            let store = fund.store
            _ = try store.addUser(login: "trainer2", displayName: "Tina Other", roles: [.trainer], as: "admin")
            let future = fund.today.adding(days: 10)
            #expect(refusal { _ = try store.scheduleTrainingSession(course: "PSEA", startDate: future, endDate: future.adding(days: -1), place: "Garissa", trainer: "trainer", capacity: 10, as: "sec") }?.code == "session_dates_invalid")
            #expect(refusal { _ = try store.scheduleTrainingSession(course: "PSEA", startDate: future, endDate: future, place: "Garissa", trainer: "fm", capacity: 10, as: "sec") }?.code == "trainer_role_required")
            #expect(refusal { _ = try store.scheduleTrainingSession(course: "PSEA", startDate: future, endDate: future, place: "Garissa", trainer: "trainer", capacity: 10, as: "trainer2") }?.code == "not_session_trainer")
            #expect(refusal { _ = try store.scheduleTrainingSession(course: "NOPE", startDate: future, endDate: future, place: "Garissa", trainer: "trainer", capacity: 10, as: "sec") }?.kind == .notFound)
            let session = try store.scheduleTrainingSession(course: "PSEA", startDate: future, endDate: future.adding(days: 1), place: "Garissa", trainer: "trainer", capacity: 10, as: "trainer")
            // Issue 13: a pass (or attendance) before the session has taken place is refused; registering is fine.
            let early = refusal { _ = try store.recordAttendance(session: session.reference, ParticipantInput(name: "Amina", organisation: "NGO-ALPHA", passed: true), as: "trainer") }
            #expect(early?.code == "session_not_started")
            #expect(early?.message.contains("a pass cannot be recorded") == true)
            let sheet = "name,organisation,attended,passed\nBrian,NGO-ALPHA,no,no\nChloe,NGO-ALPHA,yes,yes\n"
            #expect(refusal { _ = try store.importAttendance(session: session.reference, csv: sheet, as: "trainer") }?.message.contains("(line 3)") == true)
            #expect(try fund.count("SELECT count(*) FROM training_attendance") == 0)
            _ = try store.recordAttendance(session: session.reference, ParticipantInput(name: "Amina", organisation: "NGO-ALPHA", attended: false), as: "trainer")
            #expect(refusal { _ = try store.recordTrainingSessionHeld(session.reference, as: "trainer") }?.code == "session_not_started")
            #expect(refusal { _ = try store.recordTrainingSessionHeld(session.reference, as: "trainer2") }?.code == "not_session_trainer")
            #expect(refusal { _ = try store.cancelTrainingSession(session.reference, reason: " ", as: "trainer") }?.code == "reason_required")
            let cancelled = try store.cancelTrainingSession(session.reference, reason: "Insecurity on the road", as: "trainer")
            #expect(cancelled.state == "cancelled" && cancelled.cancelReason == "Insecurity on the road")
            #expect(try fund.count("SELECT count(*) FROM notifications WHERE subject LIKE $1", ["%training.session_cancelled%"]) == 2)
            // Nothing was ever issued; an empty held session is refused.
            let today = try store.scheduleTrainingSession(course: "PSEA", startDate: fund.today, endDate: fund.today, place: "Garissa", trainer: "trainer", capacity: 10, as: "sec")
            _ = try store.recordAttendance(session: today.reference, ParticipantInput(name: "No Show", organisation: "NGO-ALPHA", attended: false), as: "trainer")
            #expect(refusal { _ = try store.recordTrainingSessionHeld(today.reference, as: "trainer") }?.code == "attendance_empty")
            #expect(try store.trainingSessions(course: "psea").count == 2)
            #expect(refusal { _ = try store.addTrainingCourse(code: "PSEA", title: "Again", validityMonths: 12, as: "sec") }?.code == "course_code_taken")
            #expect(refusal { _ = try store.addTrainingCourse(code: "FIN-MGMT", title: "Financial management", validityMonths: 0, as: "sec") }?.code == "course_invalid")
            #expect(refusal { _ = try store.addTrainingCourse(code: "FIN-MGMT", title: "Financial management", validityMonths: 12, as: "trainer") }?.code == "role_required")
        }
    }

    @Test func expiryDayIsValidTheDayAfterIsNotAndRevokedCertificatesNoLongerCount() throws {
        try withTestDatabase { db in
            let fund = try trainingFund(db)
            let store = fund.store
            let alpha = try store.organisation("NGO-ALPHA")
            let alphaID = OrganisationID(alpha.id)
            _ = try store.setTrancheTrainingRequirement(risk: nil, course: "PSEA", minimumStaff: 1, as: "sec")
            let issued = fund.today.adding(days: -3)
            let lastDay = issued.adding(months: 24).adding(days: -1)
            // Before any certificate: a shortfall naming the course.
            let before = try store.trainingShortfalls(organisationCode: "NGO-ALPHA", on: fund.today)
            #expect(before.map(\.courseCode) == ["PSEA"])
            #expect(before.first?.description == "1 staff need a valid PSEA (Protection from sexual exploitation and abuse) certificate; 0 have one.")
            try closedSession(fund, on: issued, [ParticipantInput(name: "Amina Yusuf", organisation: "NGO-ALPHA", passed: true)])
            // The function the grants engineer calls inside a transaction, on its own connection.
            let connection = try db.connect()
            defer { connection.close() }
            #expect(try store.trainingShortfalls(organisationID: alphaID, on: fund.today, connection: connection).isEmpty)
            #expect(try store.trainingShortfalls(organisationID: alphaID, on: issued, connection: connection).isEmpty)
            #expect(try store.trainingShortfalls(organisationID: alphaID, on: lastDay, connection: connection).isEmpty)
            #expect(try store.trainingShortfalls(organisationID: alphaID, on: lastDay.adding(days: 1), connection: connection).map(\.courseCode) == ["PSEA"])
            #expect(try store.trainingShortfalls(organisationID: alphaID, on: issued.adding(days: -1), connection: connection).count == 1)
            // A risk-specific requirement adds to 'all' (the larger number counts); other ratings do not apply.
            _ = try store.setTrancheTrainingRequirement(risk: .medium, course: "PSEA", minimumStaff: 2, as: "fm")
            _ = try store.setTrancheTrainingRequirement(risk: .high, course: "PSEA", minimumStaff: 5, as: "fm")
            #expect(try store.trainingShortfalls(organisationCode: "NGO-ALPHA", on: fund.today).map(\.required) == [2])
            _ = try store.setTrancheTrainingRequirement(risk: .medium, course: "PSEA", minimumStaff: 0, as: "fm")
            #expect(try store.trainingRequirements().map(\.target) == ["all", "high"])
            #expect(try store.trainingShortfalls(organisationCode: "NGO-ALPHA", on: fund.today).isEmpty)
            // Expiring within the window that contains the last day; not before.
            #expect(try store.expiringCertificates(withinDays: fund.today.days(until: lastDay)).count == 1)
            #expect(try store.expiringCertificates(withinDays: fund.today.days(until: lastDay) - 1).isEmpty)
            // Revocation: reason required, secretariat only, once; then it no longer counts.
            let certificate = try #require(try store.trainingCertificates(CertificateFilter(organisation: "NGO-ALPHA")).first)
            #expect(refusal { _ = try store.revokeCertificate(certificate.reference, reason: "", as: "sec") }?.code == "reason_missing")
            #expect(refusal { _ = try store.revokeCertificate(certificate.reference, reason: "Fraud", as: "trainer") }?.code == "role_required")
            let revoked = try store.revokeCertificate(certificate.reference, reason: "Signed in for someone else", as: "sec")
            #expect(revoked.status == "revoked" && revoked.revocationReason == "Signed in for someone else")
            #expect(refusal { _ = try store.revokeCertificate(certificate.reference, reason: "Again", as: "sec") }?.code == "certificate_already_revoked")
            #expect(try store.trainingShortfalls(organisationID: alphaID, on: fund.today, connection: connection).map(\.valid) == [0])
            #expect(try store.trainingCertificates(CertificateFilter(organisation: "NGO-ALPHA")).isEmpty)
            #expect(try store.trainingCertificates(CertificateFilter(organisation: "NGO-ALPHA", includeInvalid: true)).map(\.status) == ["revoked"])
            #expect(try store.expiringCertificates(withinDays: 3660).isEmpty)
            #expect(try fund.count("SELECT count(*) FROM jobs WHERE kind = $1 AND run_at <= now()", [JobKinds.trainingCertificatesChanged]) == 2)
        }
    }

    @Test func aCallRequiringACourseRefusesSubmissionNamingItUntilEnoughStaffHoldAValidCertificate() throws {
        try withTestDatabase { db in
            let fund = try trainingFund(db)
            let store = fund.store
            #expect(refusal { _ = try store.setCallTrainingRequirement(call: "SA-1", course: "PSEA", minimumStaff: 2, as: "ngo") }?.code == "role_required")
            let requirements = try store.setCallTrainingRequirement(call: "sa-1", course: "psea", minimumStaff: 2, as: "sec")
            #expect(requirements == [TrainingRequirementRecord(scope: "call", target: "SA-1", courseCode: "PSEA", courseTitle: "Protection from sexual exploitation and abuse", minimumStaff: 2)])
            let first = try #require(refusal { _ = try store.submitProposal(Fund.submission(), as: "ngo") })
            #expect(first.code == "training_requirement_unmet")
            #expect(first.message.contains("PSEA"))
            #expect(first.message.contains("2 staff need a valid PSEA (Protection from sexual exploitation and abuse) certificate; 0 have one."))
            let day = fund.today.adding(days: -1)
            // One pass, and the same person again in a later session: still one person.
            try closedSession(fund, on: day.adding(days: -1), [ParticipantInput(name: "Amina Yusuf", organisation: "NGO-ALPHA", passed: true)])
            try closedSession(fund, on: day, [
                ParticipantInput(name: "amina yusuf", organisation: "NGO-ALPHA", passed: true),
                ParticipantInput(name: "Beta Person", organisation: "NGO-BETA", passed: true),
            ])
            let second = try #require(refusal { _ = try store.submitProposal(Fund.submission(), as: "ngo") })
            #expect(second.message.contains("1 has one"))
            #expect(try store.callTrainingShortfalls(organisationCode: "NGO-ALPHA", call: "SA-1", on: fund.today).map(\.valid) == [1])
            #expect(try fund.count("SELECT count(*) FROM proposals") == 0)
            try closedSession(fund, on: day, [ParticipantInput(name: "Brian Otieno", organisation: "NGO-ALPHA", passed: true)])
            let accepted = try store.submitProposal(Fund.submission(), as: "ngo")
            #expect(accepted.state == "submitted")
            // Removing the requirement; a closed call cannot change.
            #expect(try store.setCallTrainingRequirement(call: "SA-1", course: "PSEA", minimumStaff: 0, as: "sec").isEmpty)
            #expect(try store.trainingRequirements(call: "SA-1").isEmpty)
        }
    }

    /// Issue 13: the requirements list shows the tranche policy's and every call's unless one call is asked for.
    @Test func everyRequirementIsListedByDefault() throws {
        try withTestDatabase { db in
            let fund = try trainingFund(db)
            let store = fund.store
            _ = try store.setCallTrainingRequirement(call: "SA-1", course: "PSEA", minimumStaff: 2, as: "sec")
            _ = try store.setTrancheTrainingRequirement(risk: .high, course: "PSEA", minimumStaff: 1, as: "sec")
            let all = try store.trainingRequirements()
            #expect(all.map { "\($0.scope):\($0.target)" }.contains("call:SA-1"))
            #expect(all.map { "\($0.scope):\($0.target)" }.contains("tranche:high"))
            #expect(try store.trainingRequirements(call: "sa-1").map(\.scope) == ["call"])
        }
    }

    @Test func aResubmissionMeetsTheCallsTrainingRequirementsOfItsDay() throws {
        try withTestDatabase { db in
            let fund = try trainingFund(db)
            let store = fund.store
            let submitted = try store.submitProposal(Fund.submission(), as: "ngo")
            try fund.markScored(submitted.reference)
            _ = try store.decideProposal(submitted.reference, .requestRevision(reason: "Add a protection plan."), as: "fm")
            _ = try store.setCallTrainingRequirement(call: "SA-1", course: "PSEA", minimumStaff: 1, as: "sec")
            let refused = try #require(refusal { _ = try store.resubmitProposal(submitted.reference, as: "ngo") })
            #expect(refused.code == "training_requirement_unmet")
            #expect(try store.proposal(submitted.reference).state == "revision_requested")
            try closedSession(fund, on: fund.today.adding(days: -1), [ParticipantInput(name: "Brian Otieno", organisation: "NGO-ALPHA", passed: true)])
            #expect(try store.resubmitProposal(submitted.reference, as: "ngo").round == 2)
        }
    }

    @Test func importIsAllOrNothingWithLineNumbersAndDuplicateDetection() throws {
        try withTestDatabase { db in
            let fund = try trainingFund(db)
            let store = fund.store
            let session = try store.scheduleTrainingSession(course: "PSEA", startDate: fund.today, endDate: fund.today, place: "Dadaab", trainer: "trainer", capacity: 5, as: "sec")
            _ = try store.recordAttendance(session: session.reference, ParticipantInput(name: "Amina Yusuf", organisation: "NGO-ALPHA", passed: true), as: "trainer")
            let bad = "\u{FEFF}Name,Organisation,Role,Gender,Attended,Passed,Score\r\n"
                + "\"Otieno, Brian\",NGO-ALPHA,\"Finance officer\",male,yes,yes,75\r\n" // line 2: fine
                + "Carla,NGO-NOWHERE,,female,yes,no,\r\n" // line 3: unknown organisation
                + "Dan,NGO-ALPHA,\"Programme\nofficer\",male,maybe,no,\r\n" // line 4 (spans 5): bad flag
                + "AMINA  YUSUF,ngo-alpha,,female,yes,yes,90\r\n" // line 6: already recorded (case, spaces)
                + "otieno, brian,NGO-ALPHA,,,yes,no,,\r\n" // line 7: too many fields
                + "\"Otieno,  Brian\",NGO-ALPHA,,,yes,no,\r\n" // line 8: duplicate of line 2
                + "Eve,NGO-BETA,,,no,yes,\r\n" // line 9: pass without attendance
            let refused = try #require(refusal { _ = try store.importAttendance(session: session.reference, csv: bad, as: "trainer") })
            #expect(refused.code == "attendance_sheet_invalid")
            // The sheet's own problems are reported first (without looking at the database).
            for needle in ["line 4: attended is \"maybe\"", "line 7: it has 9 fields", "line 9: a participant who did not attend cannot pass"] {
                #expect(refused.message.contains(needle), "\(needle) missing from: \(refused.message)")
            }
            let fixedSyntax = bad.replacingOccurrences(of: "maybe", with: "yes").replacingOccurrences(of: "otieno, brian,NGO-ALPHA,,,yes,no,,\r\n", with: "")
                .replacingOccurrences(of: "Eve,NGO-BETA,,,no,yes,", with: "Eve,NGO-BETA,,,no,no,")
            let second = try #require(refusal { _ = try store.importAttendance(session: session.reference, csv: fixedSyntax, as: "trainer") })
            for needle in [
                "line 3: no organisation has the code \"NGO-NOWHERE\"", "line 6: AMINA YUSUF of NGO-ALPHA is already recorded in TS-1",
                "line 7: Otieno, Brian of NGO-ALPHA is already on line 2",
            ] {
                #expect(second.message.contains(needle), "\(needle) missing from: \(second.message)")
            }
            #expect(!second.message.contains("line 2:"))
            #expect(try store.trainingAttendance(session: session.reference).count == 1)
            // Capacity counts what is recorded.
            let crowded = "name,organisation\n" + (1...5).map { "Person \($0),NGO-BETA" }.joined(separator: "\n")
            #expect(refusal { _ = try store.importAttendance(session: session.reference, csv: crowded, as: "trainer") }?.message.contains("room for 5") == true)
            let good = "\u{FEFF}name,organisation,role,gender,attended,passed,score\r\n"
                + "\"Otieno, Brian\",NGO-ALPHA,\"Finance\nofficer\",male,yes,yes,75\r\n"
                + "\"Wanjiru \"\"Shiru\"\" Kamau\",NGO-BETA,,female,y,,\r\n\r\n"
                + "Eve,NGO-BETA,,,no,,"
            let imported = try store.importAttendance(session: session.reference, csv: good, as: "trainer")
            #expect(imported.map(\.name) == ["Otieno, Brian", "Wanjiru \"Shiru\" Kamau", "Eve"])
            #expect(imported[0].role == "Finance\nofficer" && imported[0].score == 75 && imported[0].passed)
            #expect(!imported[1].passed && imported[1].attended && !imported[2].attended)
            #expect(try store.trainingAttendance(session: session.reference).count == 4)
            // The course report counts attendance by gender and organisation.
            _ = try store.recordTrainingSessionHeld(session.reference, as: "trainer")
            _ = try store.closeTrainingSession(session.reference, as: "trainer")
            let report = try store.courseTrainingReport("PSEA")
            #expect(report.sessions.map(\.reference) == ["TS-1"])
            #expect(report.byGender == [
                AttendanceTally(group: "female", registered: 1, attended: 1, passed: 0),
                AttendanceTally(group: "male", registered: 1, attended: 1, passed: 1),
                // Amina (recorded without a gender, passed) and Eve (absent).
                AttendanceTally(group: "not stated", registered: 2, attended: 1, passed: 1),
            ])
            #expect(report.byOrganisation.map(\.group) == ["NGO-ALPHA", "NGO-BETA"])
            #expect(report.validCertificates == 2)
            let alpha = try store.organisationTrainingReport("NGO-ALPHA")
            #expect(alpha.certificates.map(\.holderName) == ["Amina Yusuf", "Otieno, Brian"])
        }
    }
}

@Suite struct TrainingSheetTests {
    @Test func csvHandlesQuotesCommasNewlinesAndBOM() throws {
        let records = try CSV.parse("\u{FEFF}a,b\r\n\"x, y\",\"line1\nline2\"\n\"say \"\"hi\"\"\",\n\nlast,\"\"")
        #expect(records.map(\.line) == [1, 2, 4, 6])
        #expect(records.map(\.fields) == [["a", "b"], ["x, y", "line1\nline2"], ["say \"hi\"", ""], ["last", ""]])
        #expect(throws: CSVSyntaxError.self) { try CSV.parse("a,\"open\nb") }
        #expect(throws: CSVSyntaxError.self) { try CSV.parse("a,b\"c\n") }
    }

    @Test func sheetHeaderProblems() {
        #expect(TrainingSheet.read("").problems.map(\.line) == [0])
        #expect(TrainingSheet.read("name,colour\n").problems.map(\.description) == [
            "line 1: unknown column \"colour\"; the columns are name, organisation, role, gender, attended, passed, score.",
            "line 1: the header has no \"organisation\" column.",
        ])
        #expect(TrainingSheet.read("name,organisation\n").problems.count == 1)
        #expect(TrainingSheet.personKey("  Ámina   YUSUF ") == "amina yusuf")
    }
}
