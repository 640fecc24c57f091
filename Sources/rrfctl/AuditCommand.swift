import ArgumentParser
import Foundation
import Postgres
import RRFStore

/// `rrfctl audit`: the hash-chained audit log.
struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Read a proposal's history, verify and anchor the audit log, list the security log's refusals.",
        subcommands: [Log.self, Verify.self, AuditAnchorCommand.self, AuditKeygenCommand.self, Refusals.self]
    )

    struct Log: StoreQuery {
        static let configuration = CommandConfiguration(commandName: "log", abstract: "Show the history of a proposal, oldest first.")
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
            commandName: "verify",
            abstract: "Recompute every hash chain and check the ledger's invariants; exit code 3 and the first broken event of each stream when the log was tampered with.",
            discussion: """
                With --anchors, the log is also checked against the signed checkpoints `rrfctl audit anchor` (or rrfd) \
                wrote outside the database: a deleted stream, a stream cut short, a recomputed chain, an event added \
                afterwards but dated before the latest checkpoint, or a checkpoint removed or altered is named, with \
                the stream and the checkpoint. --public-key (or RRF_AUDIT_PUBLIC_KEY) is the key the checkpoints \
                must be signed with: the one `rrfctl audit keygen` wrote, kept where the database's users cannot change it.

                The whole log is read in one pass on one snapshot. On a terminal the count of events verified is \
                shown on standard error; piped, redirected or with --json nothing is.
                """
        )
        @Option(help: "A folder of signed checkpoints to check the log against (RRF_AUDIT_ANCHOR_DIR).") var anchors: String?
        @Option(help: "The public key the checkpoints are signed with (RRF_AUDIT_PUBLIC_KEY).") var publicKey: String?
        @OptionGroup var options: ReadOptions

        /// The broken hash chains, and the ledger's violations: its invariants are part of the verification.
        struct Verification: Encodable {
            let brokenChains: [AuditBreak]
            let ledgerViolations: [LedgerViolation]
            /// The number of the latest checkpoint checked against, with --anchors.
            let checkpoint: Int?
        }

        func perform(_ store: FundStore) throws -> Verification {
            let anchors = try AnchorLocation(folder: self.anchors, key: publicKey, keyVariable: "RRF_AUDIT_PUBLIC_KEY", required: false)
                .map { location in
                    try AuditAnchorFolder.read(location.folder, trusting: AuditSigningKey.publicKey(at: location.key)).state
                }
            if let anchors, anchors.latestCheckpoint == 0 {
                throw StoreError.configuration("The anchor folder holds no checkpoint yet; run `rrfctl audit anchor` first.")
            }
            let progress = TerminalProgress("verified", "events", enabled: !options.output.json)
            let brokenChains = try store.verifyAuditLog(anchors: anchors, progress: progress.update(_:estimated:))
            progress.finish()
            return Verification(brokenChains: brokenChains, ledgerViolations: try store.verifyLedger(), checkpoint: anchors?.latestCheckpoint)
        }

        func show(_ result: Verification) {
            if result.brokenChains.isEmpty {
                print("The audit log is intact: every chain verifies" + (result.checkpoint.map { " and matches checkpoint \($0) and those before it." } ?? "."))
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
            commandName: "refusals",
            abstract: "List refusals, newest first: failed sign-ins, authorisation and rule refusals (administrators)."
        )
        @Option(help: "Only this login's (also as someone acting for them).", transform: loginArgument) var actor: String?
        @Option(help: "Only this kind: sign_in, authorisation or rule.") var kind: String?
        @Option(help: "Only this command, e.g. tranche.release.") var command: String?
        @Option(help: "Only since this time, e.g. 2026-12-01 or 2026-12-01T08:00:00Z.") var since: String?
        @OptionGroup var page: PageOptions
        @OptionGroup var options: ReadOptions

        func validate() throws { try requireOneOf(kind, ["sign_in", "authorisation", "rule"], option: "--kind") }

        func perform(_ store: FundStore) throws -> Page<SecurityEvent> {
            try store.securityEvents(SecurityEventFilter(
                actor: actor, kind: kind, command: command, since: try since.map { try instant($0, option: "--since") }, limit: page.limit,
                after: page.after
            ))
        }

        func show(_ events: Page<SecurityEvent>) {
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
