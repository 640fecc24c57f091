import Foundation
import Hummingbird
import RRFStore
import RRFWorkflow

// What an NGO user does with a submitted proposal: withdraw it, or answer a revision request by resubmitting.
// The page offers what the proposal's machine would allow from its state; the store's command decides.

extension Portal {
    func addProposalActionRoutes(to router: Router<WebContext>) {
        router.get("/proposals/{reference}") { request, context in
            let reference = context.parameters.get("reference") ?? ""
            return try await signedIn(request) { store, person in try await proposal(reference, request: request, store: store, person: person) }
        }
        router.post("/proposals/{reference}/withdraw") { request, context in
            let reference = context.parameters.get("reference") ?? ""
            return try await signedIn(request) { store, person in try await withdraw(reference, request: request, context: context, store: store, person: person) }
        }
        router.get("/proposals/{reference}/revise") { request, context in
            let reference = context.parameters.get("reference") ?? ""
            return try await signedIn(request) { store, person in
                let proposal = try await runner.run { try store.proposal(reference) }
                return try await proposalForm(request, store: store, person: person, target: .revision(proposal))
            }
        }
        router.post("/proposals/{reference}/revise") { request, context in
            let reference = context.parameters.get("reference") ?? ""
            return try await signedIn(request) { store, person in try await resubmit(reference, request: request, context: context, store: store, person: person) }
        }
    }

    /// One proposal: 404 when it does not exist or is not the person's to see; with the withdrawal form and the
    /// revision link for its organisation's users when its state allows them.
    func proposal(
        _ reference: String, request: Request, store: FundStore, person: SignedInPerson, withdrawalError: String? = nil
    ) async throws -> Response {
        let proposal = try await runner.run { try store.proposal(reference) }
        let applicant = person.user.roles.contains(.ngoUser)
        var values: [String: Any] = [
            "reference": proposal.reference, "title": proposal.title, "organisation": proposal.organisation, "call": proposal.call,
            "cluster": proposal.cluster.displayName, "state": pages.state(proposal.state, for: request), "requested": proposal.requested.grouped,
            "beneficiaries": proposal.beneficiaries, "duration": proposal.durationMonths, "locations": proposal.locations.joined(separator: ", "),
            "submitted": pages.time(proposal.submittedAt), "summary": proposal.summary,
            "budget": proposal.budgetLines.map { ["description": $0.description, "amount": $0.amount.grouped] },
            "csrf": person.csrf, "version": proposal.version,
            "canWithdraw": applicant && ProposalMachine.offers("withdraw", from: proposal.state),
            "canRevise": applicant && ProposalMachine.offers("resubmit", from: proposal.state),
            "canDecide": person.user.roles.contains(.fundManager) && ProposalMachine.offers("approve", from: proposal.state),
            "hasGrant": proposal.stateName == .approved,
        ]
        if let decision = proposal.decision, let justification = proposal.justification {
            values["decision"] = ["kind": decision.replacingOccurrences(of: "_", with: " "), "justification": justification]
        }
        if let reason = proposal.withdrawalReason { values["withdrawalReason"] = reason }
        if let withdrawalError { values["withdrawalError"] = withdrawalError }
        return pages.render("proposal", values, request: request, person: person.page, status: withdrawalError == nil ? .ok : .badRequest)
    }

    /// The withdrawal form's fields.
    struct WithdrawalForm: Decodable {
        let csrf: String?
        let version: String?
        let reason: String?
    }

    func withdraw(_ reference: String, request: Request, context: WebContext, store: FundStore, person: SignedInPerson) async throws -> Response {
        let form = try await request.decode(as: WithdrawalForm.self, context: context)
        guard person.accepts(form.csrf) else { return formExpired(request) }
        do {
            _ = try await runner.run { try store.withdrawProposal(reference, reason: form.reason ?? "", expectedVersion: Int(form.version ?? ""), as: "") }
            return redirect("/proposals/\(reference)")
        } catch let error as StoreError where error.kind == .rejected {
            return try await proposal(reference, request: request, store: store, person: person, withdrawalError: error.message)
        }
    }

    func resubmit(_ reference: String, request: Request, context: WebContext, store: FundStore, person: SignedInPerson) async throws -> Response {
        let form = try await request.decode(as: ProposalForm.self, context: context)
        guard person.accepts(form.csrf) else { return formExpired(request) }
        let original = try await runner.run { try store.proposal(reference) }
        let revised = form.submission(organisation: original.organisation, call: original.call, currency: original.requested.currency.code)
        do {
            _ = try await runner.run { try store.resubmitProposal(reference, revised: revised, expectedVersion: Int(form.version ?? ""), as: "") }
            return redirect("/proposals/\(reference)")
        } catch let error as StoreError where error.kind == .rejected {
            return try await proposalForm(request, store: store, person: person, target: .revision(original), sent: revised, error: (Self.field(of: error.code), error.message))
        }
    }
}
