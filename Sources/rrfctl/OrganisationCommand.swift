import ArgumentParser
import Foundation
import RRFStore
import RRFWorkflow

/// `rrfctl org`: partner organisations.
struct OrganisationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "org",
        abstract: "Register, assess, suspend and list partner organisations.",
        subcommands: [Register.self, Assess.self, Ineligible.self, Suspend.self, Reinstate.self, List.self, Show.self]
    )

    struct Register: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Register a partner organisation (secretariat).")
        @Argument(help: "Short unique code, e.g. NGO-ALPHA.") var code: String
        @Option(help: "The organisation's name.") var name: String
        @Option(help: "ISO 3166 two-letter country code, e.g. KE.") var country: String
        @OptionGroup var options: ChangeOptions

        func run() throws {
            try reportingFailures {
                let record = try options.store().registerOrganisation(code: code, name: name, country: country, as: try options.login())
                try show(record, options.output)
            }
        }
    }

    struct Assess: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Record a due diligence assessment: risk rating and expiry (secretariat).")
        @Argument(help: "The organisation's code.") var code: String
        @Option(help: "Risk rating: low, medium or high.") var risk: String
        @Option(name: .customLong("expires"), help: "Last day the due diligence is valid (YYYY-MM-DD).") var expires: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func run() throws {
            try reportingFailures {
                guard let rating = RiskRating(rawValue: risk.lowercased()) else {
                    throw StoreError(.rejected, code: "risk_invalid", "\"\(risk)\" is not a risk rating; use low, medium or high.")
                }
                let record = try options.store().assessOrganisation(
                    code, risk: rating, dueDiligenceExpires: try date(expires), expectedVersion: version.expectedVersion, as: try options.login()
                )
                try show(record, options.output)
            }
        }
    }

    struct Ineligible: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Declare an organisation ineligible until a date (secretariat or fund manager).")
        @Argument(help: "The organisation's code.") var code: String
        @Option(help: "Last day of the ineligibility (YYYY-MM-DD).") var until: String
        @Option(help: "Why.") var reason: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func run() throws {
            try reportingFailures {
                let record = try options.store().declareOrganisationIneligible(
                    code, until: try date(until), reason: reason, expectedVersion: version.expectedVersion, as: try options.login()
                )
                try show(record, options.output)
            }
        }
    }

    struct Suspend: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Suspend an assessed organisation (secretariat or fund manager).")
        @Argument(help: "The organisation's code.") var code: String
        @Option(help: "Why.") var reason: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func run() throws {
            try reportingFailures {
                let record = try options.store().suspendOrganisation(code, reason: reason, expectedVersion: version.expectedVersion, as: try options.login())
                try show(record, options.output)
            }
        }
    }

    struct Reinstate: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Lift a suspension (secretariat or fund manager).")
        @Argument(help: "The organisation's code.") var code: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func run() throws {
            try reportingFailures {
                let record = try options.store().reinstateOrganisation(code, expectedVersion: version.expectedVersion, as: try options.login())
                try show(record, options.output)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List organisations.")
        @Option(help: "Only organisations in this state (registered, assessed, reassessed, ineligible, suspended).") var state: String?
        @OptionGroup var page: PageOptions
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures {
                let records = try database.store().organisations(state: state, limit: page.limit, offset: page.offset)
                if output.json { return try printJSON(records) }
                var table = TextTable("CODE", "NAME", "COUNTRY", "STATE", "RISK", "DD EXPIRES", "VERSION")
                for record in records {
                    table.add(record.code, record.name, record.country, record.state, record.risk?.rawValue ?? "",
                              record.dueDiligenceExpires?.description ?? "", "\(record.version)")
                }
                print(table.render())
            }
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one organisation.")
        @Argument(help: "The organisation's code.") var code: String
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures { try show(try database.store().organisation(code), output) }
        }
    }
}

private func show(_ record: OrganisationRecord, _ output: OutputOptions) throws {
    if output.json { return try printJSON(record) }
    printFields([
        ("Code", record.code), ("Name", record.name), ("Country", record.country), ("State", record.state),
        ("Risk", record.risk?.rawValue), ("Assessed on", record.assessedOn?.description),
        ("Due diligence expires", record.dueDiligenceExpires?.description), ("Ineligible until", record.ineligibleUntil?.description),
        ("Reason", record.reason), ("Version", "\(record.version)"),
    ])
}

/// Prints `label: value` lines, aligned, skipping absent values.
func printFields(_ fields: [(String, String?)]) {
    let present = fields.compactMap { label, value in value.map { (label, $0) } }
    let width = present.map(\.0.count).max() ?? 0
    for (label, value) in present {
        print("\(label):".padding(toLength: width + 2, withPad: " ", startingAt: 0) + value)
    }
}
