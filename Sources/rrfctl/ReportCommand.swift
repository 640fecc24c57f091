import ArgumentParser
import Foundation
import RRFStore
import RRFWorkflow

/// `rrfctl report`: the narrative and financial reports of grants.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "List, submit, accept, return and reopen grant reports; mark ended periods due.",
        subcommands: [List.self, Submit.self, Accept.self, Return.self, Reopen.self, MarkDue.self, KPIsCommand.self]
    )

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List a grant's reports with due dates and the overdue flag.")
        @Argument(help: "The grant's reference.") var grant: String
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures {
                let reports = try database.store().reports(grant)
                if output.json { return try printJSON(reports) }
                printReports(reports)
            }
        }
    }

    struct Submit: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Submit a due or returned report (a user of the organisation).",
            discussion: "Spending is cumulative to the end of the period, one --spent per budget line: --spent \"Water trucking=1200.00 USD\"."
        )
        @Argument(help: "The grant's reference.") var grant: String
        @Argument(help: "The report's number (1, 2 …).") var sequence: Int
        @Option(parsing: .unconditional, help: "What was done.") var narrative: String
        @Option(parsing: .unconditionalSingleValue, help: "\"<budget line>=<amount with currency>\"; repeat per line.") var spent: [String]
        @OptionGroup var version: VersionOptions
        @OptionGroup var actor: ActorOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures {
                let lines = try spent.map { text in
                    guard let separator = text.lastIndex(of: "=") else {
                        throw StoreError(.rejected, code: "spending_invalid", "\"\(text)\" is not a spending line; write it like \"Water trucking=1200.00 USD\".")
                    }
                    return SpendingLine(line: String(text[..<separator]), amount: String(text[text.index(after: separator)...]))
                }
                let record = try database.store().submitReport(
                    grant, sequence: sequence, narrative: narrative, spending: lines, expectedVersion: version.expectedVersion, as: try actor.resolved()
                )
                if output.json { return try printJSON(record) }
                printReports([record])
            }
        }
    }

    struct Accept: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Accept a submitted report (secretariat or fund manager); the final one closes the grant when a fund manager accepts it."
        )
        @Argument(help: "The grant's reference.") var grant: String
        @Argument(help: "The report's number.") var sequence: Int
        @Option(parsing: .unconditional, help: "A comment for the organisation.") var comment: String?
        @OptionGroup var version: VersionOptions
        @OptionGroup var actor: ActorOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures {
                let record = try database.store().acceptReport(grant, sequence: sequence, comment: comment, expectedVersion: version.expectedVersion, as: try actor.resolved())
                if output.json { return try printJSON(record) }
                printReports([record])
            }
        }
    }

    struct Return: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Return a submitted report for changes (secretariat or fund manager).")
        @Argument(help: "The grant's reference.") var grant: String
        @Argument(help: "The report's number.") var sequence: Int
        @Option(parsing: .unconditional, help: "What must change.") var comment: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var actor: ActorOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures {
                let record = try database.store().returnReport(grant, sequence: sequence, comment: comment, expectedVersion: version.expectedVersion, as: try actor.resolved())
                if output.json { return try printJSON(record) }
                printReports([record])
            }
        }
    }

    struct Reopen: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reopen an accepted report so the organisation corrects it (fund manager).",
            discussion: """
                The report goes back to the organisation as returned. A final report can be reopened while its grant is closing \
                (the grant becomes active again); an interim report while no tranche was made ready, approved or released on it.
                """
        )
        @Argument(help: "The grant's reference.") var grant: String
        @Argument(help: "The report's number.") var sequence: Int
        @Option(parsing: .unconditional, help: "Why it is reopened, for the organisation and the audit log.") var reason: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var actor: ActorOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures {
                let record = try database.store().reopenReport(grant, sequence: sequence, reason: reason, expectedVersion: version.expectedVersion, as: try actor.resolved())
                if output.json { return try printJSON(record) }
                printReports([record])
            }
        }
    }

    struct MarkDue: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "mark-due", abstract: "Make every report whose period has ended due (secretariat; the daemon does this hourly)."
        )
        @OptionGroup var actor: ActorOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures {
                let reports = try database.store().markReportsDue(as: try actor.resolved())
                if output.json { return try printJSON(reports) }
                if reports.isEmpty { return print("No report became due.") }
                printReports(reports)
            }
        }
    }
}

func printReports(_ reports: [ReportRecord]) {
    var table = TextTable("GRANT", "#", "KIND", "PERIOD", "DUE", "STATE", "SPENT", "OVERDUE")
    for report in reports {
        table.add(
            report.grant, "\(report.sequence)", report.kind.rawValue, "\(report.periodStart) – \(report.periodEnd)", report.dueDate.description,
            report.state, report.spent?.grouped ?? "-", report.overdue ? "yes" : ""
        )
    }
    print(table.render())
}
