import Foundation
import Hummingbird
import RRFStore
import RRFWorkflow

// The finance officer's view of the money: every ledger account's balance and the result of the ledger's own
// verification. Donor deposits stay in rrfctl until the store's deposit takes an idempotency key (a form sent
// twice must not deposit twice).

extension Portal {
    func addLedgerRoutes(to router: Router<WebContext>) {
        router.get("/ledger") { request, _ in try await signedIn(request) { store, person in try await ledger(request, store: store, person: person) } }
    }

    func ledger(_ request: Request, store: FundStore, person: SignedInPerson) async throws -> Response {
        let (balances, violations) = try await runner.run { (try store.ledgerBalances(), try store.verifyLedger()) }
        let values: [String: Any] = [
            "balances": balances.map { ["code": $0.code, "kind": $0.kind, "balance": $0.balance.grouped] },
            "intact": violations.isEmpty, "violations": violations.map(\.message),
        ]
        return pages.render("ledger", values, request: request, person: person.page)
    }
}
