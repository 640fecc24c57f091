import ArgumentParser
import Foundation
import RRFStore
import RRFWorkflow

/// `rrfctl ledger`: balances and invariants of the double-entry ledger.
struct LedgerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Show account balances and verify the ledger's invariants.",
        subcommands: [Balance.self, Verify.self]
    )

    struct Balance: StoreQuery {
        static let configuration = CommandConfiguration(commandName: "balance", abstract: "Balance per account (donor, envelope, committed, released, refunds).")
        @OptionGroup var options: ReadOptions

        func perform(_ store: FundStore) throws -> [LedgerAccountBalance] { try store.ledgerBalances() }

        func show(_ balances: [LedgerAccountBalance]) {
            var table = TextTable("ACCOUNT", "KIND", "BALANCE")
            for account in balances { table.add(account.code, account.kind, account.balance.grouped) }
            print(table.render())
        }
    }

    struct Verify: OperatorQuery {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check the ledger against itself and against the grants it pays (exit code 3 when broken).",
            discussion: """
                Every transaction sums to zero; balances are the sums of their entries; no envelope, commitment or partner \
                balance is negative; released ≤ committed per grant; each envelope's committed mirror matches the ledger; \
                each release moves exactly one released tranche's amount within its own grant, and each released tranche \
                has exactly one such release; each approved proposal has exactly one commitment of its amount from its \
                envelope, and no other proposal has one.
                """
        )
        @OptionGroup var options: ReadOptions

        func perform(_ store: FundStore) throws -> [LedgerViolation] { try store.verifyLedger() }

        func show(_ violations: [LedgerViolation]) {
            if violations.isEmpty {
                print("The ledger is consistent: every transaction sums to zero, no envelope is negative, released ≤ committed per grant.")
            } else {
                violations.forEach { print($0.description) }
            }
        }

        /// Refuses (exit code 3) when the ledger is broken.
        func conclude(_ violations: [LedgerViolation]) throws {
            if let first = violations.first {
                throw StoreError(.rejected, code: "ledger_inconsistent", "The ledger is inconsistent: \(first.message)\(violations.count > 1 ? " (\(violations.count) problems.)" : "")")
            }
        }
    }
}
