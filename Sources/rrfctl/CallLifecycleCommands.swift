import ArgumentParser
import Foundation
import RRFStore
import RRFWorkflow

extension CallCommand {
    struct Edit: StoreChange {
        static let configuration = CommandConfiguration(
            commandName: "edit",
            abstract: "Change fields of a draft call (secretariat); the fields not given keep their value.",
            discussion: """
                Example: rrfctl call edit SA-2026-1 --review-deadline 2027-01-10 --envelope "health=250000 USD" --as sec

                \(scorecardFormat)

                A file not in its format (an unknown or missing field, a wrong type) is refused with exit code 65, \
                naming the file, the field and, for YAML, the line.
                """
        )
        @Argument(help: "The call's code.") var code: String
        @Option(help: "Title.") var title: String?
        @Option(help: "standard or reserve.") var kind: String?
        @Option(help: "ISO 4217 currency code of the call (give the ceiling and envelopes in it too).") var currency: String?
        @Option(help: "Most a proposal may request, e.g. \"50000 USD\".") var ceiling: String?
        @Option(help: "Proposals are accepted until this time (a bare date: the end of that day, UTC).") var submissionDeadline: String?
        @Option(help: "Reviews are due by this time (a bare date: the end of that day, UTC).") var reviewDeadline: String?
        @Option(help: "Decision SLA in business hours.") var decisionSlaHours: Int?
        @Option(help: "Decision SLA in business days.") var decisionSlaDays: Int?
        @Option(name: .customLong("envelope"), help: "cluster=amount, e.g. \"health=200000 USD\" (repeat; replaces every envelope).")
        var envelopes: [String] = []
        @Option(help: "A new scorecard, from a JSON or YAML file (its format is below).") var scorecard: String?
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> CallRecord {
            let changes = CallChanges(
                title: title, kind: try kind.map(callKind), currency: try currency.map(callCurrency),
                envelopes: envelopes.isEmpty ? nil : try envelopeAmounts(envelopePairs(envelopes)),
                perProposalCeiling: try ceiling.map { try money($0, field: "--ceiling") },
                submissionDeadline: try submissionDeadline.map { try instant($0, option: "The submission deadline", bareDate: .endOfDay) },
                reviewDeadline: try reviewDeadline.map { try instant($0, option: "The review deadline", bareDate: .endOfDay) },
                decisionSLA: decisionSLA(hours: decisionSlaHours, days: decisionSlaDays),
                scorecard: try scorecard.map { try decodeFile($0, as: Scorecard.self, shape: Scorecard.documentShape) }
            )
            return try store.editCall(code, changes, expectedVersion: version.expectedVersion, as: login)
        }
    }

    struct Delete: StoreChange {
        static let configuration = CommandConfiguration(commandName: "delete", abstract: "Delete a draft call that never opened (secretariat).")
        @Argument(help: "The call's code.") var code: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        /// The code of the deleted call.
        struct Deleted: Encodable { let deleted: String }

        func perform(_ store: FundStore, as login: String) throws -> Deleted {
            try store.deleteCall(code, expectedVersion: version.expectedVersion, as: login)
            return Deleted(deleted: code.uppercased())
        }

        func show(_ result: Deleted) { print("Deleted the draft call \(result.deleted).") }
    }

    struct Decide: StoreChange {
        static let configuration = CommandConfiguration(
            commandName: "decide",
            abstract: "Mark a closed call decided once every proposal is approved, rejected, ineligible or withdrawn (fund manager)."
        )
        @Argument(help: "The call's code.") var code: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> CallRecord {
            try store.markCallDecided(code, expectedVersion: version.expectedVersion, as: login)
        }
    }

    struct Archive: StoreChange {
        static let configuration = CommandConfiguration(commandName: "archive", abstract: "Archive a decided call (secretariat or administrator).")
        @Argument(help: "The call's code.") var code: String
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> CallRecord {
            try store.archiveCall(code, expectedVersion: version.expectedVersion, as: login)
        }
    }
}
