import Foundation
import Postgres
import RRFStore
import RRFTestSupport
import RRFWorkflow
import Testing

/// Issue 13, item 5: `ledger verify` proves what the ledger claims. Each case forges, as a database superuser
/// could, a state the application never writes, and verify must name it (each failed before the checks existed).
@Suite struct LedgerTamperTests {
    @Test func aTrancheMarkedReleasedWithoutAMoneyMovementIsFound() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let (grant, _) = try fund.grantWithApprovedFirstTranche()
            try fund.expectLedgerConsistent()
            try sql(db, """
                UPDATE tranches SET state = 'released', released_by = (SELECT id FROM users WHERE login = 'fin'), released_at = now(),
                    idempotency_key = 'forged',
                    ledger_transaction_id = (SELECT id FROM ledger_transactions WHERE kind = 'commit' ORDER BY id LIMIT 1)
                WHERE sequence = 1 AND grant_id = (SELECT id FROM grants WHERE reference = $1)
                """, [grant.reference])
            #expect(try fund.store.verifyLedger().map(\.code) == ["tranche_without_release"])
        }
    }

    @Test func aReleaseThatPaysAnotherGrantIsFound() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let first = try fund.grantWithReleasedFirstTranche()
            let second = try fund.grantWithReleasedFirstTranche()
            try fund.expectLedgerConsistent()
            // A balanced movement from the first grant's commitment into the second grant's released account.
            try sql(db, """
                WITH t AS (
                    INSERT INTO ledger_transactions (kind, proposal_id, memo, actor, occurred_at)
                    SELECT 'release', proposal_id, 'forged', 'fin', now() FROM grants WHERE reference = $1 RETURNING id
                )
                INSERT INTO ledger_entries (transaction_id, account_id, currency, amount_minor)
                SELECT t.id, a.id, 'USD', CASE a.code WHEN 'committed:' || $1 THEN -100 ELSE 100 END
                FROM t, ledger_accounts a WHERE a.code IN ('committed:' || $1, 'released:' || $2)
                """, [first.reference, second.reference])
            let violations = try fund.store.verifyLedger()
            // Written beside the application, the movement also lacks its audit event (sql/0025).
            #expect(violations.map(\.code) == ["release_without_tranche", "movement_not_audited"])
            #expect(violations.first?.message.contains("does not move exactly one released tranche") == true)
        }
    }

    @Test func anApprovalWithoutItsCommitmentIsFound() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let scored = try fund.scoredProposal()
            try sql(db, """
                UPDATE proposals SET state = 'approved', decision = 'approve', decided_by = (SELECT id FROM users WHERE login = 'fm'),
                    decided_at = now(), approved_minor = requested_minor, justification = 'forged'
                WHERE reference = $1
                """, [scored.reference])
            #expect(try fund.store.verifyLedger().map(\.code) == ["approval_without_commitment"])
        }
    }

    @Test func aCommitmentOfAProposalNoLongerApprovedIsFound() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let approved = try fund.approvedProposal()
            try sql(db, """
                UPDATE proposals SET state = 'rejected', decision = 'reject', approved_minor = NULL WHERE reference = $1
                """, [approved.reference])
            #expect(try fund.store.verifyLedger().map(\.code) == ["commitment_without_approval"])
        }
    }

    @Test func aBalancedMovementEditedAfterItWasPostedIsFound() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            try fund.expectLedgerConsistent()
            // The first deposit grows by one unit on both legs, balances kept in step: only its audit event knows.
            let connection = try db.connect()
            defer { connection.close() }
            try connection.withTransaction { connection in
                try connection.execute("SET LOCAL session_replication_role = replica")
                try connection.execute("UPDATE ledger_entries SET amount_minor = amount_minor + sign(amount_minor) WHERE transaction_id = 1")
                try connection.execute("""
                    UPDATE ledger_accounts a SET balance_minor = (SELECT coalesce(sum(amount_minor), 0) FROM ledger_entries e WHERE e.account_id = a.id)
                    """)
            }
            let violations = try fund.store.verifyLedger()
            #expect(violations.map(\.code) == ["movement_not_audited"])
            #expect(violations.first?.message == "Ledger transaction 1 differs from its audit event: its entries were changed after it was posted.")
        }
    }

    private func sql(_ db: TestDatabase, _ text: String, _ parameters: [(any PostgresEncodable)?]) throws {
        let connection = try db.connect()
        defer { connection.close() }
        try connection.query(text, parameters)
    }
}
