import ArgumentParser
import Foundation
import RRFStore
import RRFWorkflow

/// `rrfctl tranche`: conditions, approval and release of a grant's tranches.
struct TrancheCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tranche",
        abstract: "Evaluate, approve, release and list the tranches of a grant.",
        subcommands: [Evaluate.self, Approve.self, Release.self, List.self]
    )

    struct Evaluate: StoreChange {
        static let configuration = CommandConfiguration(
            commandName: "evaluate",
            abstract: "Evaluate the next tranche's conditions; it becomes ready when all are met (secretariat or fund manager).",
            discussion: """
                Conditions: agreement signed; previous financial report accepted with at least the tranche policy's share of the \
                money received spent; required training certificates valid. The policy is the one the grant's agreement was signed \
                under (`rrfctl fund policy show`); nobody can waive it for one run.
                """
        )
        @Argument(help: "The grant's reference.") var grant: String
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> [TrancheRecord] { try store.evaluateTranches(grant, as: login) }
    }

    struct Approve: StoreChange {
        static let configuration = CommandConfiguration(commandName: "approve", abstract: "Approve a ready tranche (fund manager).")
        @Argument(help: "The grant's reference.") var grant: String
        @Argument(help: "The tranche's number (1, 2 …).") var sequence: Int
        @OptionGroup var version: VersionOptions
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> TrancheRecord {
            try store.approveTranche(grant, sequence: sequence, expectedVersion: version.expectedVersion, as: login)
        }
    }

    struct Release: StoreChange {
        static let configuration = CommandConfiguration(
            commandName: "release",
            abstract: "Release an approved tranche (a finance officer other than the approver).",
            discussion: "Retrying with the same --idempotency-key and amount returns the first result and pays nothing more; the same key with another request is refused."
        )
        @Argument(help: "The grant's reference.") var grant: String
        @Argument(help: "The tranche's number.") var sequence: Int
        @Option(parsing: .unconditional, help: "The tranche's amount with its currency, e.g. \"6250.25 USD\".") var amount: String
        @Option(help: "A key unique to this release request (e.g. a payment order number).") var idempotencyKey: String
        @OptionGroup var options: ChangeOptions

        func perform(_ store: FundStore, as login: String) throws -> TrancheRelease {
            try store.releaseTranche(grant, sequence: sequence, amount: try money(amount, field: "--amount"), idempotencyKey: idempotencyKey, as: login)
        }

        func show(_ result: TrancheRelease) {
            print("Tranche \(result.sequence) of \(result.grant): \(result.amount.grouped) released by \(result.releasedBy) (ledger transaction \(result.ledgerTransactionID))\(result.replayed ? "; this key was already used, nothing more was paid" : "").")
        }
    }

    struct List: StoreQuery {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List a grant's tranches with their unmet conditions.")
        @Argument(help: "The grant's reference.") var grant: String
        @OptionGroup var options: ReadOptions

        func perform(_ store: FundStore) throws -> [TrancheRecord] { try store.tranches(grant) }
    }
}

extension TrancheRecord: HumanReadable, TablePrintable {
    /// Tranches as a table, followed by their unmet conditions.
    static func printTable(_ tranches: [TrancheRecord]) {
        var table = TextTable("GRANT", "#", "AMOUNT", "STATE", "APPROVED BY", "RELEASED BY")
        for tranche in tranches {
            table.add(tranche.grant, "\(tranche.sequence)", tranche.amount.grouped, tranche.state, tranche.approvedBy ?? "-", tranche.releasedBy ?? "-")
        }
        print(table.render())
        for tranche in tranches where !tranche.unmet.isEmpty && tranche.stateName == .planned {
            print("Tranche \(tranche.sequence) is not ready: " + tranche.unmet.joined(separator: " "))
        }
    }
}
