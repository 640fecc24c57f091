import ArgumentParser
import Foundation
import RRFStore
import RRFWorkflow

/// `rrfctl training`: courses, sessions, attendance, certificates, reports and training requirements.
struct TrainingCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "training",
        abstract: "Train partner staff: courses, sessions, attendance, certificates, reports and requirements.",
        subcommands: [
            Course.self, Session.self, Attend.self, Import.self, Certificate.self, Report.self, Requirement.self,
        ]
    )

    // MARK: course

    struct Course: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add and list training courses.", subcommands: [Add.self, List.self])

        struct Add: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Add a course (secretariat).")
            @Argument(help: "Short unique code, e.g. PSEA or FIN-MGMT.") var code: String
            @Option(help: "The course's title.") var title: String
            @Option(help: "What it covers.") var description = ""
            @Option(name: .customLong("validity-months"), help: "How many months a certificate stays valid.") var validityMonths: Int
            @OptionGroup var actor: ActorOptions
            @OptionGroup var database: DatabaseOptions
            @OptionGroup var output: OutputOptions

            func run() throws {
                try reportingFailures {
                    let record = try database.store().addTrainingCourse(
                        code: code, title: title, description: description, validityMonths: validityMonths, as: try actor.resolved()
                    )
                    if output.json { return try printJSON(record) }
                    printCourses([record])
                }
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the courses.")
            @OptionGroup var database: DatabaseOptions
            @OptionGroup var output: OutputOptions

            func run() throws {
                try reportingFailures {
                    let records = try database.store().trainingCourses()
                    if output.json { return try printJSON(records) }
                    printCourses(records)
                }
            }
        }
    }

    // MARK: session

    struct Session: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Schedule sessions and move them through scheduled → held → closed (or cancelled).",
            subcommands: [Schedule.self, Held.self, Close.self, Cancel.self, List.self, Show.self]
        )

        struct Schedule: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Schedule a session (secretariat, or a trainer for their own session).")
            @Option(help: "The course's code.") var course: String
            @Option(help: "First day (YYYY-MM-DD).") var start: String
            @Option(help: "Last day (YYYY-MM-DD; default: the first day). Certificates are issued on it.") var end: String?
            @Option(help: "Where it takes place.") var place: String
            @Option(help: "The trainer's login.") var trainer: String
            @Option(help: "How many participants fit.") var capacity: Int
            @OptionGroup var actor: ActorOptions
            @OptionGroup var database: DatabaseOptions
            @OptionGroup var output: OutputOptions

            func run() throws {
                try reportingFailures {
                    let startDate = try date(start)
                    let record = try database.store().scheduleTrainingSession(
                        course: course, startDate: startDate, endDate: try end.map(date) ?? startDate, place: place, trainer: trainer,
                        capacity: capacity, as: try actor.resolved()
                    )
                    try showSession(record, attendance: nil, output)
                }
            }
        }

        struct Held: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Record that the session took place, with the attendance recorded (its trainer or the secretariat).")
            @Argument(help: "The session, e.g. TS-12.") var session: String
            @OptionGroup var version: VersionOptions
            @OptionGroup var actor: ActorOptions
            @OptionGroup var database: DatabaseOptions
            @OptionGroup var output: OutputOptions

            func run() throws {
                try reportingFailures {
                    let record = try database.store().recordTrainingSessionHeld(session, expectedVersion: version.expectedVersion, as: try actor.resolved())
                    try showSession(record, attendance: nil, output)
                }
            }
        }

        struct Close: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Close a held session and issue a certificate for each pass (its trainer or the secretariat).")
            @Argument(help: "The session, e.g. TS-12.") var session: String
            @OptionGroup var version: VersionOptions
            @OptionGroup var actor: ActorOptions
            @OptionGroup var database: DatabaseOptions
            @OptionGroup var output: OutputOptions

            func run() throws {
                try reportingFailures {
                    let record = try database.store().closeTrainingSession(session, expectedVersion: version.expectedVersion, as: try actor.resolved())
                    try showSession(record, attendance: nil, output)
                }
            }
        }

        struct Cancel: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Cancel a scheduled session (its trainer or the secretariat).")
            @Argument(help: "The session, e.g. TS-12.") var session: String
            @Option(help: "Why.") var reason: String
            @OptionGroup var version: VersionOptions
            @OptionGroup var actor: ActorOptions
            @OptionGroup var database: DatabaseOptions
            @OptionGroup var output: OutputOptions

            func run() throws {
                try reportingFailures {
                    let record = try database.store().cancelTrainingSession(
                        session, reason: reason, expectedVersion: version.expectedVersion, as: try actor.resolved()
                    )
                    try showSession(record, attendance: nil, output)
                }
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List sessions, latest first.")
            @Option(help: "Only sessions of this course.") var course: String?
            @Option(help: "Only sessions in this state (scheduled, held, closed, cancelled).") var state: String?
            @OptionGroup var page: PageOptions
            @OptionGroup var database: DatabaseOptions
            @OptionGroup var output: OutputOptions

            func run() throws {
                try reportingFailures {
                    let records = try database.store().trainingSessions(course: course, state: state, limit: page.limit, offset: page.offset)
                    if output.json { return try printJSON(records) }
                    printSessions(records)
                }
            }
        }

        struct Show: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Show a session and its attendance.")
            @Argument(help: "The session, e.g. TS-12.") var session: String
            @OptionGroup var database: DatabaseOptions
            @OptionGroup var output: OutputOptions

            func run() throws {
                try reportingFailures {
                    let store = database.store()
                    try showSession(try store.trainingSession(session), attendance: try store.trainingAttendance(session: session), output)
                }
            }
        }
    }

    // MARK: attend, import

    struct Attend: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record one participant of a scheduled or held session (its trainer or the secretariat).")
        @Argument(help: "The session, e.g. TS-12.") var session: String
        @Option(help: "The participant's name.") var name: String
        @Option(help: "The participant's organisation code.") var organisation: String
        @Option(help: "The participant's job, e.g. Finance officer.") var role = ""
        @Option(help: "The participant's gender as they state it.") var gender = ""
        @Flag(name: .customLong("absent"), help: "Registered but did not attend.") var absent = false
        @Flag(help: "Passed (gets a certificate when the session closes).") var passed = false
        @Option(help: "Score, 0–100.") var score: Double?
        @OptionGroup var actor: ActorOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures {
                let record = try database.store().recordAttendance(
                    session: session,
                    ParticipantInput(name: name, organisation: organisation, role: role, gender: gender, attended: !absent, passed: passed, score: score),
                    as: try actor.resolved()
                )
                if output.json { return try printJSON(record) }
                printAttendance([record])
            }
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import the attendance of a sign-in sheet (CSV), all or nothing.",
            discussion: """
                The first line names the columns, in any order: name, organisation (its code), role, gender, attended \
                (yes/no, default yes), passed (yes/no, default no), score (0–100). Fields holding commas, quotes or line \
                breaks go in double quotes. Any problem refuses the whole sheet with a report by line number; the same \
                person (name ignoring case, accents and spaces, with the organisation) twice is a problem.
                """
        )
        @Argument(help: "The session, e.g. TS-12.") var session: String
        @Argument(help: "The CSV file (- for standard input).") var file: String
        @OptionGroup var actor: ActorOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures {
                let data: Data
                do {
                    data = file == "-" ? FileHandle.standardInput.readDataToEndOfFile() : try Data(contentsOf: URL(fileURLWithPath: file))
                } catch {
                    throw FileProblem(message: "The file \(file) cannot be read; check its path and permissions.")
                }
                guard let text = String(data: data, encoding: .utf8) else {
                    throw StoreError(.rejected, code: "file_invalid", "The file \(file) is not UTF-8 text; save the sheet as CSV UTF-8 and import it again.")
                }
                let records = try database.store().importAttendance(session: session, csv: text, as: try actor.resolved())
                if output.json { return try printJSON(records) }
                printAttendance(records)
                print("\(records.count) participant\(records.count == 1 ? "" : "s") imported into \(session.uppercased()).")
            }
        }
    }

    // MARK: certificate

    struct Certificate: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List, watch and revoke certificates.", subcommands: [List.self, Expiring.self, Revoke.self],
            aliases: ["certificates"]
        )

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "List the certificates valid today (or all with --all).")
            @Option(help: "Only this organisation's.") var organisation: String?
            @Option(help: "Only this course's.") var course: String?
            @Flag(help: "Also expired and revoked certificates.") var all = false
            @OptionGroup var page: PageOptions
            @OptionGroup var database: DatabaseOptions
            @OptionGroup var output: OutputOptions

            func run() throws {
                try reportingFailures {
                    let records = try database.store().trainingCertificates(CertificateFilter(
                        organisation: organisation, course: course, includeInvalid: all, limit: page.limit, offset: page.offset
                    ))
                    if output.json { return try printJSON(records) }
                    printCertificates(records)
                }
            }
        }

        struct Expiring: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Certificates whose last valid day is within the next N days.")
            @Option(help: "How many days ahead.") var days = 30
            @OptionGroup var database: DatabaseOptions
            @OptionGroup var output: OutputOptions

            func run() throws {
                try reportingFailures {
                    let records = try database.store().expiringCertificates(withinDays: days)
                    if output.json { return try printJSON(records) }
                    printCertificates(records)
                }
            }
        }

        struct Revoke: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Revoke a certificate (secretariat); it no longer counts.")
            @Argument(help: "The certificate, e.g. TC-7.") var certificate: String
            @Option(help: "Why.") var reason: String
            @OptionGroup var actor: ActorOptions
            @OptionGroup var database: DatabaseOptions
            @OptionGroup var output: OutputOptions

            func run() throws {
                try reportingFailures {
                    let record = try database.store().revokeCertificate(certificate, reason: reason, as: try actor.resolved())
                    if output.json { return try printJSON(record) }
                    printCertificates([record])
                }
            }
        }
    }

    // MARK: report

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Who is trained in what (per organisation) and attendance (per course).", subcommands: [Organisation.self, Course.self]
        )

        struct Organisation: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "org", abstract: "Valid certificates of an organisation's staff and its tranche training shortfalls.")
            @Argument(help: "The organisation's code.") var code: String
            @OptionGroup var database: DatabaseOptions
            @OptionGroup var output: OutputOptions

            func run() throws {
                try reportingFailures {
                    let report = try database.store().organisationTrainingReport(code)
                    if output.json { return try printJSON(report) }
                    print("\(report.organisation) — \(report.name), on \(report.on)")
                    var table = TextTable("HOLDER", "COURSE", "CERTIFICATE", "ISSUED", "VALID THROUGH")
                    for certificate in report.certificates {
                        table.add(certificate.holderName, certificate.courseCode, certificate.reference, certificate.issuedOn.description, certificate.validThrough.description)
                    }
                    print(table.render())
                    printShortfalls(report.trancheShortfalls, subject: "the tranche policy")
                }
            }
        }

        struct Course: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "A course's sessions and attendance by gender and organisation.")
            @Argument(help: "The course's code.") var code: String
            @OptionGroup var database: DatabaseOptions
            @OptionGroup var output: OutputOptions

            func run() throws {
                try reportingFailures {
                    let report = try database.store().courseTrainingReport(code)
                    if output.json { return try printJSON(report) }
                    print("\(report.course.code) — \(report.course.title) (valid \(report.course.validityMonths) months); \(report.validCertificates) valid certificates")
                    printSessions(report.sessions)
                    for (title, tallies) in [("GENDER", report.byGender), ("ORGANISATION", report.byOrganisation)] {
                        var table = TextTable(title, "REGISTERED", "ATTENDED", "PASSED")
                        for tally in tallies { table.add(tally.group, "\(tally.registered)", "\(tally.attended)", "\(tally.passed)") }
                        print("")
                        print(table.render())
                    }
                }
            }
        }
    }

    // MARK: requirement

    struct Requirement: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Training a call or the tranche policy requires, and checking an organisation against it.",
            subcommands: [SetCall.self, SetTranche.self, List.self, Check.self],
            aliases: ["requirements"]
        )

        struct SetCall: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "set-call", abstract: "Require N staff with a valid certificate to submit to a call (0 removes it; secretariat).")
            @Argument(help: "The call's code.") var call: String
            @Option(help: "The course's code.") var course: String
            @Option(name: .customLong("min-staff"), help: "How many different staff need a valid certificate.") var minimumStaff = 1
            @OptionGroup var actor: ActorOptions
            @OptionGroup var database: DatabaseOptions
            @OptionGroup var output: OutputOptions

            func run() throws {
                try reportingFailures {
                    let records = try database.store().setCallTrainingRequirement(call: call, course: course, minimumStaff: minimumStaff, as: try actor.resolved())
                    if output.json { return try printJSON(records) }
                    printRequirements(records)
                }
            }
        }

        struct SetTranche: ParsableCommand {
            static let configuration = CommandConfiguration(commandName: "set-tranche", abstract: "Require N staff with a valid certificate for tranche releases (0 removes it; secretariat or fund manager).")
            @Option(help: "The risk rating it applies to: low, medium, high or all.") var risk = "all"
            @Option(help: "The course's code.") var course: String
            @Option(name: .customLong("min-staff"), help: "How many different staff need a valid certificate.") var minimumStaff = 1
            @OptionGroup var actor: ActorOptions
            @OptionGroup var database: DatabaseOptions
            @OptionGroup var output: OutputOptions

            func run() throws {
                try reportingFailures {
                    let rating: RiskRating?
                    if risk.lowercased() == "all" {
                        rating = nil
                    } else if let value = RiskRating(rawValue: risk.lowercased()) {
                        rating = value
                    } else {
                        throw StoreError(.rejected, code: "risk_invalid", "\"\(risk)\" is not a risk rating; use low, medium, high or all.")
                    }
                    let records = try database.store().setTrancheTrainingRequirement(risk: rating, course: course, minimumStaff: minimumStaff, as: try actor.resolved())
                    if output.json { return try printJSON(records) }
                    printRequirements(records)
                }
            }
        }

        struct List: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "Every training requirement (the tranche policy's and each call's), or only a call's with --call.")
            @Option(help: "Only the requirements of this call (its code).") var call: String?
            @OptionGroup var database: DatabaseOptions
            @OptionGroup var output: OutputOptions

            func run() throws {
                try reportingFailures {
                    let records = try database.store().trainingRequirements(call: call)
                    if output.json { return try printJSON(records) }
                    printRequirements(records)
                }
            }
        }

        struct Check: ParsableCommand {
            static let configuration = CommandConfiguration(abstract: "The requirements an organisation does not meet (the tranche policy's, or a call's with --call).")
            @Argument(help: "The organisation's code.") var organisation: String
            @Option(help: "Check against this call's requirements instead.") var call: String?
            @Option(help: "The day to check (YYYY-MM-DD; default today).") var on: String?
            @OptionGroup var database: DatabaseOptions
            @OptionGroup var output: OutputOptions

            func run() throws {
                try reportingFailures {
                    let store = database.store()
                    let day = try on.map(date) ?? LocalDate(Date(), utcOffsetMinutes: store.calendar.utcOffsetMinutes)
                    let shortfalls = if let call {
                        try store.callTrainingShortfalls(organisationCode: organisation, call: call, on: day)
                    } else {
                        try store.trainingShortfalls(organisationCode: organisation, on: day)
                    }
                    if output.json { return try printJSON(shortfalls) }
                    printShortfalls(shortfalls, subject: call.map { "call \($0.uppercased())" } ?? "the tranche policy")
                }
            }
        }
    }
}

// MARK: Output

private func printCourses(_ records: [TrainingCourseRecord]) {
    var table = TextTable("CODE", "TITLE", "VALID (MONTHS)", "DESCRIPTION")
    for record in records { table.add(record.code, record.title, "\(record.validityMonths)", record.description) }
    print(table.render())
}

private func printSessions(_ records: [TrainingSessionRecord]) {
    var table = TextTable("SESSION", "COURSE", "START", "END", "PLACE", "TRAINER", "STATE", "PARTICIPANTS", "PASSED")
    for record in records {
        table.add(record.reference, record.course.code, record.startDate.description, record.endDate.description, record.place, record.trainer,
                  record.state, "\(record.participants)/\(record.capacity)", "\(record.passed)")
    }
    print(table.render())
}

private func showSession(_ record: TrainingSessionRecord, attendance: [AttendanceRecord]?, _ output: OutputOptions) throws {
    if output.json {
        if let attendance {
            struct Shown: Encodable {
                let session: TrainingSessionRecord
                let attendance: [AttendanceRecord]
            }
            return try printJSON(Shown(session: record, attendance: attendance))
        }
        return try printJSON(record)
    }
    printFields([
        ("Session", record.reference), ("Course", "\(record.course.code) — \(record.course.title)"),
        ("Dates", record.startDate == record.endDate ? record.startDate.description : "\(record.startDate) to \(record.endDate)"),
        ("Place", record.place), ("Trainer", record.trainer), ("State", record.state), ("Cancelled because", record.cancelReason),
        ("Participants", "\(record.participants) of \(record.capacity) (attended \(record.attended), passed \(record.passed))"),
        ("Version", "\(record.version)"),
    ])
    if let attendance, !attendance.isEmpty {
        print("")
        printAttendance(attendance)
    }
}

private func printAttendance(_ records: [AttendanceRecord]) {
    var table = TextTable("NAME", "ORGANISATION", "ROLE", "GENDER", "ATTENDED", "PASSED", "SCORE")
    for record in records {
        table.add(record.name.replacingOccurrences(of: "\n", with: " "), record.organisation, record.role.replacingOccurrences(of: "\n", with: " "),
                  record.gender, record.attended ? "yes" : "no", record.passed ? "yes" : "no", record.score.map { String(format: "%g", $0) } ?? "")
    }
    print(table.render())
}

private func printCertificates(_ records: [CertificateRecord]) {
    var table = TextTable("CERTIFICATE", "HOLDER", "ORGANISATION", "COURSE", "ISSUED", "VALID THROUGH", "STATUS")
    for record in records {
        table.add(record.reference, record.holderName, record.organisation, record.courseCode, record.issuedOn.description,
                  record.validThrough.description, record.status + (record.revocationReason.map { ": \($0)" } ?? ""))
    }
    print(table.render())
}

private func printRequirements(_ records: [TrainingRequirementRecord]) {
    guard !records.isEmpty else { return print("No training requirement.") }
    var table = TextTable("SCOPE", "APPLIES TO", "COURSE", "MIN STAFF")
    for record in records { table.add(record.scope, record.target, "\(record.courseCode) — \(record.courseTitle)", "\(record.minimumStaff)") }
    print(table.render())
}

private func printShortfalls(_ shortfalls: [TrainingShortfall], subject: String) {
    if shortfalls.isEmpty {
        print("Meets the training requirements of \(subject).")
    } else {
        print("Does not meet the training requirements of \(subject):")
        for shortfall in shortfalls { print("  \(shortfall)") }
    }
}
