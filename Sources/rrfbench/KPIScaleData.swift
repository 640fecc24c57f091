import Foundation
import Postgres

extension KPIScaleFund {
    /// What ``bulk(_:like:on:)`` wrote.
    struct Counts {
        let proposals: Int
        let grants: Int
        let released: Int
        let spans: Int
        let ledgerEntries: Int
    }

    /// `count` proposals copied from the templates in set-based SQL (benchmark data written beside the store, as a
    /// restore or a migration would), one in ten to the reserve call, spread over two years of submissions:
    /// 40 % approved, 25 % rejected, 10 % ineligible, 5 % sent back for revision, 5 % withdrawn, 15 % not yet decided,
    /// decided within 0–20 days; a signed grant for every approval, three in four with their first tranche released
    /// within 0–60 days of the decision; and their KPI spans, uncounted (as the migration copies them), for the first
    /// report to count; and the copied grants' ledger (``bulkLedger(on:)``), which the disbursement figure sums.
    static func bulk(_ count: Int, like templates: (standard: String, reserve: String), on connection: Connection) throws -> Counts {
        try connection.query(
            """
            WITH partners AS (SELECT array_agg(id ORDER BY code) AS ids FROM organisations),
            series AS (SELECT i, i % 20 AS bucket FROM generate_series(1, $1::int) AS i)
            INSERT INTO proposals (id, reference, organisation_id, call_id, cluster, title, summary, locations, beneficiaries, requested_minor,
                                   currency, duration_months, budget_lines, state, round, submitted_by, submitted_at, decision_due,
                                   screening_reason, withdrawal_reason, decision, decided_by, decided_at, approved_minor, justification)
            SELECT gen_random_uuid(), 'RRF-2025-' || lpad(s.i::text, 7, '0'), partners.ids[1 + s.i % 10], p.call_id, p.cluster, 'Proposal ' || s.i,
                   p.summary, p.locations, p.beneficiaries, p.requested_minor, p.currency, p.duration_months, p.budget_lines,
                   CASE WHEN s.bucket < 8 THEN 'approved' WHEN s.bucket < 13 THEN 'rejected' WHEN s.bucket < 15 THEN 'ineligible'
                        WHEN s.bucket = 15 THEN 'revision_requested' WHEN s.bucket = 16 THEN 'withdrawn' WHEN s.bucket = 17 THEN 'submitted'
                        WHEN s.bucket = 18 THEN 'in_review' ELSE 'scored' END,
                   1, p.submitted_by, t.submitted, t.submitted + CASE WHEN s.i % 10 = 0 THEN interval '3 days' ELSE interval '14 days' END,
                   CASE WHEN s.bucket IN (13, 14) THEN 'Not eligible.' END, CASE WHEN s.bucket = 16 THEN 'Met by others.' END,
                   CASE WHEN s.bucket < 8 THEN 'approve' WHEN s.bucket < 13 THEN 'reject' WHEN s.bucket = 15 THEN 'request_revision' END,
                   CASE WHEN s.bucket < 13 OR s.bucket = 15 THEN p.decided_by END,
                   CASE WHEN s.bucket < 13 OR s.bucket = 15 THEN t.submitted + make_interval(secs => (s.i::bigint * 7919) % 1728000) END,
                   CASE WHEN s.bucket < 8 THEN p.requested_minor END,
                   CASE WHEN s.bucket < 13 OR s.bucket = 15 THEN 'Bench.' END
            FROM series s CROSS JOIN partners
            CROSS JOIN LATERAL (SELECT timestamptz '2024-01-01 06:00+00' + make_interval(secs => s.i::bigint * 63072000 / $1::int) AS submitted) t
            JOIN proposals p ON p.reference = CASE WHEN s.i % 10 = 0 THEN $3 ELSE $2 END
            """,
            [count, templates.standard, templates.reserve]
        )
        let grants = try connection.query(
            """
            INSERT INTO grants (id, proposal_id, reference, organisation_id, call_id, cluster, amount_minor, currency, risk, start_date, end_date,
                                state, signed_on, signatory, signed_by, policy_version)
            SELECT gen_random_uuid(), p.id, 'G-' || p.reference, p.organisation_id, p.call_id, p.cluster, p.approved_minor, p.currency, g.risk,
                   (p.decided_at AT TIME ZONE 'UTC')::date, (p.decided_at AT TIME ZONE 'UTC')::date + 180, 'active',
                   (p.decided_at AT TIME ZONE 'UTC')::date, g.signatory, g.signed_by, g.policy_version
            FROM proposals p CROSS JOIN (SELECT * FROM grants ORDER BY created_at LIMIT 1) g
            WHERE p.state = 'approved' AND p.reference LIKE 'RRF-2025-%'
            """
        ).affectedRows
        let released = try connection.query(
            """
            INSERT INTO tranches (id, grant_id, sequence, amount_minor, currency, state, approved_by, approved_by_name, approved_at,
                                  released_by, released_by_name, released_at, idempotency_key, approval, release, ledger_transaction_id)
            SELECT gen_random_uuid(), g.id, 1, g.amount_minor, g.currency, 'released', t.approved_by, t.approved_by_name, p.decided_at,
                   t.released_by, t.released_by_name, p.decided_at + make_interval(secs => (hashtext(g.reference)::bigint & 4194303) + 3600),
                   'bench-' || g.reference, t.approval, t.release, t.ledger_transaction_id
            FROM grants g JOIN proposals p ON p.id = g.proposal_id
            CROSS JOIN (SELECT * FROM tranches WHERE state = 'released' ORDER BY released_at LIMIT 1) t
            WHERE g.reference LIKE 'G-%' AND hashtext(g.reference) % 4 <> 0
            """
        ).affectedRows
        let spans = try connection.query(
            """
            INSERT INTO kpi_spans (proposal_id, measure, call_kind, started_at, ended_at, due_at)
            SELECT p.id, 'decision', c.kind, p.submitted_at, p.decided_at, p.decision_due
            FROM proposals p JOIN calls c ON c.id = p.call_id
            WHERE p.decided_at IS NOT NULL AND p.reference LIKE 'RRF-2025-%'
            """
        ).affectedRows + connection.query(
            """
            INSERT INTO kpi_spans (proposal_id, measure, call_kind, started_at, ended_at, due_at)
            SELECT p.id, 'first_release', c.kind, p.submitted_at, min(t.released_at), p.decision_due
            FROM grants g JOIN proposals p ON p.id = g.proposal_id JOIN calls c ON c.id = g.call_id
            JOIN tranches t ON t.grant_id = g.id AND t.state = 'released'
            WHERE g.reference LIKE 'G-%'
            GROUP BY p.id, c.kind, p.submitted_at, p.decision_due
            """
        ).affectedRows
        let entries = try bulkLedger(on: connection)
        try connection.execute("VACUUM ANALYZE")
        return Counts(proposals: count, grants: grants, released: released, spans: spans, ledgerEntries: entries)
    }

    /// The copied grants' ledger, as the store writes it: per grant a `committed:` and a `released:` account, a
    /// commit (envelope → committed) and, for each released first tranche, a release (committed → released). Written
    /// with the ledger's triggers off (`session_replication_role = replica`, as a restore loads data), so balances
    /// and the disbursement totals are then rebuilt from the entries (`kpi_disbursement_recount()`). Returns the number of
    /// entries.
    private static func bulkLedger(on connection: Connection) throws -> Int {
        try connection.execute("SET session_replication_role = replica")
        defer { try? connection.execute("RESET session_replication_role") }
        try connection.query(
            """
            INSERT INTO ledger_accounts (code, kind, currency, proposal_id, organisation_id)
            SELECT k.kind || ':' || p.reference, k.kind, g.currency, g.proposal_id, g.organisation_id
            FROM grants g JOIN proposals p ON p.id = g.proposal_id CROSS JOIN (VALUES ('committed'), ('released')) AS k(kind)
            WHERE g.reference LIKE 'G-%'
            """
        )
        let commits = try connection.query(
            """
            WITH tx AS (
                INSERT INTO ledger_transactions (kind, proposal_id, memo, actor, occurred_at)
                SELECT 'commit', p.id, 'bench', 'fm', p.decided_at FROM grants g JOIN proposals p ON p.id = g.proposal_id WHERE g.reference LIKE 'G-%'
                RETURNING id, proposal_id
            )
            INSERT INTO ledger_entries (transaction_id, account_id, currency, amount_minor)
            SELECT tx.id, e.account_id, g.currency, e.amount
            FROM tx JOIN grants g ON g.proposal_id = tx.proposal_id
            JOIN ledger_accounts envelope ON envelope.kind = 'envelope' AND envelope.call_id = g.call_id AND envelope.cluster = g.cluster
            JOIN ledger_accounts committed ON committed.kind = 'committed' AND committed.proposal_id = g.proposal_id
            CROSS JOIN LATERAL (VALUES (envelope.id, -g.amount_minor), (committed.id, g.amount_minor)) AS e(account_id, amount)
            """
        ).affectedRows
        let releases = try connection.query(
            """
            WITH tx AS (
                INSERT INTO ledger_transactions (kind, proposal_id, memo, actor, occurred_at)
                SELECT 'release', g.proposal_id, 'bench', 'fin', t.released_at
                FROM tranches t JOIN grants g ON g.id = t.grant_id WHERE t.idempotency_key LIKE 'bench-%'
                RETURNING id, proposal_id
            )
            INSERT INTO ledger_entries (transaction_id, account_id, currency, amount_minor)
            SELECT tx.id, e.account_id, t.currency, e.amount
            FROM tx JOIN grants g ON g.proposal_id = tx.proposal_id JOIN tranches t ON t.grant_id = g.id AND t.sequence = 1
            JOIN ledger_accounts committed ON committed.kind = 'committed' AND committed.proposal_id = g.proposal_id
            JOIN ledger_accounts released ON released.kind = 'released' AND released.proposal_id = g.proposal_id
            CROSS JOIN LATERAL (VALUES (committed.id, -t.amount_minor), (released.id, t.amount_minor)) AS e(account_id, amount)
            """
        ).affectedRows
        try connection.execute("SELECT kpi_disbursement_recount()")  // what its triggers would have kept
        return commits + releases
    }
}
