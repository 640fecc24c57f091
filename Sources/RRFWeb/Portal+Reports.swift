import Foundation
import Hummingbird
import RRFStore
import RRFWorkflow

// A grant's report as its organisation writes it (narrative, money spent per budget line), and the person's
// notifications. The report's machine says whether it can be submitted from its state; the store decides.

extension Portal {
    func addReportRoutes(to router: Router<WebContext>) {
        router.get("/grants/{reference}/reports/{sequence}") { request, context in
            let reference = context.parameters.get("reference") ?? "", sequence = Int(context.parameters.get("sequence") ?? "") ?? 0
            return try await signedIn(request) { store, person in try await reportPage(reference, sequence: sequence, request: request, store: store, person: person) }
        }
        router.post("/grants/{reference}/reports/{sequence}") { request, context in
            let reference = context.parameters.get("reference") ?? "", sequence = Int(context.parameters.get("sequence") ?? "") ?? 0
            return try await signedIn(request) { store, person in
                try await submitReport(reference, sequence: sequence, request: request, context: context, store: store, person: person)
            }
        }
        router.get("/notifications") { request, _ in
            try await signedIn(request) { store, person in
                let messages = try await runner.run { try store.notifications() }
                let list = messages.map { ["subject": $0.subject, "body": $0.body, "time": pages.time($0.createdAt)] }
                return pages.render("notifications", ["notifications": list, "noNotifications": list.isEmpty], request: request, person: person.page)
            }
        }
    }

    /// One report of a grant, with its form when the organisation can submit it; 404 outside the person's scope.
    func reportPage(
        _ reference: String, sequence: Int, request: Request, store: FundStore, person: SignedInPerson,
        sent: (narrative: String, spent: [String])? = nil, error: String? = nil
    ) async throws -> Response {
        let (report, budget) = try await runner.run { () throws -> (ReportRecord, [BudgetLine]) in
            guard let report = try store.reports(reference).first(where: { $0.sequence == sequence }) else {
                throw StoreError.notFound("Report \(sequence) of \(reference) does not exist.")
            }
            return (report, try store.proposal(reference).budgetLines)
        }
        let reported = Dictionary(report.spendingLines.map { ($0.line, $0.amount) }, uniquingKeysWith: { first, _ in first })
        let currency = budget.first?.amount.currency.code ?? ""
        let plain = { (text: String) in text.hasSuffix(" \(currency)") ? String(text.dropLast(currency.count + 1)) : text }
        var values: [String: Any] = [
            "grant": reference, "sequence": report.sequence, "kind": report.kind.rawValue, "state": pages.state(report.state, for: request),
            "period": "\(report.periodStart) – \(report.periodEnd)", "due": report.dueDate.description, "overdue": report.overdue,
            "narrative": sent?.narrative ?? report.narrative ?? "", "currency": currency,
            "csrf": person.csrf, "version": report.version,
            "writable": person.user.roles.contains(.ngoUser) && ReportMachine.offers("submit", from: report.state),
            "lines": budget.enumerated().map { index, line -> [String: Any] in
                [
                    "number": index + 1, "description": line.description, "budgeted": line.amount.grouped,
                    "spent": sent.map { index < $0.spent.count ? $0.spent[index] : "" } ?? reported[line.description].map(plain) ?? "",
                ]
            },
        ]
        if let spent = report.spent { values["spentTotal"] = spent.grouped }
        // Mustache shows a section for an empty string too: what is absent is left out.
        if let comment = report.comment?.nilIfEmpty { values["comment"] = comment }
        if let narrative = report.narrative?.nilIfEmpty { values["submittedNarrative"] = narrative }
        if let error { values["error"] = error }
        return pages.render("report", values, request: request, person: person.page, status: error == nil ? .ok : .badRequest)
    }

    func submitReport(
        _ reference: String, sequence: Int, request: Request, context: WebContext, store: FundStore, person: SignedInPerson
    ) async throws -> Response {
        let form = try await request.decode(as: [String: String].self, context: context)
        guard person.accepts(form["csrf"]) else { return formExpired(request) }
        let budget = try await runner.run { try store.proposal(reference).budgetLines }
        let currency = budget.first?.amount.currency.code ?? ""
        let spent = budget.indices.map { (form["spent\($0 + 1)"] ?? "").trimmingCharacters(in: .whitespaces) }
        let spending = zip(budget, spent).filter { !$0.1.isEmpty }.map { line, amount in
            SpendingLine(line: line.description, amount: amount.contains(" ") ? amount : "\(amount) \(currency)")
        }
        let narrative = form["narrative"] ?? ""
        do {
            _ = try await runner.run {
                try store.submitReport(reference, sequence: sequence, narrative: narrative, spending: spending, expectedVersion: Int(form["version"] ?? ""), as: "")
            }
            return redirect("/grants/\(reference)/reports/\(sequence)")
        } catch let error as StoreError where error.kind == .rejected {
            return try await reportPage(reference, sequence: sequence, request: request, store: store, person: person, sent: (narrative, spent), error: error.message)
        }
    }
}
