import Foundation
import Hummingbird
import RRFStore
import RRFWorkflow

// The tranches desk: ready tranches waiting for a fund manager's approval, and approved ones waiting for a
// finance officer's release. Each release form carries an idempotency key made when the form is shown, so a
// double click, a reload or a form sent again pays once; the store refuses the approver releasing their own.

extension Portal {
    func addReleaseRoutes(to router: Router<WebContext>) {
        router.get("/tranches") { request, _ in try await signedIn(request) { store, person in try await trancheDesk(request, store: store, person: person) } }
        router.post("/grants/{reference}/tranches/{sequence}/release") { request, context in
            let reference = context.parameters.get("reference") ?? "", sequence = Int(context.parameters.get("sequence") ?? "") ?? 0
            return try await signedIn(request) { store, person in
                try await release(reference, sequence: sequence, request: request, context: context, store: store, person: person)
            }
        }
    }

    /// The tranches waiting for approval or release; `notice` is the answer to the last form (a release, or its refusal).
    func trancheDesk(_ request: Request, store: FundStore, person: SignedInPerson, notice: (text: String, refused: Bool)? = nil) async throws -> Response {
        let overviews = try await runner.run { try store.grantOverviews(limit: 200) }
        func lines(_ state: TrancheMachine.State.Name) -> [[String: Any]] {
            overviews.flatMap { overview in
                overview.tranches.filter { $0.stateName == state }.map { tranche -> [String: Any] in
                    [
                        "grant": overview.grant.reference, "organisation": overview.grant.organisation, "sequence": tranche.sequence,
                        "amount": tranche.amount.grouped, "amountText": tranche.amount.description, "version": tranche.version,
                        "approvedBy": tranche.approvedBy ?? "—", "approvedAt": tranche.approvedAt.map(pages.time) ?? "—",
                        "key": UUID().uuidString.lowercased(),
                    ]
                }
            }
        }
        let ready = lines(.ready), approved = lines(.approved)
        var values: [String: Any] = ["ready": ready, "noReady": ready.isEmpty, "approved": approved, "noApproved": approved.isEmpty, "csrf": person.csrf]
        if let notice { values[notice.refused ? "error" : "notice"] = notice.text }
        return pages.render("tranches", values, request: request, person: person.page, status: notice?.refused == true ? .badRequest : .ok)
    }

    /// The release form's fields: the amount shown on the form and the key made with it.
    struct ReleaseForm: Decodable {
        let csrf: String?
        let amount: String?
        let key: String?
    }

    func release(_ reference: String, sequence: Int, request: Request, context: WebContext, store: FundStore, person: SignedInPerson) async throws -> Response {
        let form = try await request.decode(as: ReleaseForm.self, context: context)
        guard person.accepts(form.csrf) else { return formExpired(request) }
        let messages = pages.messages(for: request)
        do {
            let amount = try StoreError.refusing { () throws(WorkflowRejection) in try Money(parsing: form.amount ?? "") }
            let released = try await runner.run { try store.releaseTranche(reference, sequence: sequence, amount: amount, idempotencyKey: form.key ?? "", as: "") }
            let text = (messages[released.replayed ? "release_repeated" : "release_done"] ?? "")
                .replacingOccurrences(of: "{sequence}", with: "\(released.sequence)").replacingOccurrences(of: "{grant}", with: released.grant)
                .replacingOccurrences(of: "{amount}", with: released.amount.grouped).replacingOccurrences(of: "{transaction}", with: "\(released.ledgerTransactionID)")
            return try await trancheDesk(request, store: store, person: person, notice: (text, false))
        } catch let error as StoreError where error.kind == .rejected || error.kind == .conflict {
            return try await trancheDesk(request, store: store, person: person, notice: (error.message, true))
        }
    }
}
