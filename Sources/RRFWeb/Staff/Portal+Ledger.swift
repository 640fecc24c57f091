import Foundation
import Hummingbird
import RRFStore
import RRFWorkflow

// The finance officer's view of the money: every ledger account's balance, the result of the ledger's own
// verification, and donor deposits into a call's envelope (each form with its own idempotency key, so a form
// sent twice deposits once).

extension Portal {
    func addLedgerRoutes(to router: Router<WebContext>) {
        router.get("/ledger") { request, _ in
            try await signedIn(request) { store, person in try await ledger(request, store: store, person: person, verify: request.uri.queryParameters["verify"] == "yes") }
        }
        router.post("/ledger/deposits") { request, context in
            try await signedIn(request) { store, person in try await deposit(request, context: context, store: store, person: person) }
        }
    }

    /// The balances and the deposit form; with `verify`, the ledger's verification too (it reads every movement,
    /// so it runs when asked, not on each view).
    func ledger(
        _ request: Request, store: FundStore, person: SignedInPerson, verify: Bool = false, notice: (text: String, refused: Bool)? = nil, sent: DepositForm? = nil
    ) async throws -> Response {
        let (balances, violations, calls) = try await runner.run {
            (try store.ledgerBalances(), verify ? try store.verifyLedger() : nil, try store.calls().filter { $0.state != "archived" })
        }
        var values: [String: Any] = [
            "balances": balances.map { ["code": $0.code, "kind": $0.kind, "balance": $0.balance.grouped] },
            "verified": violations != nil, "intact": violations?.isEmpty == true, "violations": violations?.map(\.message) ?? [], "csrf": person.csrf,
            "envelopes": calls.flatMap { call in
                call.envelopes.map { envelope -> [String: Any] in
                    let value = "\(call.code)/\(envelope.cluster.rawValue)"
                    return ["value": value, "name": "\(call.code): \(envelope.cluster.displayName) (\(envelope.amount.currency.code))", "selected": sent?.envelope == value]
                }
            },
            "donor": sent?.donor ?? "", "amount": sent?.amount ?? "", "key": UUID().uuidString.lowercased(),
        ]
        if let notice { values[notice.refused ? "error" : "notice"] = notice.text }
        return pages.render("ledger", values, request: request, person: person.page, status: notice?.refused == true ? .badRequest : .ok)
    }

    /// The deposit form's fields: the envelope as `CALL/cluster`, the amount (in the call's currency), the donor's
    /// code, and the key made when the form was shown.
    struct DepositForm: Decodable {
        let csrf: String?
        let envelope: String?
        let amount: String?
        let donor: String?
        let key: String?
    }

    func deposit(_ request: Request, context: WebContext, store: FundStore, person: SignedInPerson) async throws -> Response {
        let form = try await request.decode(as: DepositForm.self, context: context)
        guard person.accepts(form.csrf) else { return formExpired(request) }
        let parts = (form.envelope ?? "").split(separator: "/").map(String.init)
        do {
            guard parts.count == 2 else { throw StoreError(.rejected, code: "envelope_required", "Choose the envelope the money goes to.") }
            let cluster = try StoreError.refusing { () throws(WorkflowRejection) in try Cluster(code: parts[1]) }
            let balance = try await runner.run {
                let currency = try store.call(parts[0]).configuration.currency
                let amount = try StoreError.refusing { () throws(WorkflowRejection) in try Money(amount: form.amount ?? "", currency: currency) }
                return (amount, try store.deposit(call: parts[0], cluster: cluster, amount: amount, donor: form.donor ?? "", idempotencyKey: form.key ?? "", as: ""))
            }
            let text = (pages.messages(for: request)["deposit_done"] ?? "").replacingOccurrences(of: "{amount}", with: balance.0.grouped)
                .replacingOccurrences(of: "{account}", with: balance.1.code).replacingOccurrences(of: "{balance}", with: balance.1.balance.grouped)
            return try await ledger(request, store: store, person: person, notice: (text, false))
        } catch let error as StoreError where error.kind == .rejected || error.kind == .notFound {
            return try await ledger(request, store: store, person: person, notice: (error.message, true), sent: form)
        }
    }
}
