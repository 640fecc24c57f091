import Foundation
import Hummingbird
import Postgres
import RRFStore
import RRFWorkflow

// The proposal form of an NGO user: saved as a draft (as often as needed), then submitted; and the same form
// to answer a revision request. Every check is the store's; the page only carries the fields and shows a
// refusal beside the field it names.

/// What the proposal form edits, and so where it is sent.
enum ProposalFormTarget {
    /// A first draft.
    case new
    /// A saved draft.
    case draft(ProposalDraftRecord)
    /// A proposal sent back for revision, resubmitted in place.
    case revision(ProposalRecord)

    var action: String {
        switch self {
        case .new: "/proposals/new"
        case .draft(let draft): "/drafts/\(draft.id.uuidString.lowercased())"
        case .revision(let proposal): "/proposals/\(proposal.reference)/revise"
        }
    }

    var version: String {
        switch self {
        case .new: ""
        case .draft(let draft): "\(draft.version)"
        case .revision(let proposal): "\(proposal.version)"
        }
    }

    var content: ProposalSubmission? {
        switch self {
        case .new: nil
        case .draft(let draft): draft.content
        case .revision(let proposal): proposal.submission
        }
    }
}

extension Portal {
    func addProposalFormRoutes(to router: Router<WebContext>) {
        router.get("/proposals/new") { request, _ in
            try await signedIn(request) { store, person in try await proposalForm(request, store: store, person: person, target: .new) }
        }
        router.post("/proposals/new") { request, context in
            try await signedIn(request) { store, person in try await saveProposal(request, context: context, store: store, person: person, draftID: nil) }
        }
        router.get("/drafts/{id}") { request, context in
            try await signedIn(request) { store, person in
                let draft = try await runner.run { try store.proposalDraft(UUID(uuidString: context.parameters.get("id") ?? "") ?? UUID()) }
                return try await proposalForm(request, store: store, person: person, target: .draft(draft), saved: request.uri.queryParameters["saved"] != nil)
            }
        }
        router.post("/drafts/{id}") { request, context in
            try await signedIn(request) { store, person in
                try await saveProposal(request, context: context, store: store, person: person, draftID: UUID(uuidString: context.parameters.get("id") ?? "") ?? UUID())
            }
        }
    }

    /// The form's fields: the submission's, budget lines as five numbered pairs.
    struct ProposalForm: Decodable {
        let csrf: String?
        let action: String?
        let version: String?
        let call: String?
        let cluster: String?
        let title: String?
        let summary: String?
        let locations: String?
        let beneficiaries: String?
        let durationMonths: String?
        let requested: String?
        let description1, description2, description3, description4, description5: String?
        let amount1, amount2, amount3, amount4, amount5: String?

        enum CodingKeys: String, CodingKey {
            case csrf, action, version, call, cluster, title, summary, locations, beneficiaries, requested
            case durationMonths = "duration_months"
            case description1, description2, description3, description4, description5, amount1, amount2, amount3, amount4, amount5
        }

        var lines: [(String, String)] {
            [(description1, amount1), (description2, amount2), (description3, amount3), (description4, amount4), (description5, amount5)]
                .map { ($0.0 ?? "", $0.1 ?? "") }
        }

        /// The submission the fields describe, for `organisation` and `call`; amounts typed without a currency get `currency`.
        func submission(organisation: String, call: String, currency: String) -> ProposalSubmission {
            let withCurrency = { (text: String) in text.isEmpty || text.contains(" ") ? text : "\(text) \(currency)" }
            return ProposalSubmission(
                organisation: organisation, call: call, cluster: cluster ?? "", title: title ?? "", summary: summary?.nilIfEmpty,
                locations: (locations ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty },
                beneficiaries: Int(beneficiaries ?? "") ?? 0, requested: withCurrency(requested ?? ""), durationMonths: Int(durationMonths ?? "") ?? 0,
                budgetLines: lines.filter { !$0.0.isEmpty || !$0.1.isEmpty }.map { ProposalSubmission.Line(description: $0.0, amount: withCurrency($0.1)) }
            )
        }
    }

    /// The form, empty, from a draft or a proposal to revise (or from what was sent, with the refusal beside its field).
    func proposalForm(
        _ request: Request, store: FundStore, person: SignedInPerson, target: ProposalFormTarget, sent: ProposalSubmission? = nil,
        error: (field: String?, message: String)? = nil, saved: Bool = false
    ) async throws -> Response {
        let messages = pages.messages(for: request)
        let content = sent ?? target.content
        let calls: [CallRecord]
        if case .revision(let proposal) = target {
            calls = [try await runner.run { try store.call(proposal.call) }]
        } else {
            calls = try await runner.run { try store.calls(state: "open").items }
        }
        let currency = calls.first { $0.code == content?.call }?.configuration.currency.code ?? calls.first?.configuration.currency.code ?? ""
        func field(_ name: String, _ label: String, _ value: String, hint: String? = nil, multiline: Bool = false, numeric: Bool = false) -> [String: Any] {
            var values: [String: Any] = ["name": name, "label": messages[label] ?? label, "value": value, "multiline": multiline, "numeric": numeric]
            if let hint { values["hint"] = messages[hint] ?? hint }
            if let error, error.field == name { values["fieldError"] = error.message }
            return values
        }
        let amount = { (text: String) in text.hasSuffix(" \(currency)") ? String(text.dropLast(currency.count + 1)) : text }
        let lines = (0..<5).map { index -> [String: Any] in
            let line = content.flatMap { index < $0.budgetLines.count ? $0.budgetLines[index] : nil }
            return ["number": index + 1, "description": line?.description ?? "", "amount": line.map { amount($0.amount) } ?? ""]
        }
        var values: [String: Any] = [
            "action": target.action, "version": target.version, "csrf": person.csrf, "saved": saved, "lines": lines,
            "calls": calls.map { ["code": $0.code, "title": $0.configuration.title, "currency": $0.configuration.currency.code,
                                  "deadline": pages.time($0.configuration.submissionDeadline), "selected": $0.code == content?.call] },
            "clusterGroups": calls.map { call -> [String: Any] in
                ["call": call.code, "options": call.envelopes.map { envelope -> [String: Any] in
                    ["value": envelope.cluster.rawValue, "name": envelope.cluster.displayName,
                     "selected": call.code == content?.call && envelope.cluster.rawValue == content?.cluster]
                }]
            },
            "fields": [
                field("title", "title", content?.title ?? ""),
                field("summary", "summary", content?.summary ?? "", multiline: true),
                field("locations", "locations", content?.locations.joined(separator: ", ") ?? "", hint: "locations_hint"),
                field("beneficiaries", "beneficiaries", content.map { $0.beneficiaries == 0 ? "" : "\($0.beneficiaries)" } ?? "", numeric: true),
                field("duration_months", "duration", content.map { $0.durationMonths == 0 ? "" : "\($0.durationMonths)" } ?? "", numeric: true),
                field("requested", "requested", content.map { amount($0.requested) } ?? "", hint: "requested_hint", numeric: true),
            ],
        ]
        if let error, error.field == "cluster" { values["clusterError"] = error.message }
        if let error, error.field == nil { values["error"] = error.message }
        if case .revision(let proposal) = target {
            values["revision"] = ["reference": proposal.reference, "reason": proposal.justification ?? ""]
        }
        return pages.render("proposal-form", values, request: request, person: person.page, status: error == nil ? .ok : .badRequest)
    }

    /// Saves the draft, and with `action=submit` submits it.
    func saveProposal(_ request: Request, context: WebContext, store: FundStore, person: SignedInPerson, draftID: UUID?) async throws -> Response {
        let form = try await request.decode(as: ProposalForm.self, context: context)
        guard person.accepts(form.csrf) else { return formExpired(request) }
        let calls = try await runner.run { try store.calls(state: "open").items }
        let currency = calls.first { $0.code == form.call }?.configuration.currency.code ?? ""
        let submission = form.submission(organisation: person.user.organisations.first ?? "", call: form.call ?? "", currency: currency)
        let version = Int(form.version ?? "")
        do {
            let draft = try await runner.run { try store.saveProposalDraft(draftID, submission, expectedVersion: version, as: "") }
            guard form.action == "submit" else { return redirect("/drafts/\(draft.id.uuidString.lowercased())?saved=1") }
            let proposal = try await runner.run { try store.submitProposalDraft(draft.id, as: "") }
            return redirect("/proposals/\(proposal.reference)")
        } catch let error as StoreError where error.kind == .rejected {
            let draft = try? await runner.run { try draftID.map { try store.proposalDraft($0) } }
            let target = (draft ?? nil).map(ProposalFormTarget.draft) ?? .new
            return try await proposalForm(request, store: store, person: person, target: target, sent: submission, error: (Self.field(of: error.code), error.message))
        }
    }

    /// The form field a refusal is about, from its code (nil: shown above the form).
    static func field(of code: String) -> String? {
        let fields: [(String, String)] = [
            ("title", "title"), ("beneficiar", "beneficiaries"), ("duration", "duration_months"), ("cluster", "cluster"), ("location", "locations"),
            ("summary", "summary"), ("requested", "requested"), ("ceiling", "requested"), ("currency", "requested"),
        ]
        return fields.first { code.contains($0.0) }?.1
    }
}
