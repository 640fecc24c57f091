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

    struct Course: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "course", abstract: "Add and list training courses.", subcommands: [Add.self, List.self])

        struct Add: StoreChange {
            static let configuration = CommandConfiguration(commandName: "add", abstract: "Add a course (secretariat).")
            @Argument(help: "Short unique code, e.g. PSEA or FIN-MGMT.") var code: String
            @Option(help: "The course's title.") var title: String
            @Option(help: "What it covers.") var description = ""
            @Option(name: .customLong("validity-months"), help: "How many months a certificate stays valid.") var validityMonths: Int
            @OptionGroup var options: ChangeOptions

            func perform(_ store: FundStore, as login: String) throws -> TrainingCourseRecord {
                try store.addTrainingCourse(code: code, title: title, description: description, validityMonths: validityMonths, as: login)
            }
        }

        struct List: StoreQuery {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "List the courses.")
            @OptionGroup var options: ReadOptions

            func perform(_ store: FundStore) throws -> [TrainingCourseRecord] { try store.trainingCourses() }
        }
    }
}

extension TrainingCourseRecord: HumanReadable, TablePrintable {
    /// Courses as a table.
    static func printTable(_ records: [TrainingCourseRecord]) {
        var table = TextTable("CODE", "TITLE", "VALID (MONTHS)", "DESCRIPTION")
        for record in records { table.add(record.code, record.title, "\(record.validityMonths)", record.description) }
        print(table.render())
    }
}
