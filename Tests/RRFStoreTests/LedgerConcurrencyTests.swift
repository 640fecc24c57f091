import Foundation
import Postgres
import RRFStore
import RRFTestSupport
import RRFWorkflow
import Testing

@Suite struct LedgerConcurrencyTests {
    @Test func fiftyConcurrentReleasesWithOneKeyMoveMoneyOnce() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let (grant, _) = try fund.grantWithApprovedFirstTranche()
            let outcomes = onThreads(50) { _ in
                let store = FundStore(pool: db.pool(maximumConnections: 1))
                return Outcome { try store.releaseTranche(grant.reference, sequence: 1, amount: Fund.usd(625_025), idempotencyKey: "PO-2026-001", as: "fin") }
            }
            let results = outcomes.compactMap(\.value)
            #expect(results.count == 50, "refusals: \(outcomes.compactMap(\.code))")
            #expect(Set(results.map(\.ledgerTransactionID)).count == 1)
            #expect(results.filter { !$0.replayed }.count == 1)
            #expect(try fund.count("SELECT count(*) FROM ledger_transactions WHERE kind = 'release'") == 1)
            #expect(try fund.balance("released:\(grant.reference)") == 625_025)
            #expect(try fund.count("SELECT count(*) FROM audit_events WHERE event_type = 'tranche.released'") == 1)
            try fund.expectLedgerConsistent()
        }
    }

    @Test func fiftyConcurrentReleasesWithDifferentKeysPayOnce() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let (grant, _) = try fund.grantWithApprovedFirstTranche()
            let outcomes = onThreads(50) { index in
                let store = FundStore(pool: db.pool(maximumConnections: 1))
                return Outcome { try store.releaseTranche(grant.reference, sequence: 1, amount: Fund.usd(625_025), idempotencyKey: "K-\(index)", as: "fin") }
            }
            #expect(outcomes.compactMap(\.value).count == 1)
            #expect(Set(outcomes.compactMap(\.code)) == ["invalid_transition"])
            #expect(try fund.count("SELECT count(*) FROM ledger_transactions WHERE kind = 'release'") == 1)
            #expect(try fund.count("SELECT count(*) FROM release_requests") == 1)
            try fund.expectLedgerConsistent()
        }
    }

    @Test func theSameKeyWithAnotherPayloadIsRefusedAndWritesNothing() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let store = fund.store
            let (grant, _) = try fund.grantWithApprovedFirstTranche()
            let first = try store.releaseTranche(grant.reference, sequence: 1, amount: Fund.usd(625_025), idempotencyKey: "PO-7", as: "fin")
            let snapshot = "SELECT (SELECT count(*) FROM ledger_transactions) * 1000000 + (SELECT count(*) FROM ledger_entries) * 1000 + (SELECT count(*) FROM audit_events)"
            let before = try fund.count(snapshot)
            let refused = refusal { _ = try store.releaseTranche(grant.reference, sequence: 1, amount: Fund.usd(625_024), idempotencyKey: "PO-7", as: "fin") }
            #expect(refused?.code == "idempotency_key_reused")
            #expect(refusal { _ = try store.releaseTranche(grant.reference, sequence: 2, amount: Fund.usd(375_015), idempotencyKey: "PO-7", as: "fin") }?.code == "idempotency_key_reused")
            #expect(try fund.count(snapshot) == before)
            // The same request again answers with the first result.
            var again = try store.releaseTranche(grant.reference, sequence: 1, amount: Fund.usd(625_025), idempotencyKey: "PO-7", as: "fin")
            #expect(again.replayed)
            again.replayed = false
            #expect(again == first)
            #expect(try fund.count(snapshot) == before)
            // A wrong amount with a fresh key is refused by the machine, also without writing.
            #expect(refusal { _ = try store.releaseTranche(grant.reference, sequence: 1, amount: Fund.usd(1), idempotencyKey: "PO-8", as: "fin") }?.code == "invalid_transition")
            #expect(try fund.count("SELECT count(*) FROM release_requests") == 1)
            try fund.expectLedgerConsistent()
        }
    }

    @Test func aFundCoveringTenOfFiftyApprovalsApprovesExactlyTen() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let store = fund.store
            _ = try store.createCall(code: "SA-2", configuration: Fund.configuration(envelopes: [.health: 100_000_000]), as: "sec")
            _ = try store.openCall("SA-2", as: "sec")
            try store.deposit(call: "SA-2", cluster: .health, amount: Fund.usd(10 * 100_000), donor: "ECHO", as: "fin")
            var references: [String] = []
            for _ in 0..<50 {
                let submitted = try store.submitProposal(Fund.submission(requested: "1000 USD", call: "SA-2"), as: "ngo")
                try fund.markScored(submitted.reference)
                references.append(submitted.reference)
            }
            let outcomes = onThreads(50) { [references] index in
                let store = FundStore(pool: db.pool(maximumConnections: 1))
                return Outcome { try store.decideProposal(references[index], .approve(amount: Fund.usd(100_000), justification: "Good."), as: "fm") }
            }
            #expect(outcomes.compactMap(\.value).count == 10)
            #expect(outcomes.compactMap(\.code).count == 40)
            #expect(Set(outcomes.compactMap(\.code)) == ["insufficient_funds"])
            #expect(try fund.balance("envelope:SA-2:health") == 0)
            #expect(try store.call("SA-2").envelopes.first?.committed.minorUnits == 10 * 100_000)
            #expect(try fund.count("SELECT count(*) FROM proposals WHERE state = 'approved'") == 10)
            try fund.expectLedgerConsistent()
        }
    }

    @Test func theDatabaseRefusesUnbalancedOrEditedLedgerTransactions() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let connection = try db.connect()
            defer { connection.close() }
            let envelope = try connection.query("SELECT id FROM ledger_accounts WHERE code = 'envelope:SA-1:health'").single().decode("id", as: Int64.self)
            let donor = try connection.query("SELECT id FROM ledger_accounts WHERE code = 'donor:ECHO:USD'").single().decode("id", as: Int64.self)
            // One leg only: refused at commit by the deferred constraint trigger.
            let unbalanced = #expect(throws: PostgresError.self) {
                try connection.withTransaction { connection in
                    let id = try connection.query("INSERT INTO ledger_transactions (kind, actor, occurred_at) VALUES ('deposit', 'x', now()) RETURNING id").single().decode("id", as: Int64.self)
                    try connection.query("INSERT INTO ledger_entries (transaction_id, account_id, currency, amount_minor) VALUES ($1, $2, 'USD', 100)", [id, envelope])
                }
            }
            #expect(unbalanced?.constraint == "ledger_transaction_balanced")
            // Balanced legs pass even though the sum is non-zero in between.
            try connection.withTransaction { connection in
                let id = try connection.query("INSERT INTO ledger_transactions (kind, actor, occurred_at) VALUES ('deposit', 'x', now()) RETURNING id").single().decode("id", as: Int64.self)
                try connection.query("INSERT INTO ledger_entries (transaction_id, account_id, currency, amount_minor) VALUES ($1, $2, 'USD', 100)", [id, envelope])
                try connection.query("INSERT INTO ledger_entries (transaction_id, account_id, currency, amount_minor) VALUES ($1, $2, 'USD', -100)", [id, donor])
            }
            // Another currency than the account's, an envelope below zero, edits: refused.
            #expect(throws: PostgresError.self) {
                try connection.execute("INSERT INTO ledger_entries (transaction_id, account_id, currency, amount_minor) VALUES (1, \(envelope), 'EUR', 1)")
            }
            let negative = #expect(throws: PostgresError.self) {
                try connection.withTransaction { connection in
                    let id = try connection.query("INSERT INTO ledger_transactions (kind, actor, occurred_at) VALUES ('commit', 'x', now()) RETURNING id").single().decode("id", as: Int64.self)
                    try connection.query("INSERT INTO ledger_entries (transaction_id, account_id, currency, amount_minor) VALUES ($1, $2, 'USD', -99999999)", [id, envelope])
                }
            }
            #expect(negative?.constraint == "ledger_accounts_balance_not_negative")
            #expect(throws: PostgresError.self) { try connection.execute("UPDATE ledger_entries SET amount_minor = amount_minor * 2") }
            #expect(throws: PostgresError.self) { try connection.execute("DELETE FROM ledger_transactions") }
            // The balanced movement written beside the application has no audit event of its own (sql/0025).
            #expect(try fund.store.verifyLedger().map(\.code) == ["movement_not_audited"])
            // A balance edited behind the ledger's back is reported.
            try connection.execute("UPDATE ledger_accounts SET balance_minor = balance_minor + 1 WHERE code = 'envelope:SA-1:wash'")
            #expect(try fund.store.verifyLedger().map(\.code) == ["balance_mismatch", "movement_not_audited"])
        }
    }
}
