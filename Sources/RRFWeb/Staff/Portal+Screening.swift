import Foundation
import Hummingbird
import Postgres
import RRFStore
import RRFWorkflow

// The secretariat's desk: the screening queue (pass, or fail with a reason) and the review panels of proposals
// in review (assign automatically, as the daemon would, or by hand, with each member's load and declared conflicts).

extension Portal {
    func addScreeningRoutes(to router: Router<WebContext>) {
        router.get("/screening") { request, _ in try await signedIn(request) { store, person in try await screeningQueue(request, store: store, person: person) } }
        router.post("/proposals/{reference}/screening") { request, context in
            let reference = context.parameters.get("reference") ?? ""
            return try await signedIn(request) { store, person in try await screen(reference, request: request, context: context, store: store, person: person) }
        }
        router.post("/proposals/{reference}/reviewers") { request, context in
            let reference = context.parameters.get("reference") ?? ""
            return try await signedIn(request) { store, person in try await assign(reference, request: request, context: context, store: store, person: person) }
        }
    }

    /// What the screening page shows: proposals waiting for screening, and those in review with their panels.
    struct ScreeningData: Sendable {
        var waiting: [ProposalRecord]
        var inReview: [(ProposalRecord, [ReviewRecord])]
        var committees: [CommitteeRecord]
        var conflicts: [ConflictRecord]
    }

    /// The screening queue and the panels being formed; `error` is a refusal of the last form, shown beside the
    /// proposal it was about.
    func screeningQueue(_ request: Request, store: FundStore, person: SignedInPerson, error: (reference: String, message: String)? = nil) async throws -> Response {
        let data = try await runner.run {
            let waiting = try store.proposals(ProposalFilter(state: "submitted", limit: 200)).items + store.proposals(ProposalFilter(state: "resubmitted", limit: 200)).items
            let inReview = try store.proposals(ProposalFilter(state: "in_review", limit: 200)).map { ($0, try store.reviews(ReviewFilter(reference: $0.reference)).items) }
            return ScreeningData(waiting: waiting, inReview: inReview, committees: try store.committees(), conflicts: try store.conflicts())
        }
        func refusal(_ reference: String) -> String? { error?.reference == reference ? error?.message : nil }
        let waiting = data.waiting.map { proposal -> [String: Any] in
            var line: [String: Any] = [
                "reference": proposal.reference, "title": proposal.title, "organisation": proposal.organisation, "call": proposal.call,
                "cluster": proposal.cluster.displayName, "requested": proposal.requested.grouped, "state": pages.state(proposal.state, for: request),
                "version": proposal.version, "submitted": pages.time(proposal.submittedAt),
            ]
            if let message = refusal(proposal.reference) { line["error"] = message }
            return line
        }
        let panels = data.inReview.map { proposal, reviews -> [String: Any] in
            let committee = data.committees.first { $0.cluster == proposal.cluster && $0.call == proposal.call }
                ?? data.committees.first { $0.cluster == proposal.cluster && $0.call == nil }
            let assigned = Set(reviews.filter { $0.state != "recused" }.map(\.reviewer))
            let conflicted = Set(data.conflicts.filter { $0.organisation == proposal.organisation }.map(\.reviewer))
            var panel: [String: Any] = [
                "reference": proposal.reference, "title": proposal.title, "organisation": proposal.organisation, "cluster": proposal.cluster.displayName,
                "committee": committee?.code ?? "—",
                "reviews": reviews.map { ["reviewer": $0.reviewerName, "state": pages.state($0.state, for: request), "due": pages.time($0.dueAt)] },
                "noReviews": reviews.isEmpty,
                "members": (committee?.members ?? []).filter { !assigned.contains($0.login) }.map { member -> [String: Any] in
                    ["login": member.login, "name": member.displayName, "load": member.openAssignments, "conflicted": conflicted.contains(member.login)]
                },
            ]
            if let message = refusal(proposal.reference) { panel["error"] = message }
            return panel
        }
        let values: [String: Any] = ["waiting": waiting, "noWaiting": waiting.isEmpty, "panels": panels, "noPanels": panels.isEmpty, "csrf": person.csrf]
        return pages.render("screening", values, request: request, person: person.page, status: error == nil ? .ok : .badRequest)
    }

    /// The screening form's fields: the outcome (`pass` or `fail`) and, for a failure, the reason.
    struct ScreeningForm: Decodable {
        let csrf: String?
        let version: String?
        let outcome: String?
        let reason: String?
    }

    func screen(_ reference: String, request: Request, context: WebContext, store: FundStore, person: SignedInPerson) async throws -> Response {
        let form = try await request.decode(as: ScreeningForm.self, context: context)
        guard person.accepts(form.csrf) else { return formExpired(request) }
        let passed = form.outcome == "pass", reason = form.reason?.nilIfEmpty
        do {
            _ = try await runner.run { try store.screenProposal(reference, passed: passed, reason: reason, expectedVersion: Int(form.version ?? ""), as: "") }
            return redirect("/screening")
        } catch let error as StoreError where error.kind == .rejected || error.kind == .conflict {
            return try await screeningQueue(request, store: store, person: person, error: (reference, error.message))
        }
    }

    /// The assignment form's fields: a member's login, or none to assign automatically.
    struct AssignmentForm: Decodable {
        let csrf: String?
        let reviewer: String?
    }

    func assign(_ reference: String, request: Request, context: WebContext, store: FundStore, person: SignedInPerson) async throws -> Response {
        let form = try await request.decode(as: AssignmentForm.self, context: context)
        guard person.accepts(form.csrf) else { return formExpired(request) }
        do {
            if let reviewer = form.reviewer?.nilIfEmpty {
                _ = try await runner.run { try store.assignReviewer(reference, reviewer: reviewer, as: "") }
            } else {
                _ = try await runner.run { try store.assignReviewersAutomatically(reference, as: "") }
            }
            return redirect("/screening")
        } catch let error as StoreError where error.kind == .rejected || error.kind == .conflict {
            return try await screeningQueue(request, store: store, person: person, error: (reference, error.message))
        }
    }
}
