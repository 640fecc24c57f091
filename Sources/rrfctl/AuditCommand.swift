import ArgumentParser
import Foundation
import RRFStore

/// `rrfctl audit`: the hash-chained audit log.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Read a proposal's history, verify the audit log, list the security log's refusals.",
        subcommands: [Log.self, Verify.self, Refusals.self]
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

    struct Verify: OperatorQuery {
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

    struct Refusals: StoreQuery {
        static let configuration = CommandConfiguration(
            abstract: "List refusals, newest first: failed sign-ins, authorisation and rule refusals (administrators)."
        )
        @Option(help: "Only this login's (also as someone acting for them).") var actor: String?
        @Option(help: "Only this kind: sign_in, authorisation or rule.") var kind: String?
        @Option(help: "Only this command, e.g. tranche.release.") var command: String?
        @Option(help: "Only since this time, e.g. 2026-12-01 or 2026-12-01T08:00:00Z.") var since: String?
        @OptionGroup var page: PageOptions
        @OptionGroup var options: ReadOptions

        func perform(_ store: FundStore) throws -> [SecurityEvent] {
            if let kind, !["sign_in", "authorisation", "rule"].contains(kind) {
                throw StoreError(.rejected, code: "kind_unknown", "--kind \"\(kind)\" is not a kind of refusal; use sign_in, authorisation or rule.")
            }
            return try store.securityEvents(SecurityEventFilter(
                actor: actor, kind: kind, command: command, since: try since.map { try instant($0, option: "--since") }, limit: page.limit,
                offset: page.offset
            ))
        }

        func show(_ events: [SecurityEvent]) {
            var table = TextTable("TIME", "SOURCE", "ACTOR", "COMMAND", "TARGET", "KIND", "CODE", "REASON")
            for event in events {
                table.add(
                    ISO8601DateFormatter().string(from: event.occurredAt), event.source, event.actor ?? "-", event.command, event.target ?? "-",
                    event.kind, event.code, event.reason
                )
            }
            print(table.render())
        }
    }
}
