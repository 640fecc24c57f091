import Foundation
import Hummingbird
import RRFStore
import RRFWorkflow

// A grant as the fund's staff work on it: the agreement's signature (which plans the tranches and reports), a
// re-check of the tranche conditions, and the fund manager's approval of a ready tranche. Releases are the
// finance officer's (Portal+Releases.swift).

extension Portal {
    func addGrantRoutes(to router: Router<WebContext>) {
        router.get("/grants/{reference}") { request, context in
            let reference = context.parameters.get("reference") ?? ""
            return try await signedIn(request) { store, person in try await grant(reference, request: request, store: store, person: person) }
        }
        router.post("/grants/{reference}/signature") { request, context in
            let reference = context.parameters.get("reference") ?? ""
            return try await signedIn(request) { store, person in try await sign(reference, request: request, context: context, store: store, person: person) }
        }
        router.post("/grants/{reference}/evaluation") { request, context in
            let reference = context.parameters.get("reference") ?? ""
            return try await signedIn(request) { store, person in
                try await grantAction(reference, request: request, context: context, store: store, person: person) { form in
                    _ = try store.evaluateTranches(reference, as: "")
                }
            }
        }
        router.post("/grants/{reference}/tranches/{sequence}/approval") { request, context in
            let reference = context.parameters.get("reference") ?? "", sequence = Int(context.parameters.get("sequence") ?? "") ?? 0
            return try await signedIn(request) { store, person in
                try await grantAction(reference, request: request, context: context, store: store, person: person) { form in
                    _ = try store.approveTranche(reference, sequence: sequence, expectedVersion: Int(form.version ?? ""), as: "")
                }
            }
        }
    }

    /// A grant with its tranches and reports; before signature (the proposal is approved, no grant yet), the
    /// agreement's form. `error` is the refusal of the last form.
    func grant(_ reference: String, request: Request, store: FundStore, person: SignedInPerson, error: String? = nil, sent: SignatureForm? = nil) async throws -> Response {
        let (proposal, overview) = try await runner.run {
            let proposal = try store.proposal(reference)
            let grant: GrantRecord?
            do { grant = try store.grant(reference) } catch let error as StoreError where error.kind == .notFound { grant = nil }
            return (proposal, try grant.map { (grant: $0, tranches: try store.tranches(reference), reports: try store.reports(reference)) })
        }
        var values: [String: Any] = [
            "reference": proposal.reference, "title": proposal.title, "organisation": proposal.organisation, "call": proposal.call,
            "cluster": proposal.cluster.displayName, "csrf": person.csrf, "approved": proposal.approved?.grouped ?? "—",
        ]
        if let overview {
            let grant = overview.grant
            let facts: [String: Any] = [
                "state": pages.state(grant.state, for: request), "amount": grant.amount.grouped, "risk": grant.risk.rawValue,
                "start": grant.startDate.description, "end": grant.endDate.description, "signedOn": grant.signedOn?.description ?? "—",
                "signatory": grant.signatory ?? "—", "version": grant.version,
            ]
            values["grant"] = facts
            values["tranches"] = overview.tranches.map { tranche -> [String: Any] in
                [
                    "sequence": tranche.sequence, "amount": tranche.amount.grouped, "state": pages.state(tranche.state, for: request),
                    "waiting": tranche.unmet.joined(separator: " "), "version": tranche.version,
                    "approvedBy": tranche.approvedBy ?? "", "releasedBy": tranche.releasedBy ?? "",
                    "approvable": TrancheMachine.offers("approve", from: tranche.state),
                ]
            }
            values["reports"] = overview.reports.map { ["sequence": $0.sequence, "kind": $0.kind.rawValue, "state": pages.state($0.state, for: request), "due": $0.dueDate.description] }
            values["hasTranches"] = !overview.tranches.isEmpty
            values["hasReports"] = !overview.reports.isEmpty
            values["evaluable"] = overview.tranches.contains { TrancheMachine.offers("evaluate", from: $0.state) }
        } else {
            values["signable"] = ProposalMachine.State.Name(rawValue: proposal.state) == .approved
            values["signatory"] = sent?.signatory ?? ""
            values["startDate"] = sent?.startDate ?? ""
        }
        if let error { values["error"] = error }
        return pages.render("grant", values, request: request, person: person.page, status: error == nil ? .ok : .badRequest)
    }

    /// The agreement's fields: who signed for the organisation, and the start date (today when empty).
    struct SignatureForm: Decodable {
        let csrf: String?
        let signatory: String?
        let startDate: String?
    }

    func sign(_ reference: String, request: Request, context: WebContext, store: FundStore, person: SignedInPerson) async throws -> Response {
        let form = try await request.decode(as: SignatureForm.self, context: context)
        guard person.accepts(form.csrf) else { return formExpired(request) }
        do {
            let start = try form.startDate?.nilIfEmpty.map { text throws(StoreError) in try StoreError.refusing { () throws(WorkflowRejection) in try LocalDate(parsing: text) } }
            _ = try await runner.run { try store.signGrant(reference, signatory: form.signatory ?? "", startDate: start, as: "") }
            return redirect("/grants/\(reference)")
        } catch let error as StoreError where error.kind == .rejected || error.kind == .conflict {
            return try await grant(reference, request: request, store: store, person: person, error: error.message, sent: form)
        }
    }

    /// Runs a one-button command on a grant, then shows the grant again (with the refusal, if any).
    func grantAction(
        _ reference: String, request: Request, context: WebContext, store: FundStore, person: SignedInPerson,
        _ command: @escaping @Sendable (OneButtonForm) throws -> Void
    ) async throws -> Response {
        let form = try await request.decode(as: OneButtonForm.self, context: context)
        return try await formCommand(csrf: form.csrf, request: request, person: person, done: "/grants/\(reference)") {
            try command(form)
        } refused: { error in try await grant(reference, request: request, store: store, person: person, error: error.message) }
    }
}
