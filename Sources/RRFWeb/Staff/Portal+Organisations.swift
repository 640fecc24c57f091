import Foundation
import Hummingbird
import Postgres
import RRFStore
import RRFWorkflow

// The organisation register (secretariat): each partner's state, risk rating and due diligence with its expiry
// (expired and soon-expiring ones flagged), registration, assessment, suspension and reinstatement.

extension Portal {
    func addOrganisationRoutes(to router: Router<WebContext>) {
        router.get("/organisations") { request, _ in try await signedIn(request) { store, person in try await organisations(request, store: store, person: person) } }
        router.post("/organisations") { request, context in
            try await signedIn(request) { store, person in
                let form = try await request.decode(as: OrganisationForm.self, context: context)
                return try await organisationAction(request, store: store, person: person, form: form, about: nil) {
                    _ = try store.registerOrganisation(code: form.code ?? "", name: form.name ?? "", country: form.country ?? "", as: "")
                }
            }
        }
        router.post("/organisations/{code}/assessment") { request, context in
            let code = context.parameters.get("code") ?? ""
            return try await signedIn(request) { store, person in
                let form = try await request.decode(as: OrganisationForm.self, context: context)
                return try await organisationAction(request, store: store, person: person, form: form, about: code) {
                    guard let risk = RiskRating(rawValue: form.risk ?? "") else {
                        throw StoreError(.rejected, code: "risk_required", "Choose the risk rating: low, medium or high.")
                    }
                    let expires = try StoreError.refusing { () throws(WorkflowRejection) in try LocalDate(parsing: form.expires ?? "") }
                    _ = try store.assessOrganisation(code, risk: risk, dueDiligenceExpires: expires, expectedVersion: Int(form.version ?? ""), as: "")
                }
            }
        }
        router.post("/organisations/{code}/suspension") { request, context in
            let code = context.parameters.get("code") ?? ""
            return try await signedIn(request) { store, person in
                let form = try await request.decode(as: OrganisationForm.self, context: context)
                return try await organisationAction(request, store: store, person: person, form: form, about: code) {
                    _ = try store.suspendOrganisation(code, reason: form.reason ?? "", expectedVersion: Int(form.version ?? ""), as: "")
                }
            }
        }
        router.post("/organisations/{code}/reinstatement") { request, context in
            let code = context.parameters.get("code") ?? ""
            return try await signedIn(request) { store, person in
                let form = try await request.decode(as: OrganisationForm.self, context: context)
                return try await organisationAction(request, store: store, person: person, form: form, about: code) {
                    _ = try store.reinstateOrganisation(code, expectedVersion: Int(form.version ?? ""), as: "")
                }
            }
        }
    }

    /// The register; `refused` is the refusal of the last form, shown beside the organisation it was about (nil
    /// code: the registration form), with what was sent.
    func organisations(_ request: Request, store: FundStore, person: SignedInPerson, refused: (code: String?, form: OrganisationForm, message: String)? = nil) async throws -> Response {
        let after = try PageNavigation.cursor(request)
        let records = try await runner.run { try store.organisations(limit: 500, after: after) }
        let today = LocalDate(Date(), utcOffsetMinutes: pages.utcOffsetMinutes)
        let soon = today.adding(days: 60)
        let lines = records.map { organisation -> [String: Any] in
            var line: [String: Any] = [
                "code": organisation.code, "name": organisation.name, "country": organisation.country, "state": pages.state(organisation.state, for: request),
                "risk": organisation.risk?.rawValue ?? "—", "assessedOn": organisation.assessedOn?.description ?? "—",
                "expires": organisation.dueDiligenceExpires?.description ?? "—", "version": organisation.version,
                "expired": organisation.dueDiligenceExpires.map { $0 < today } ?? false,
                "expiring": organisation.dueDiligenceExpires.map { $0 >= today && $0 <= soon } ?? false,
                "assessable": OrganisationMachine.offers("assess", from: organisation.state),
                "suspendable": OrganisationMachine.offers("suspend", from: organisation.state),
                "reinstatable": OrganisationMachine.offers("reinstate", from: organisation.state),
                "risks": RiskRating.allCases.map { ["value": $0.rawValue, "selected": $0 == organisation.risk] },
            ]
            if let reason = organisation.reason { line["reason"] = reason }
            if let refused, refused.code == organisation.code { line["error"] = refused.message }
            return line
        }
        var values: [String: Any] = ["organisations": lines, "noOrganisations": lines.isEmpty, "csrf": person.csrf]
        values["pageNav"] = PageNavigation.values(records, after: after, path: "/organisations")
        if let refused, refused.code == nil {
            values["registerError"] = refused.message
            values["sent"] = ["code": refused.form.code ?? "", "name": refused.form.name ?? "", "country": refused.form.country ?? ""]
        }
        return pages.render("organisations", values, request: request, person: person.page, status: refused == nil ? .ok : .badRequest)
    }

    /// The fields of the register's forms (each form sends the ones it has).
    struct OrganisationForm: Decodable {
        let csrf: String?
        let version: String?
        let code: String?
        let name: String?
        let country: String?
        let risk: String?
        let expires: String?
        let reason: String?
    }

    /// Runs one of the register's commands, then shows the register again (with the refusal beside its form).
    func organisationAction(
        _ request: Request, store: FundStore, person: SignedInPerson, form: OrganisationForm, about code: String?,
        _ command: @escaping @Sendable () throws -> Void
    ) async throws -> Response {
        try await formCommand(csrf: form.csrf, request: request, person: person, done: "/organisations", command) { error in
            try await organisations(request, store: store, person: person, refused: (code, form, error.message))
        }
    }
}
