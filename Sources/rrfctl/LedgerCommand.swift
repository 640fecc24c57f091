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

    struct Balance: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Balance per account (donor, envelope, committed, released, refunds).")
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures {
                let balances = try database.store().ledgerBalances()
                if output.json { return try printJSON(balances) }
                var table = TextTable("ACCOUNT", "KIND", "BALANCE")
                for account in balances { table.add(account.code, account.kind, account.balance.grouped) }
                print(table.render())
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check the ledger against itself and against the grants it pays (exit code 3 when broken).",
            discussion: """
                Every transaction sums to zero; balances are the sums of their entries; no envelope, commitment or partner \
                balance is negative; released ≤ committed per grant; each envelope's committed mirror matches the ledger; \
                each release moves exactly one released tranche's amount within its own grant, and each released tranche \
                has exactly one such release; each approved proposal has exactly one commitment of its amount from its \
                envelope, and no other proposal has one.
                """
        )
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures {
                let violations = try database.store().verifyLedger()
                try reportLedger(violations, json: output.json)
            }
        }
    }
}

/// Prints the ledger's violations and refuses (exit code 3) when there are any.
func reportLedger(_ violations: [LedgerViolation], json: Bool) throws {
    if json {
        try printJSON(violations)
    } else if violations.isEmpty {
        print("The ledger is consistent: every transaction sums to zero, no envelope is negative, released ≤ committed per grant.")
    } else {
        violations.forEach { print($0.description) }
    }
    if let first = violations.first {
        throw StoreError(.rejected, code: "ledger_inconsistent", "The ledger is inconsistent: \(first.message)\(violations.count > 1 ? " (\(violations.count) problems.)" : "")")
    }
}
