import ArgumentParser
import Foundation
import RRFStore

/// `rrfctl audit`: the hash-chained audit log.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Read a proposal's history and verify the audit log.",
        subcommands: [Log.self, Verify.self]
    )

    struct Log: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the history of a proposal, oldest first.")
        @Argument(help: "The proposal's reference, e.g. RRF-2026-0042.") var reference: String
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures {
                let events = try database.store().proposalHistory(reference)
                if output.json { return try printJSON(events) }
                var table = TextTable("SEQ", "TIME", "EVENT", "ACTOR", "HASH")
                for event in events {
                    table.add("\(event.sequence)", ISO8601DateFormatter().string(from: event.occurredAt), event.type, event.actor, String(event.hash.prefix(16)))
                }
                print(table.render())
            }
        }
    }

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute every hash chain and check the ledger's invariants; exit code 3 and the first broken event of each stream when the log was tampered with."
        )
        @OptionGroup var database: DatabaseOptions
        @OptionGroup var output: OutputOptions

        func run() throws {
            try reportingFailures {
                let store = database.store()
                let breaks = try store.verifyAuditLog()
                // Grants module (issue #5): the ledger's invariants are part of the verification.
                let ledger = try store.verifyLedger()
                if output.json {
                    struct Verification: Encodable { let brokenChains: [AuditBreak]; let ledgerViolations: [LedgerViolation] }
                    try printJSON(Verification(brokenChains: breaks, ledgerViolations: ledger))
                } else {
                    if breaks.isEmpty {
                        print("The audit log is intact: every chain verifies.")
                    } else {
                        breaks.forEach { print($0.description) }
                    }
                    ledger.forEach { print($0.description) }
                }
                if let first = breaks.first {
                    throw StoreError(
                        .rejected, code: "audit_log_tampered",
                        "The audit log was tampered with: \(first.description)\(breaks.count > 1 ? " (\(breaks.count) streams are broken.)" : "")"
                    )
                }
                if let first = ledger.first {
                    throw StoreError(.rejected, code: "ledger_inconsistent", "The ledger is inconsistent: \(first.message)")
                }
            }
        }
    }
}
