import Foundation
import Hummingbird
import RRFStore
import RRFWorkflow

// A reviewer's page: the proposal's essentials, the call's scorecard as a form (one field per criterion with
// its maximum and weight, the comment rule), the conflict declaration; the panel only once their own scores
// are in (the store answers blind until then).

extension Portal {
    func addReviewRoutes(to router: Router<WebContext>) {
        router.get("/reviews/{reference}") { request, context in
            try await signedIn(request) { store, person in try await reviewPage(context.parameters.get("reference") ?? "", request: request, store: store, person: person) }
        }
        router.post("/reviews/{reference}/scores") { request, context in
            try await signedIn(request) { store, person in
                try await submitScores(context.parameters.get("reference") ?? "", request: request, context: context, store: store, person: person)
            }
        }
        router.post("/reviews/{reference}/conflict") { request, context in
            try await signedIn(request) { store, person in
                try await declareConflict(context.parameters.get("reference") ?? "", request: request, context: context, store: store, person: person)
            }
        }
    }

    func reviewPage(_ reference: String, request: Request, store: FundStore, person: SignedInPerson, error: String? = nil) async throws -> Response {
        let (proposal, call, panel) = try await runner.run {
            let proposal = try store.proposal(reference)
            return (proposal, try store.call(proposal.call), try store.proposalReviews(reference))
        }
        let login = person.user.login
        let own = panel.reviews.first { $0.reviewer == login }
        let scorecard = call.configuration.scorecard
        let messages = pages.messages(for: request)
        var values: [String: Any] = [
            "reference": proposal.reference, "title": proposal.title, "organisation": proposal.organisation, "cluster": proposal.cluster.displayName,
            "requested": proposal.requested.grouped, "csrf": person.csrf,
        ]
        if let own, own.isPending {
            values["scoring"] = true
            values["due"] = pages.time(own.dueAt)
            values["overdue"] = own.overdue
            values["criteria"] = scorecard.criteria.map { ["id": $0.id, "title": $0.title, "max": $0.maxScore, "weight": $0.weight] }
            values["commentRule"] = (messages["comment_rule"] ?? "").replacingOccurrences(of: "{floor}", with: "\(scorecard.commentFloorPercent)")
        }
        if panel.aggregate != nil || own?.counts == true {
            values["panel"] = true
            values["reviews"] = panel.reviews.map { ["reviewer": $0.reviewerName, "state": pages.state($0.state, for: request), "total": $0.total?.description ?? "—"] }
            if let aggregate = panel.aggregate { values["aggregate"] = ["mean": aggregate.aggregation.mean.description] }
        }
        if let error { values["error"] = error }
        return pages.render("review", values, request: request, person: person.page, status: error == nil ? .ok : .badRequest)
    }

    func submitScores(_ reference: String, request: Request, context: WebContext, store: FundStore, person: SignedInPerson) async throws -> Response {
        let form = try await request.decode(as: [String: String].self, context: context)
        guard person.accepts(form["csrf"]) else { return formExpired(request) }
        var scores: [String: Int] = [:]
        var comments: [String: String] = [:]
        for (name, value) in form {
            if name.hasPrefix("score_") { scores[String(name.dropFirst(6))] = Int(value.trimmingCharacters(in: .whitespaces)) ?? -1 }
            if name.hasPrefix("comment_"), !value.trimmingCharacters(in: .whitespaces).isEmpty { comments[String(name.dropFirst(8))] = value }
        }
        let input = ReviewScoresInput(scores: scores, comments: form["comments"]?.nilIfEmpty, criterionComments: comments)
        do {
            _ = try await runner.run { try store.submitReview(reference, input, as: "") }
            return redirect("/reviews/\(reference)")
        } catch let error as StoreError where error.kind == .rejected {
            return try await reviewPage(reference, request: request, store: store, person: person, error: error.message)
        }
    }

    /// The conflict form's fields.
    struct ConflictForm: Decodable {
        let csrf: String?
        let reason: String?
    }

    func declareConflict(_ reference: String, request: Request, context: WebContext, store: FundStore, person: SignedInPerson) async throws -> Response {
        let form = try await request.decode(as: ConflictForm.self, context: context)
        guard person.accepts(form.csrf) else { return formExpired(request) }
        let login = person.user.login, reason = form.reason ?? ""
        do {
            _ = try await runner.run {
                let proposal = try store.proposal(reference)
                return try store.declareConflict(reviewer: login, organisation: proposal.organisation, reason: reason, as: "")
            }
        } catch let error as StoreError where error.kind == .rejected {
            return try await reviewPage(reference, request: request, store: store, person: person, error: error.message)
        }
        let messages = pages.messages(for: request)
        return pages.render("message", ["heading": messages["conflict"] ?? "", "text": messages["conflict_declared"] ?? ""], request: request, person: person.page)
    }
}
