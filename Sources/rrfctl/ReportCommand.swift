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

    struct List: StoreQuery {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List a grant's reports with due dates and the overdue flag.")
        @Argument(help: "The grant's reference.") var grant: String
        @OptionGroup var options: ReadOptions

        func perform(_ store: FundStore) throws -> [ReportRecord] { try store.reports(grant) }
    }

    struct Submit: StoreChange {
        static let configuration = CommandConfiguration(
            commandName: "submit",
            abstract: "Submit a due or returned report (a user of the organisation).",
            discussion: "Spending is cumulative to the end of the period, one --spent per budget line: --spent \"Water trucking=1200.00 USD\"."
        )
        @Argument(help: "The grant's reference.") var grant: String
        @Argument(help: "The report's number (1, 2 …).") var sequence: Int
        @Option(parsing: .unconditional, help: "What was done.") var narrative: String
        @Option(parsing: .unconditionalSingleValue, help: "\"<budget line>=<amount with currency>\"; repeat per line.") var spent: [String]
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> ReportRecord {
            let lines = try spent.map { text in
                guard let separator = text.lastIndex(of: "=") else {
                    throw StoreError(.rejected, code: "spending_invalid", "\"\(text)\" is not a spending line; write it like \"Water trucking=1200.00 USD\".")
                }
                return SpendingLine(line: String(text[..<separator]), amount: String(text[text.index(after: separator)...]))
            }
            return try store.submitReport(grant, sequence: sequence, narrative: narrative, spending: lines, expectedVersion: version.expectedVersion, as: login)
        }
    }

    struct Accept: StoreChange {
        static let configuration = CommandConfiguration(
            commandName: "accept",
            abstract: "Accept a submitted report (secretariat or fund manager); the final one closes the grant when a fund manager accepts it."
        )
        @OptionGroup var report: ReportTarget
        @Option(parsing: .unconditional, help: "A comment for the organisation.") var comment: String?
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> ReportRecord {
            try store.acceptReport(report.grant, sequence: report.sequence, comment: comment, expectedVersion: version.expectedVersion, as: login)
        }
    }

    struct Return: StoreChange {
        static let configuration = CommandConfiguration(commandName: "return", abstract: "Return a submitted report for changes (secretariat or fund manager).")
        @OptionGroup var report: ReportTarget
        @Option(parsing: .unconditional, help: "What must change.") var comment: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> ReportRecord {
            try store.returnReport(report.grant, sequence: report.sequence, comment: comment, expectedVersion: version.expectedVersion, as: login)
        }
    }

    struct Reopen: StoreChange {
        static let configuration = CommandConfiguration(
            commandName: "reopen",
            abstract: "Reopen an accepted report so the organisation corrects it (fund manager).",
            discussion: """
                The report goes back to the organisation as returned. A final report can be reopened while its grant is closing \
                (the grant becomes active again); an interim report while no tranche was made ready, approved or released on it.
                """
        )
        @OptionGroup var report: ReportTarget
        @Option(parsing: .unconditional, help: "Why it is reopened, for the organisation and the audit log.") var reason: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> ReportRecord {
            try store.reopenReport(report.grant, sequence: report.sequence, reason: reason, expectedVersion: version.expectedVersion, as: login)
        }
    }

    struct MarkDue: StoreChange {
        static let configuration = CommandConfiguration(
            commandName: "mark-due", abstract: "Make every report whose period has ended due (secretariat; the daemon does this hourly)."
        )
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> [ReportRecord] { try store.markReportsDue(as: login) }

        func show(_ reports: [ReportRecord]) {
            if reports.isEmpty { return print("No report became due.") }
            ReportRecord.printTable(reports)
        }
    }
}

/// The report a review command acts on: its grant and number.
struct ReportTarget: ParsableArguments {
    @Argument(help: "The grant's reference.") var grant: String
    @Argument(help: "The report's number.") var sequence: Int
}

extension ReportRecord: HumanReadable, TablePrintable {
    /// Reports as a table.
    static func printTable(_ reports: [ReportRecord]) {
        var table = TextTable("GRANT", "#", "KIND", "PERIOD", "DUE", "STATE", "SPENT", "OVERDUE")
        for report in reports {
            table.add(
                report.grant, "\(report.sequence)", report.kind.rawValue, "\(report.periodStart) – \(report.periodEnd)", report.dueDate.description,
                report.state, report.spent?.grouped ?? "-", report.overdue ? "yes" : ""
            )
        }
        print(table.render())
    }
}
