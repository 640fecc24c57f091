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

    struct Log: StoreQuery {
        static let configuration = CommandConfiguration(abstract: "Show the history of a proposal, oldest first.")
        @Argument(help: "The proposal's reference, e.g. RRF-2026-0042.") var reference: String
        @OptionGroup var options: ReadOptions

        func perform(_ store: FundStore) throws -> [AuditEvent] { try store.proposalHistory(reference) }

        func show(_ events: [AuditEvent]) {
            var table = TextTable("SEQ", "TIME", "EVENT", "ACTOR", "HASH")
            for event in events {
                table.add("\(event.sequence)", ISO8601DateFormatter().string(from: event.occurredAt), event.type, event.actor, String(event.hash.prefix(16)))
            }
            print(table.render())
        }
    }

    struct Verify: StoreQuery {
        static let configuration = CommandConfiguration(
            abstract: "Recompute every hash chain and check the ledger's invariants; exit code 3 and the first broken event of each stream when the log was tampered with."
        )
        @OptionGroup var options: ReadOptions

        /// The broken hash chains, and the ledger's violations: its invariants are part of the verification.
        struct Verification: Encodable {
            let brokenChains: [AuditBreak]
            let ledgerViolations: [LedgerViolation]
        }

        func perform(_ store: FundStore) throws -> Verification {
            Verification(brokenChains: try store.verifyAuditLog(), ledgerViolations: try store.verifyLedger())
        }

        func show(_ result: Verification) {
            if result.brokenChains.isEmpty {
                print("The audit log is intact: every chain verifies.")
            } else {
                result.brokenChains.forEach { print($0.description) }
            }
            result.ledgerViolations.forEach { print($0.description) }
        }

        /// Refuses (exit code 3) when a chain or the ledger is broken.
        func conclude(_ result: Verification) throws {
            let breaks = result.brokenChains
            if let first = breaks.first {
                throw StoreError(
                    .rejected, code: "audit_log_tampered",
                    "The audit log was tampered with: \(first.description)\(breaks.count > 1 ? " (\(breaks.count) streams are broken.)" : "")"
                )
            }
            if let first = result.ledgerViolations.first {
                throw StoreError(.rejected, code: "ledger_inconsistent", "The ledger is inconsistent: \(first.message)")
            }
        }
    }
}
