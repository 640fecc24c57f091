import ArgumentParser
import Foundation
import Postgres
import RRFStore
import RRFWorkflow

/// `rrfctl org`: partner organisations.
struct OrganisationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "org",
        abstract: "Register, assess, suspend and list partner organisations.",
        subcommands: [Register.self, Assess.self, Ineligible.self, Suspend.self, Reinstate.self, List.self, Show.self]
    )

    struct Register: StoreChange {
        static let configuration = CommandConfiguration(commandName: "register", abstract: "Register a partner organisation (secretariat).")
        @Argument(help: "Short unique code, e.g. NGO-ALPHA.") var code: String
        @Option(help: "The organisation's name.") var name: String
        @Option(help: "ISO 3166 two-letter country code, e.g. KE.") var country: String
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> OrganisationRecord {
            try store.registerOrganisation(code: code, name: name, country: country, as: login)
        }
    }

    struct Assess: StoreChange {
        static let configuration = CommandConfiguration(commandName: "assess", abstract: "Record a due diligence assessment: risk rating and expiry (secretariat).")
        @Argument(help: "The organisation's code.") var code: String
        @Option(help: "Risk rating: low, medium or high.") var risk: String
        @Option(name: .customLong("expires"), help: "Last day the due diligence is valid (YYYY-MM-DD).") var expires: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> OrganisationRecord {
            guard let rating = RiskRating(rawValue: risk.lowercased()) else {
                throw StoreError(.rejected, code: "risk_invalid", "\"\(risk)\" is not a risk rating; use low, medium or high.")
            }
            return try store.assessOrganisation(code, risk: rating, dueDiligenceExpires: try date(expires, option: "--expires"), expectedVersion: version.expectedVersion, as: login)
        }
    }

    struct Ineligible: StoreChange {
        static let configuration = CommandConfiguration(commandName: "ineligible", abstract: "Declare an organisation ineligible until a date (secretariat or fund manager).")
        @Argument(help: "The organisation's code.") var code: String
        @Option(help: "Last day of the ineligibility (YYYY-MM-DD).") var until: String
        @Option(help: "Why.") var reason: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> OrganisationRecord {
            try store.declareOrganisationIneligible(code, until: try date(until, option: "--until"), reason: reason, expectedVersion: version.expectedVersion, as: login)
        }
    }

    struct Suspend: StoreChange {
        static let configuration = CommandConfiguration(commandName: "suspend", abstract: "Suspend an assessed organisation (secretariat or fund manager).")
        @Argument(help: "The organisation's code.") var code: String
        @Option(help: "Why.") var reason: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> OrganisationRecord {
            try store.suspendOrganisation(code, reason: reason, expectedVersion: version.expectedVersion, as: login)
        }
    }

    struct Reinstate: StoreChange {
        static let configuration = CommandConfiguration(commandName: "reinstate", abstract: "Lift a suspension (secretariat or fund manager).")
        @Argument(help: "The organisation's code.") var code: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> OrganisationRecord {
            try store.reinstateOrganisation(code, expectedVersion: version.expectedVersion, as: login)
        }
    }

    struct List: StoreQuery {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List organisations.")
        @Option(help: "Only organisations in this state (registered, assessed, reassessed, ineligible, suspended).") var state: String?
        @OptionGroup var page: PageOptions
        @OptionGroup var options: ReadOptions

        func validate() throws { try requireOneOf(state, names(OrganisationMachine.State.Name.self), option: "--state") }

        func perform(_ store: FundStore) throws -> Page<OrganisationRecord> {
            try store.organisations(state: state, limit: page.limit, after: page.after)
        }

        func show(_ records: Page<OrganisationRecord>) {
            var table = TextTable("CODE", "NAME", "COUNTRY", "STATE", "RISK", "DD EXPIRES", "VERSION")
            for record in records {
                table.add(record.code, record.name, record.country, record.state, record.risk?.rawValue ?? "",
                          record.dueDiligenceExpires?.description ?? "", "\(record.version)")
            }
            print(table.render())
        }
    }

    struct Show: StoreQuery {
        static let configuration = CommandConfiguration(commandName: "show", abstract: "Show one organisation.")
        @Argument(help: "The organisation's code.") var code: String
        @OptionGroup var options: ReadOptions

        func perform(_ store: FundStore) throws -> OrganisationRecord { try store.organisation(code) }
    }
}

extension OrganisationRecord: HumanReadable {
    /// The organisation's fields.
    func printForPeople() {
        printFields([
            ("Code", code), ("Name", name), ("Country", country), ("State", state),
            ("Risk", risk?.rawValue), ("Assessed on", assessedOn?.description),
            ("Due diligence expires", dueDiligenceExpires?.description), ("Ineligible until", ineligibleUntil?.description),
            ("Reason", reason), ("Version", "\(version)"),
        ])
    }
}

/// Prints `label: value` lines, aligned, skipping absent values.
func printFields(_ fields: [(String, String?)]) {
    let present = fields.compactMap { label, value in value.map { (label, $0) } }
    let width = present.map(\.0.count).max() ?? 0
    for (label, value) in present {
        print("\(label):".padding(toLength: width + 2, withPad: " ", startingAt: 0) + value)
    }
}
