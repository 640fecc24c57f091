import Foundation
import RRFStore
import RRFTestSupport
import RRFWorkflow
import Testing

/// Donor deposits with an idempotency key: the same request again (a form sent twice, a retried API call) deposits
/// once and answers the first result, even when the two race; the key with another deposit is refused.
@Suite struct DepositTests {
    @Test func theSameDepositWithItsKeyIsRecordedOnceEvenWhenTheTwoRace() throws {
        try withTestDatabase { db in
            let fund = try Fund.withFinance(db)
            let before = try fund.balance("envelope:SA-1:health")
            let deposits = { try fund.count("SELECT count(*)::int FROM ledger_transactions WHERE kind = 'deposit'") }
            let depositsBefore = try deposits()
            let amount = Fund.usd(2_500_000)
            let results = onThreads(4) { _ in
                Result { try fund.store.deposit(call: "SA-1", cluster: .health, amount: amount, donor: "ECHO", idempotencyKey: "form-7f3a", as: "fin") }
            }
            let balances = results.compactMap { try? $0.get().balance.minorUnits }
            #expect(balances.count == 4 || results.contains { (try? $0.get()) == nil }, "a racing twin waits for the first or is told to retry")
            #expect(Set(balances).count == 1)
            #expect(try fund.balance("envelope:SA-1:health") == before + 2_500_000)
            #expect(try deposits() == depositsBefore + 1)
            let other = refusal { _ = try fund.store.deposit(call: "SA-1", cluster: .health, amount: Fund.usd(1), donor: "ECHO", idempotencyKey: "form-7f3a", as: "fin") }
            #expect(other?.code == "idempotency_key_reused")
            #expect(try fund.balance("envelope:SA-1:health") == before + 2_500_000)
            try fund.expectLedgerConsistent()
        }
    }
}
