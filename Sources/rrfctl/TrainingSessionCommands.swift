import ArgumentParser
import Foundation
import Postgres
import RRFStore
import RRFWorkflow

extension TrainingCommand {
    /// `rrfctl training session`: a session's lifecycle.
    struct Session: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "session",
            abstract: "Schedule sessions and move them through scheduled → held → closed (or cancelled).",
            subcommands: [Schedule.self, Held.self, Close.self, Cancel.self, List.self, Show.self]
        )

        struct Schedule: StoreChange {
            static let configuration = CommandConfiguration(commandName: "schedule", abstract: "Schedule a session (secretariat, or a trainer for their own session).")
            @Option(help: "The course's code.") var course: String
            @Option(help: "First day (YYYY-MM-DD).") var start: String
            @Option(help: "Last day (YYYY-MM-DD; default: the first day). Certificates are issued on it.") var end: String?
            @Option(help: "Where it takes place.") var place: String
            @Option(help: "The trainer's login.", transform: loginArgument) var trainer: String
            @Option(help: "How many participants fit.") var capacity: Int
            @OptionGroup var options: ChangeOptions

            func perform(_ store: FundStore, as login: String) throws -> TrainingSessionRecord {
                let startDate = try date(start, option: "--start")
                return try store.scheduleTrainingSession(
                    course: course, startDate: startDate, endDate: try end.map { try date($0, option: "--end") } ?? startDate, place: place, trainer: trainer,
                    capacity: capacity, as: login
                )
            }
        }

        struct Held: StoreChange {
            static let configuration = CommandConfiguration(commandName: "held", abstract: "Record that the session took place, with the attendance recorded (its trainer or the secretariat).")
            @Argument(help: "The session, e.g. TS-12.") var session: String
            @OptionGroup var version: VersionOptions
            @OptionGroup var options: ChangeOptions

            func perform(_ store: FundStore, as login: String) throws -> TrainingSessionRecord {
                try store.recordTrainingSessionHeld(session, expectedVersion: version.expectedVersion, as: login)
            }
        }

        struct Close: StoreChange {
            static let configuration = CommandConfiguration(commandName: "close", abstract: "Close a held session and issue a certificate for each pass (its trainer or the secretariat).")
            @Argument(help: "The session, e.g. TS-12.") var session: String
            @OptionGroup var version: VersionOptions
            @OptionGroup var options: ChangeOptions

            func perform(_ store: FundStore, as login: String) throws -> TrainingSessionRecord {
                try store.closeTrainingSession(session, expectedVersion: version.expectedVersion, as: login)
            }
        }

        struct Cancel: StoreChange {
            static let configuration = CommandConfiguration(commandName: "cancel", abstract: "Cancel a scheduled session (its trainer or the secretariat).")
            @Argument(help: "The session, e.g. TS-12.") var session: String
            @Option(help: "Why.") var reason: String
            @OptionGroup var version: VersionOptions
            @OptionGroup var options: ChangeOptions

            func perform(_ store: FundStore, as login: String) throws -> TrainingSessionRecord {
                try store.cancelTrainingSession(session, reason: reason, expectedVersion: version.expectedVersion, as: login)
            }
        }

        struct List: StoreQuery {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "List sessions, latest first.")
            @Option(help: "Only sessions of this course.", transform: codeArgument) var course: String?
            @Option(help: "Only sessions in this state (scheduled, held, closed, cancelled).") var state: String?
            @OptionGroup var page: PageOptions
            @OptionGroup var options: ReadOptions

            func validate() throws { try requireOneOf(state, names(TrainingSessionMachine.State.Name.self), option: "--state") }

            func perform(_ store: FundStore) throws -> Page<TrainingSessionRecord> {
                try store.trainingSessions(course: course, state: state, limit: page.limit, after: page.after)
            }
        }

        struct Show: StoreQuery {
            static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a session and its attendance.")
            @Argument(help: "The session, e.g. TS-12.") var session: String
            @OptionGroup var options: ReadOptions

            /// A session with its participants.
            struct Shown: Encodable {
                let session: TrainingSessionRecord
                let attendance: [AttendanceRecord]
            }

            func perform(_ store: FundStore) throws -> Shown {
                Shown(session: try store.trainingSession(session), attendance: try store.trainingAttendance(session: session))
            }

            func show(_ shown: Shown) {
                shown.session.printForPeople()
                if !shown.attendance.isEmpty {
                    print("")
                    AttendanceRecord.printTable(shown.attendance)
                }
            }
        }
    }

    struct Attend: StoreChange {
        static let configuration = CommandConfiguration(commandName: "attend", abstract: "Record one participant of a scheduled or held session (its trainer or the secretariat).")
        @Argument(help: "The session, e.g. TS-12.") var session: String
        @Option(help: "The participant's name.") var name: String
        @Option(help: "The participant's organisation code.") var organisation: String
        @Option(help: "The participant's job, e.g. Finance officer.") var role = ""
        @Option(help: "The participant's gender as they state it.") var gender = ""
        @Flag(name: .customLong("absent"), help: "Registered but did not attend.") var absent = false
        @Flag(help: "Passed (gets a certificate when the session closes).") var passed = false
        @Option(help: "Score, 0–100.") var score: Double?
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> AttendanceRecord {
            try store.recordAttendance(
                session: session,
                ParticipantInput(name: name, organisation: organisation, role: role, gender: gender, attended: !absent, passed: passed, score: score),
                as: login
            )
        }
    }

    struct Import: StoreChange {
        static let configuration = CommandConfiguration(
            commandName: "import",
            abstract: "Import the attendance of a sign-in sheet (CSV), all or nothing.",
            discussion: """
                The file is CSV (UTF-8, comma-separated; a field holding commas, quotes or line breaks goes in double \
                quotes, a quote in it doubled). Its first line names the columns, in any order (case ignored):
                  name                   the participant's name
                  organisation           the organisation's code (also: organization, org)
                  role, gender           optional: text
                  attended               optional: yes or no (default yes; also y/n,
                                         true/false, 1/0, x/empty)
                  passed                 optional: yes or no (default no)
                  score                  optional: a number from 0 to 100
                Then one line per participant. Example (attendance.csv):
                  name,organisation,role,attended,passed,score
                  "Otieno, Brian",NGO-ALPHA,Finance officer,yes,yes,75
                  Amina Yusuf,NGO-BETA,,yes,no,
                A sheet not in this format (bad CSV, an unknown or missing column, a value that is not yes/no or a \
                score) is refused with exit code 65 and every problem by line; lines the fund's rules refuse (an \
                unknown organisation, the same person twice, ignoring case, accents and spaces, or a full session) \
                with exit code 3. Either way nothing is recorded.
                """
        )
        @Argument(help: "The session, e.g. TS-12.") var session: String
        @Argument(help: "The CSV file (- for standard input; its format is below).") var file: String
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> [AttendanceRecord] {
            let text = try readSheet(file, holding: "a header line and one line per participant") { TrainingSheet.read($0).problems.map(\.description) }
            return try store.importAttendance(session: session, csv: text, as: login)
        }

        func show(_ records: [AttendanceRecord]) {
            AttendanceRecord.printTable(records)
            print("\(records.count) participant\(records.count == 1 ? "" : "s") imported into \(session.uppercased()).")
        }
    }
}

extension TrainingSessionRecord: HumanReadable, TablePrintable {
    /// One session's fields.
    func printForPeople() {
        printFields([
            ("Session", reference), ("Course", "\(course.code) — \(course.title)"),
            ("Dates", startDate == endDate ? startDate.description : "\(startDate) to \(endDate)"),
            ("Place", place), ("Trainer", trainer), ("State", state), ("Cancelled because", cancelReason),
            ("Participants", "\(participants) of \(capacity) (attended \(attended), passed \(passed))"),
            ("Version", "\(version)"),
        ])
    }

    /// Sessions as a table.
    static func printTable(_ records: [TrainingSessionRecord]) {
        var table = TextTable("SESSION", "COURSE", "START", "END", "PLACE", "TRAINER", "STATE", "PARTICIPANTS", "PASSED")
        for record in records {
            table.add(record.reference, record.course.code, record.startDate.description, record.endDate.description, record.place, record.trainer,
                      record.state, "\(record.participants)/\(record.capacity)", "\(record.passed)")
        }
        print(table.render())
    }
}

extension AttendanceRecord: HumanReadable, TablePrintable {
    /// Participants as a table.
    static func printTable(_ records: [AttendanceRecord]) {
        var table = TextTable("NAME", "ORGANISATION", "ROLE", "GENDER", "ATTENDED", "PASSED", "SCORE")
        for record in records {
            table.add(record.name.replacingOccurrences(of: "\n", with: " "), record.organisation, record.role.replacingOccurrences(of: "\n", with: " "),
                      record.gender, record.attended ? "yes" : "no", record.passed ? "yes" : "no", record.score.map { String(format: "%g", $0) } ?? "")
        }
        print(table.render())
    }
}
