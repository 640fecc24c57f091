import Foundation
import Hummingbird
import RRFStore
import RRFWorkflow

// The fund manager's desk: each call's ranking per cluster (running total against the envelope, divergent panels
// flagged) and the decision form, which shows what is left in the envelope; the store decides and commits.

extension Portal {
    func addDecisionRoutes(to router: Router<WebContext>) {
        router.get("/ranking") { request, _ in try await signedIn(request) { store, person in try await rankingIndex(request, store: store, person: person) } }
        router.get("/calls/{code}/ranking") { request, context in
            let code = context.parameters.get("code") ?? ""
            return try await signedIn(request) { store, person in try await ranking(code, request: request, store: store, person: person) }
        }
        router.get("/proposals/{reference}/decision") { request, context in
            let reference = context.parameters.get("reference") ?? ""
            return try await signedIn(request) { store, person in try await decisionForm(reference, request: request, store: store, person: person) }
        }
        router.post("/proposals/{reference}/decision") { request, context in
            let reference = context.parameters.get("reference") ?? ""
            return try await signedIn(request) { store, person in try await decide(reference, request: request, context: context, store: store, person: person) }
        }
    }

    /// The calls whose proposals can be ranked, newest deadline first.
    func rankingIndex(_ request: Request, store: FundStore, person: SignedInPerson) async throws -> Response {
        let calls = try await runner.run { try store.calls().filter { $0.state != "draft" && $0.state != "archived" } }
        let values: [String: Any] = [
            "calls": calls.map { ["code": $0.code, "title": $0.configuration.title, "state": pages.state($0.state, for: request)] }, "noCalls": calls.isEmpty,
        ]
        return pages.render("ranking-index", values, request: request, person: person.page)
    }

    /// How many lines of a cluster's ranking one page shows (a call of a real fund ranks hundreds per cluster).
    static let rankingPageSize = 50

    /// A call's ranking: one funded cluster at a time (`?cluster=`, the first by default), ``rankingPageSize`` lines
    /// a page (`?page=`), the running total still counted from the top.
    func ranking(_ code: String, request: Request, store: FundStore, person: SignedInPerson) async throws -> Response {
        let (call, ranking) = try await runner.run { (try store.call(code), try store.callRanking(code)) }
        let query = request.uri.queryParameters
        let chosen = query["cluster"].map(String.init).flatMap { code in ranking.clusters.first { $0.cluster.rawValue == code } }
            ?? ranking.clusters.first
        let values: [String: Any] = [
            "code": call.code, "title": call.configuration.title,
            "clusterLinks": ranking.clusters.map { cluster -> [String: Any] in
                ["clusterCode": cluster.cluster.rawValue, "name": cluster.cluster.displayName, "count": cluster.lines.count,
                 "current": cluster.cluster == chosen?.cluster]
            },
            "clusters": chosen.map { [rankingTable($0, call: call, page: Int(query["page"].map(String.init) ?? "") ?? 1, request: request)] } ?? [],
        ]
        return pages.render("ranking", values, request: request, person: person.page)
    }

    /// One cluster's page of the ranking, with links to the pages before and after it.
    private func rankingTable(_ cluster: ClusterRankingRecord, call: CallRecord, page: Int, request: Request) -> [String: Any] {
        let size = Self.rankingPageSize
        let pageCount = max(1, (cluster.lines.count + size - 1) / size)
        let page = min(max(1, page), pageCount)
        let shown = cluster.lines.dropFirst((page - 1) * size).prefix(size)
        let envelope = call.envelopes.first { $0.cluster == cluster.cluster }
        let base = "/calls/\(call.code)/ranking?cluster=\(cluster.cluster.rawValue)&page="
        return [
            "cluster": cluster.cluster.displayName, "envelope": cluster.envelope.grouped, "left": envelope?.uncommitted.grouped ?? "—",
            "noLines": cluster.lines.isEmpty, "first": (page - 1) * size + 1, "last": (page - 1) * size + shown.count,
            "total": cluster.lines.count, "paged": pageCount > 1,
            "previous": page > 1 ? base + "\(page - 1)" : "", "next": page < pageCount ? base + "\(page + 1)" : "",
            "lines": shown.map { line -> [String: Any] in
                [
                    "rank": line.rank, "reference": line.reference, "title": line.title, "organisation": line.organisation,
                    "state": pages.state(line.state, for: request), "requested": line.requested.grouped, "mean": line.mean.description,
                    "divergent": line.isDivergent, "passes": line.passes, "cumulative": line.cumulativeRequested.grouped,
                    "withinEnvelope": line.withinEnvelope, "decidable": ProposalMachine.offers("approve", from: line.state),
                ]
            },
        ]
    }

    /// What a refused decision form sent, to show again.
    struct DecisionEcho {
        var outcome: String
        var amount: String
        var justification: String
        var message: String
    }

    /// The decision form of a scored proposal: its panel's aggregate, the envelope's allocation, what is committed
    /// and left of it, and the donor funding it holds (what an approval may commit).
    func decisionForm(_ reference: String, request: Request, store: FundStore, person: SignedInPerson, refused: DecisionEcho? = nil) async throws -> Response {
        let (proposal, call, panel, funding) = try await runner.run {
            let proposal = try store.proposal(reference)
            return (proposal, try store.call(proposal.call), try store.proposalReviews(reference), try store.envelopeFunding(call: proposal.call, cluster: proposal.cluster))
        }
        let envelope = call.envelopes.first { $0.cluster == proposal.cluster }
        let outcome = refused?.outcome ?? "approve"
        var values: [String: Any] = [
            "reference": proposal.reference, "title": proposal.title, "organisation": proposal.organisation, "call": proposal.call,
            "cluster": proposal.cluster.displayName, "state": pages.state(proposal.state, for: request), "requested": proposal.requested.grouped,
            "currency": proposal.requested.currency.code, "version": proposal.version, "csrf": person.csrf,
            "envelope": envelope?.amount.grouped ?? "—", "committed": envelope?.committed.grouped ?? "—", "left": envelope?.uncommitted.grouped ?? "—",
            "funding": funding.grouped, "amount": refused?.amount ?? proposal.requested.amountText(grouped: false), "justification": refused?.justification ?? "",
            "approve": outcome == "approve", "reject": outcome == "reject", "revise": outcome == "revise",
            "decidable": ProposalMachine.offers("approve", from: proposal.state),
            "reviews": panel.reviews.map { ["reviewer": $0.reviewerName, "state": pages.state($0.state, for: request), "total": $0.total?.description ?? "—"] },
        ]
        if let aggregate = panel.aggregate?.aggregation {
            values["aggregate"] = ["mean": aggregate.mean.description, "deviation": aggregate.standardDeviation.description, "divergent": aggregate.isDivergent]
        }
        if let refused { values["error"] = refused.message }
        return pages.render("decision", values, request: request, person: person.page, status: refused == nil ? .ok : .badRequest)
    }

    /// The decision form's fields: `outcome` is approve, reject or revise.
    struct DecisionForm: Decodable {
        let csrf: String?
        let version: String?
        let outcome: String?
        let amount: String?
        let justification: String?
    }

    func decide(_ reference: String, request: Request, context: WebContext, store: FundStore, person: SignedInPerson) async throws -> Response {
        let form = try await request.decode(as: DecisionForm.self, context: context)
        guard person.accepts(form.csrf) else { return formExpired(request) }
        let outcome = form.outcome ?? "", justification = form.justification ?? "", amountText = form.amount ?? ""
        do {
            let decision: ProposalDecisionInput
            switch outcome {
            case "approve":
                let currency = try await runner.run { try store.proposal(reference).requested.currency }
                decision = .approve(amount: try StoreError.refusing { () throws(WorkflowRejection) in try Money(amount: amountText, currency: currency) }, justification: justification)
            case "reject": decision = .reject(justification: justification)
            case "revise": decision = .requestRevision(reason: justification)
            default: throw StoreError(.rejected, code: "decision_outcome_required", "Choose the decision: approve, reject or ask for a revision.")
            }
            _ = try await runner.run { try store.decideProposal(reference, decision, expectedVersion: Int(form.version ?? ""), as: "") }
            return redirect("/proposals/\(reference)")
        } catch let error as StoreError where error.kind == .rejected || error.kind == .conflict {
            let echo = DecisionEcho(outcome: outcome, amount: amountText, justification: justification, message: error.message)
            return try await decisionForm(reference, request: request, store: store, person: person, refused: echo)
        }
    }
}
