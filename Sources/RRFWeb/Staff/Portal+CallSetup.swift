import Foundation
import Hummingbird
import Postgres
import RRFStore
import RRFWorkflow

// Call set-up (secretariat): a new call with its envelopes per cluster, ceiling, deadlines, decision SLA and
// scorecard, each refusal shown beside its field; a draft call edited the same way; the training its applicants'
// staff need; opening, closing and archiving as the call's machine offers them.

extension Portal {
    func addCallSetupRoutes(to router: Router<WebContext>) {
        router.get("/calls/setup") { request, _ in try await signedIn(request) { store, person in try await callSetup(nil, request: request, store: store, person: person) } }
        router.post("/calls/setup") { request, context in
            try await signedIn(request) { store, person in try await saveCall(nil, request: request, context: context, store: store, person: person) }
        }
        router.get("/calls/{code}/setup") { request, context in
            let code = context.parameters.get("code") ?? ""
            return try await signedIn(request) { store, person in try await callSetup(code, request: request, store: store, person: person) }
        }
        router.post("/calls/{code}/setup") { request, context in
            let code = context.parameters.get("code") ?? ""
            return try await signedIn(request) { store, person in try await saveCall(code, request: request, context: context, store: store, person: person) }
        }
        router.post("/calls/{code}/training") { request, context in
            let code = context.parameters.get("code") ?? ""
            return try await signedIn(request) { store, person in
                let form = try await request.decode(as: [String: String].self, context: context)
                return try await formCommand(csrf: form["csrf"], request: request, person: person, done: "/calls/\(code)/setup") {
                    let minimum = try StoreError.wholeNumber(form["minimum"] ?? "", field: "minimum number of staff", example: "2")
                    _ = try store.setCallTrainingRequirement(call: code, course: form["course"] ?? "", minimumStaff: minimum, as: "")
                } refused: { error in try await callSetup(code, request: request, store: store, person: person, refusal: FieldRefusal(field: nil, message: error.message)) }
            }
        }
        for (action, run) in Self.callActions {
            router.post("/calls/{code}/\(action)") { request, context in
                let code = context.parameters.get("code") ?? ""
                return try await signedIn(request) { store, person in
                    let form = try await request.decode(as: [String: String].self, context: context)
                    return try await formCommand(csrf: form["csrf"], request: request, person: person, done: "/calls/\(code)/setup") {
                        try run(store, code, Int(form["version"] ?? ""))
                    } refused: { error in try await callSetup(code, request: request, store: store, person: person, refusal: FieldRefusal(field: nil, message: error.message)) }
                }
            }
        }
    }

    /// A call's lifecycle buttons: the route, the event its machine offers, and the command.
    static let callActions: [(String, @Sendable (FundStore, String, Int?) throws -> Void)] = [
        ("open", { store, code, version in _ = try store.openCall(code, expectedVersion: version, as: "") }),
        ("close", { store, code, version in _ = try store.closeCall(code, expectedVersion: version, as: "") }),
        ("archive", { store, code, version in _ = try store.archiveCall(code, expectedVersion: version, as: "") }),
    ]

    /// The set-up page: every call, and the form of the call `code` (a new one when nil), filled with what was
    /// sent when `refusal` says what was wrong with it.
    func callSetup(
        _ code: String?, request: Request, store: FundStore, person: SignedInPerson, sent: CallSetupForm? = nil, refusal: FieldRefusal? = nil
    ) async throws -> Response {
        let (calls, call, requirements, courses) = try await runner.run {
            let call = try code.map { try store.call($0) }
            return (try store.calls().items, call, try code.map { try store.trainingRequirements(call: $0) } ?? [], try store.trainingCourses())
        }
        let form = sent ?? call.map { CallSetupForm($0, pages: pages) }
        let editable = call.map { CallMachine.offers("configure", from: $0.state) } ?? true
        var values: [String: Any] = [
            "calls": calls.map { ["code": $0.code, "title": $0.configuration.title, "state": pages.state($0.state, for: request)] },
            "csrf": person.csrf, "editable": editable, "isNew": call == nil,
            "action": call.map { "/calls/\($0.code)/setup" } ?? "/calls/setup",
            "code": form?.code ?? "", "title": form?.title ?? "", "currency": form?.currency ?? "USD", "ceiling": form?.ceiling ?? "",
            "submissionDeadline": form?.submissionDeadline ?? "", "reviewDeadline": form?.reviewDeadline ?? "", "slaDays": form?.slaDays ?? "",
            "kinds": CallKind.allCases.map { ["value": $0.rawValue, "name": pages.messages(for: request)["call_kind_\($0.rawValue)"] ?? $0.rawValue, "selected": $0.rawValue == form?.kind] },
            "envelopes": Cluster.allCases.map { ["value": $0.rawValue, "name": $0.displayName, "amount": form?.envelopes?[$0.rawValue] ?? ""] },
            "scorecard": form?.scorecard ?? CallSetupForm.lines(of: CallDefaults.scorecard), "passThreshold": form?.passThreshold ?? "\(CallDefaults.scorecard.passThreshold)",
            "commentFloor": form?.commentFloor ?? "\(CallDefaults.scorecard.commentFloorPercent)",
            "courses": courses.map { ["code": $0.code, "title": $0.title] },
            "requirements": requirements.map { ["course": $0.courseTitle, "minimum": $0.minimumStaff] },
        ]
        if let call {
            values["call"] = ["code": call.code, "state": pages.state(call.state, for: request), "version": call.version]
            values["openable"] = CallMachine.offers("open", from: call.state)
            values["closable"] = CallMachine.offers("close", from: call.state)
            values["archivable"] = CallMachine.offers("archive", from: call.state)
        }
        if let refusal { values["\(refusal.field ?? "form")Error"] = refusal.message }
        return pages.render("call-setup", values, request: request, person: person.page, status: refusal == nil ? .ok : .badRequest)
    }

    func saveCall(_ code: String?, request: Request, context: WebContext, store: FundStore, person: SignedInPerson) async throws -> Response {
        let form = try await request.decode(as: CallSetupForm.self, context: context)
        guard person.accepts(form.csrf) else { return formExpired(request) }
        do {
            let saved: CallRecord
            if let code {
                let stored = try await runner.run { try store.call(code) }
                let configuration = try form.configuration(pages: pages, quorum: stored.configuration.quorum, divergenceSpread: stored.configuration.divergenceSpread)
                let changes = CallChanges(
                    title: configuration.title, kind: configuration.kind, currency: configuration.currency, envelopes: configuration.envelopes,
                    perProposalCeiling: configuration.perProposalCeiling, submissionDeadline: configuration.submissionDeadline,
                    reviewDeadline: configuration.reviewDeadline, decisionSLA: configuration.decisionSLA, scorecard: configuration.scorecard
                )
                saved = try await runner.run { try store.editCall(code, changes, expectedVersion: Int(form.version ?? ""), as: "") }
            } else {
                let configuration = try form.configuration(pages: pages, quorum: 3, divergenceSpread: 25)
                saved = try await runner.run { try store.createCall(code: form.code ?? "", configuration: configuration, as: "") }
            }
            return redirect("/calls/\(saved.code)/setup")
        } catch let refusal as FieldRefusal {
            return try await callSetup(code, request: request, store: store, person: person, sent: form, refusal: refusal)
        } catch let error as StoreError where error.kind == .rejected || error.kind == .conflict {
            let refusal = FieldRefusal(field: CallSetupForm.field(of: error.code), message: error.message)
            return try await callSetup(code, request: request, store: store, person: person, sent: form, refusal: refusal)
        }
    }
}
