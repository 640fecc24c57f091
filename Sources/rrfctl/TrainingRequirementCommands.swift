import ArgumentParser
import Foundation
import RRFStore
import RRFWorkflow

extension TrainingCommand {
    /// `rrfctl training requirement`: the training a call or the tranche policy requires.
    struct Requirement: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "requirement",
            abstract: "Training a call or the tranche policy requires, and checking an organisation against it.",
            subcommands: [SetCall.self, SetTranche.self, List.self, Check.self],
            aliases: ["requirements"]
        )

        struct SetCall: StoreChange {
            static let configuration = CommandConfiguration(commandName: "set-call", abstract: "Require N staff with a valid certificate to submit to a call (0 removes it; secretariat).")
            @Argument(help: "The call's code.") var call: String
            @Option(help: "The course's code.") var course: String
            @Option(name: .customLong("min-staff"), help: "How many different staff need a valid certificate.") var minimumStaff = 1
            @OptionGroup var options: ChangeOptions

            func perform(_ store: FundStore, as login: String) throws -> [TrainingRequirementRecord] {
                try store.setCallTrainingRequirement(call: call, course: course, minimumStaff: minimumStaff, as: login)
            }
        }

        struct SetTranche: StoreChange {
            static let configuration = CommandConfiguration(commandName: "set-tranche", abstract: "Require N staff with a valid certificate for tranche releases (0 removes it; secretariat or fund manager).")
            @Option(help: "The risk rating it applies to: low, medium, high or all.") var risk = "all"
            @Option(help: "The course's code.") var course: String
            @Option(name: .customLong("min-staff"), help: "How many different staff need a valid certificate.") var minimumStaff = 1
            @OptionGroup var options: ChangeOptions

            func perform(_ store: FundStore, as login: String) throws -> [TrainingRequirementRecord] {
                let rating: RiskRating?
                if risk.lowercased() == "all" {
                    rating = nil
                } else if let value = RiskRating(rawValue: risk.lowercased()) {
                    rating = value
                } else {
                    throw StoreError(.rejected, code: "risk_invalid", "\"\(risk)\" is not a risk rating; use low, medium, high or all.")
                }
                return try store.setTrancheTrainingRequirement(risk: rating, course: course, minimumStaff: minimumStaff, as: login)
            }
        }

        struct List: StoreQuery {
            static let configuration = CommandConfiguration(commandName: "list", abstract: "Every training requirement (the tranche policy's and each call's), or only a call's with --call.")
            @Option(help: "Only the requirements of this call (its code).", transform: codeArgument) var call: String?
            @OptionGroup var options: ReadOptions

            func perform(_ store: FundStore) throws -> [TrainingRequirementRecord] { try store.trainingRequirements(call: call) }
        }

        struct Check: StoreQuery {
            static let configuration = CommandConfiguration(commandName: "check", abstract: "The requirements an organisation does not meet (the tranche policy's, or a call's with --call).")
            @Argument(help: "The organisation's code.") var organisation: String
            @Option(help: "Check against this call's requirements instead.", transform: codeArgument) var call: String?
            @Option(help: "The day to check (YYYY-MM-DD; default today).") var on: String?
            @OptionGroup var options: ReadOptions

            func perform(_ store: FundStore) throws -> [TrainingShortfall] {
                let day = try on.map { try date($0, option: "--on") } ?? LocalDate(Date(), utcOffsetMinutes: store.calendar.utcOffsetMinutes)
                if let call { return try store.callTrainingShortfalls(organisationCode: organisation, call: call, on: day) }
                return try store.trainingShortfalls(organisationCode: organisation, on: day)
            }

            func show(_ shortfalls: [TrainingShortfall]) {
                printShortfalls(shortfalls, subject: call.map { "call \($0.uppercased())" } ?? "the tranche policy")
            }
        }
    }
}

extension TrainingRequirementRecord: TablePrintable {
    /// Requirements as a table, or a sentence when there are none.
    static func printTable(_ records: [TrainingRequirementRecord]) {
        guard !records.isEmpty else { return print("No training requirement.") }
        var table = TextTable("SCOPE", "APPLIES TO", "COURSE", "MIN STAFF")
        for record in records { table.add(record.scope, record.target, "\(record.courseCode) — \(record.courseTitle)", "\(record.minimumStaff)") }
        print(table.render())
    }
}

/// Prints what an organisation lacks against `subject`'s training requirements, or that it meets them.
func printShortfalls(_ shortfalls: [TrainingShortfall], subject: String) {
    if shortfalls.isEmpty {
        print("Meets the training requirements of \(subject).")
    } else {
        print("Does not meet the training requirements of \(subject):")
        for shortfall in shortfalls { print("  \(shortfall)") }
    }
}
