import Foundation
import Postgres
import RRFWorkflow

/// One invariant of the ledger as a query: each row it returns is a violation, described by `message`.
private struct LedgerCheck: Sendable {
    let code: String
    let sql: String
    let message: @Sendable (Row) throws -> String
}

extension FundStore {
    /// Checks the ledger against itself and against what it claims to record; empty when everything holds:
    /// - every transaction sums to zero per currency; every balance is the sum of its entries; no envelope,
    ///   commitment or partner balance is negative; per grant the released money never exceeds the committed;
    ///   `call_envelopes.committed_minor` equals the ledger's net commitments of the envelope;
    /// - every release transaction moves exactly one released tranche's amount from that grant's committed
    ///   account to that grant's released account, and nothing else; every released tranche points at exactly
    ///   one such release of its own;
    /// - every movement has its audit event (`movement:<id>`, sql/0025) recording the same entries, and every such
    ///   event its movement, so a balanced movement written beside the application is found;
    /// - every approved proposal has exactly one commitment of its approved amount from its call's envelope for
    ///   its cluster, and no other proposal has one.
    public func verifyLedger() throws -> [LedgerViolation] {
        try read("ledger.verify") { connection, viewer in
            try viewer.require(.finance, notFound: Self.financeOnly)
            return try Self.ledgerChecks.flatMap { check in
                try connection.query(check.sql).rows.map { LedgerViolation(code: check.code, message: try check.message($0)) }
            }
        }
    }

    private static let ledgerChecks: [LedgerCheck] = [
        LedgerCheck(
            code: "unbalanced_transaction",
            sql: "SELECT transaction_id, currency, sum(amount_minor)::bigint AS total FROM ledger_entries GROUP BY transaction_id, currency HAVING sum(amount_minor) <> 0 ORDER BY 1"
        ) { row in
            "Ledger transaction \(try row.decode("transaction_id", as: Int64.self)) sums to \(try row.decode("total", as: Int64.self)) minor units of \(try row.decode("currency", as: String.self)), not zero."
        },
        LedgerCheck(
            code: "balance_mismatch",
            sql: """
                SELECT a.code, a.balance_minor, coalesce(sum(e.amount_minor), 0)::bigint AS total
                FROM ledger_accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id
                GROUP BY a.id HAVING a.balance_minor <> coalesce(sum(e.amount_minor), 0) ORDER BY a.code
                """
        ) { row in
            "The balance of \(try row.decode("code", as: String.self)) is \(try row.decode("balance_minor", as: Int64.self)) but its entries sum to \(try row.decode("total", as: Int64.self))."
        },
        LedgerCheck(
            code: "negative_balance",
            sql: "SELECT code, balance_minor FROM ledger_accounts WHERE kind <> 'donor' AND balance_minor < 0 ORDER BY code"
        ) { row in
            "The account \(try row.decode("code", as: String.self)) is negative (\(try row.decode("balance_minor", as: Int64.self)) minor units)."
        },
        LedgerCheck(
            code: "released_exceeds_committed",
            sql: """
                SELECT p.reference,
                       coalesce(sum(e.amount_minor) FILTER (WHERE t.kind = 'commit' AND a.kind = 'committed'), 0)::bigint AS committed,
                       coalesce(sum(e.amount_minor) FILTER (WHERE t.kind = 'release' AND a.kind = 'released'), 0)::bigint AS released
                FROM ledger_entries e JOIN ledger_transactions t ON t.id = e.transaction_id
                JOIN ledger_accounts a ON a.id = e.account_id JOIN proposals p ON p.id = a.proposal_id
                GROUP BY p.reference
                HAVING coalesce(sum(e.amount_minor) FILTER (WHERE t.kind = 'release' AND a.kind = 'released'), 0)
                     > coalesce(sum(e.amount_minor) FILTER (WHERE t.kind = 'commit' AND a.kind = 'committed'), 0)
                ORDER BY p.reference
                """
        ) { row in
            "Grant \(try row.decode("reference", as: String.self)) released \(try row.decode("released", as: Int64.self)) minor units but committed only \(try row.decode("committed", as: Int64.self))."
        },
        LedgerCheck(
            code: "envelope_commitment_mismatch",
            sql: """
                SELECT * FROM (
                    SELECT c.code, ce.cluster, ce.committed_minor,
                           coalesce((SELECT -sum(e.amount_minor) FROM ledger_entries e
                                     JOIN ledger_transactions t ON t.id = e.transaction_id AND t.kind IN ('commit', 'decommit')
                                     JOIN ledger_accounts a ON a.id = e.account_id AND a.kind = 'envelope'
                                     WHERE a.call_id = ce.call_id AND a.cluster = ce.cluster), 0)::bigint AS ledger
                    FROM call_envelopes ce JOIN calls c ON c.id = ce.call_id
                ) mirrored WHERE committed_minor <> ledger ORDER BY code, cluster
                """
        ) { row in
            "The \(try row.decode("cluster", as: String.self)) envelope of \(try row.decode("code", as: String.self)) records \(try row.decode("committed_minor", as: Int64.self)) minor units committed but the ledger \(try row.decode("ledger", as: Int64.self))."
        },
        LedgerCheck(
            code: "release_without_tranche",
            sql: """
                SELECT t.id FROM ledger_transactions t
                WHERE t.kind = 'release' AND NOT (
                    (SELECT count(*) FROM ledger_entries e WHERE e.transaction_id = t.id) = 2
                    AND (SELECT count(*) FROM tranches tr JOIN grants g ON g.id = tr.grant_id
                         WHERE tr.ledger_transaction_id = t.id AND tr.state = 'released' AND g.proposal_id = t.proposal_id
                           AND EXISTS (SELECT 1 FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
                                       WHERE e.transaction_id = t.id AND a.kind = 'committed' AND a.proposal_id = g.proposal_id
                                         AND e.amount_minor = -tr.amount_minor)
                           AND EXISTS (SELECT 1 FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
                                       WHERE e.transaction_id = t.id AND a.kind = 'released' AND a.proposal_id = g.proposal_id
                                         AND e.amount_minor = tr.amount_minor)) = 1)
                ORDER BY t.id
                """
        ) { row in
            "Ledger transaction \(try row.decode("id", as: Int64.self)) is a release that does not move exactly one released tranche's amount from its grant's commitment to its grant's released account."
        },
        LedgerCheck(
            code: "tranche_without_release",
            sql: """
                SELECT g.reference, tr.sequence FROM tranches tr JOIN grants g ON g.id = tr.grant_id
                LEFT JOIN ledger_transactions t ON t.id = tr.ledger_transaction_id
                WHERE tr.state = 'released' AND (t.id IS NULL OR t.kind <> 'release' OR t.proposal_id IS DISTINCT FROM g.proposal_id
                    OR (SELECT count(*) FROM tranches other WHERE other.ledger_transaction_id = t.id) <> 1)
                ORDER BY g.reference, tr.sequence
                """
        ) { row in
            "Tranche \(try row.decode("sequence", as: Int.self)) of \(try row.decode("reference", as: String.self)) is marked released but no release of its own moved its money."
        },
        LedgerCheck(
            code: "approval_without_commitment",
            sql: """
                SELECT p.reference, p.approved_minor, count(t.id) AS commits
                FROM proposals p LEFT JOIN ledger_transactions t ON t.proposal_id = p.id AND t.kind = 'commit'
                WHERE p.state = 'approved'
                GROUP BY p.id
                HAVING count(t.id) <> 1 OR NOT EXISTS (
                    SELECT 1 FROM ledger_transactions c
                    WHERE c.proposal_id = p.id AND c.kind = 'commit'
                      AND (SELECT count(*) FROM ledger_entries e WHERE e.transaction_id = c.id) = 2
                      AND EXISTS (SELECT 1 FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
                                  WHERE e.transaction_id = c.id AND a.kind = 'committed' AND a.proposal_id = p.id AND e.amount_minor = p.approved_minor)
                      AND EXISTS (SELECT 1 FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id
                                  WHERE e.transaction_id = c.id AND a.kind = 'envelope' AND a.call_id = p.call_id AND a.cluster = p.cluster
                                    AND e.amount_minor = -p.approved_minor))
                ORDER BY p.reference
                """
        ) { row in
            "Proposal \(try row.decode("reference", as: String.self)) is approved for \(try row.decode("approved_minor", as: Int64?.self) ?? 0) minor units but has \(try row.decode("commits", as: Int64.self)) commitment(s), not exactly one of that amount from its envelope."
        },
        LedgerCheck(
            code: "commitment_without_approval",
            sql: """
                SELECT t.id, p.reference, p.state FROM ledger_transactions t JOIN proposals p ON p.id = t.proposal_id
                WHERE t.kind = 'commit' AND p.state <> 'approved' ORDER BY t.id
                """
        ) { row in
            "Ledger transaction \(try row.decode("id", as: Int64.self)) commits money to proposal \(try row.decode("reference", as: String.self)), which is \(try row.decode("state", as: String.self)), not approved."
        },
        LedgerCheck(
            code: "movement_not_audited",
            sql: """
                SELECT t.id AS transaction_id, e.id IS NULL AS missing
                FROM ledger_transactions t LEFT JOIN audit_events e ON e.stream = 'movement:' || t.id AND e.sequence = 1
                WHERE e.id IS NULL OR e.payload::jsonb IS DISTINCT FROM ledger_posting_payload(t.id)::jsonb
                ORDER BY t.id
                """
        ) { row in
            let id = try row.decode("transaction_id", as: Int64.self)
            return try row.decode("missing", as: Bool.self)
                ? "Ledger transaction \(id) has no audit event: it was written beside the application."
                : "Ledger transaction \(id) differs from its audit event: its entries were changed after it was posted."
        },
        LedgerCheck(
            code: "audited_movement_missing",
            sql: """
                SELECT e.stream, e.id FROM audit_events e LEFT JOIN ledger_transactions t ON 'movement:' || t.id = e.stream
                WHERE e.stream LIKE 'movement:%' AND e.sequence = 1 AND t.id IS NULL
                ORDER BY e.id
                """
        ) { row in
            "The audit event \(try row.decode("stream", as: String.self)) records a ledger movement the ledger no longer has: it was deleted."
        },
    ]
}
