import Foundation
import Hummingbird
import Postgres
import RRFStore
import RRFWorkflow

// The fund's people (administrators): every account with its roles, affiliations and whether it is active; a
// new account with its invitation (a one-time link by e-mail: the password is never typed by someone else),
// a fresh invitation, deactivation and reactivation, lifting a lock-out.

extension Portal {
    func addUserRoutes(to router: Router<WebContext>) {
        router.get("/users") { request, _ in try await signedIn(request) { store, person in try await users(request, store: store, person: person) } }
        router.post("/users") { request, context in
            try await signedIn(request) { store, person in try await addUser(request, context: context, store: store, person: person) }
        }
        for (action, run) in Self.userActions {
            router.post("/users/{login}/\(action)") { request, context in
                let login = context.parameters.get("login") ?? ""
                return try await signedIn(request) { store, person in
                    let form = try await request.decode(as: OneButtonForm.self, context: context)
                    let publicURL = configuration.publicURL
                    return try await formCommand(csrf: form.csrf, request: request, person: person, done: "/users") {
                        try run(store, login, Int(form.version ?? ""), publicURL)
                    } refused: { error in try await users(request, store: store, person: person, refused: (login, [:], error.message)) }
                }
            }
        }
    }

    /// The one-button commands on an account: what each runs with the store, the login, the version shown and the portal's address.
    static let userActions: [(String, @Sendable (FundStore, String, Int?, String) throws -> Void)] = [
        ("invitation", { store, login, _, url in _ = try store.inviteUser(login, baseURL: url, as: "") }),
        ("deactivation", { store, login, version, _ in _ = try store.deactivateUser(login, expectedVersion: version, as: "") }),
        ("reactivation", { store, login, version, _ in _ = try store.reactivateUser(login, expectedVersion: version, as: "") }),
        ("unlock", { store, login, _, _ in try store.unlockUser(login, as: "") }),
    ]

    func users(_ request: Request, store: FundStore, person: SignedInPerson, refused: (login: String?, sent: [String: String], message: String)? = nil) async throws -> Response {
        let after = try PageNavigation.cursor(request)
        let (accounts, organisations) = try await runner.run { (try store.users(limit: 500, after: after), try store.organisations(limit: 1000).items) }
        let sent = refused?.login == nil ? refused?.sent ?? [:] : [:]
        let chosen = Set((sent["roles"] ?? "").split(separator: ",").map(String.init))
        var values: [String: Any] = [
            "users": accounts.map { account -> [String: Any] in
                var line: [String: Any] = [
                    "login": account.login, "name": account.displayName, "email": account.email ?? "—", "version": account.version,
                    "roles": account.roles.map { pages.messages(for: request)["role_\($0.rawValue)"] ?? $0.rawValue }.joined(separator: ", "),
                    "organisations": account.organisations.joined(separator: ", "), "active": account.active,
                ]
                if let refused, refused.login == account.login { line["error"] = refused.message }
                return line
            },
            "roles": Role.allCases.map { ["value": $0.rawValue, "name": pages.messages(for: request)["role_\($0.rawValue)"] ?? $0.rawValue, "checked": chosen.contains($0.rawValue)] },
            "organisationChoices": organisations.map { ["code": $0.code, "name": $0.name, "selected": sent["organisation"] == $0.code] },
            "login": sent["login"] ?? "", "name": sent["name"] ?? "", "email": sent["email"] ?? "", "csrf": person.csrf,
        ]
        values["pageNav"] = PageNavigation.values(accounts, after: after, path: "/users")
        if let refused, refused.login == nil { values["addError"] = refused.message }
        return pages.render("users", values, request: request, person: person.page, status: refused == nil ? .ok : .badRequest)
    }

    func addUser(_ request: Request, context: WebContext, store: FundStore, person: SignedInPerson) async throws -> Response {
        // Role checkboxes repeat the field `role`: read the body as pairs.
        let body = String(buffer: try await request.body.collect(upTo: 64 * 1024))
        let pairs = (URLComponents(string: "/?" + body.replacingOccurrences(of: "+", with: "%20"))?.queryItems ?? []).map { ($0.name, $0.value ?? "") }
        func value(_ name: String) -> String { pairs.first { $0.0 == name }?.1 ?? "" }
        guard person.accepts(value("csrf")) else { return formExpired(request) }
        let roleNames = pairs.filter { $0.0 == "role" }.map(\.1)
        let sent = ["login": value("login"), "name": value("name"), "email": value("email"), "organisation": value("organisation"), "roles": roleNames.joined(separator: ",")]
        let publicURL = configuration.publicURL
        do {
            let roles = Set(roleNames.compactMap(Role.init(rawValue:)))
            let organisations = value("organisation").isEmpty ? [] : [value("organisation")]
            _ = try await runner.run {
                let added = try store.addUser(
                    login: sent["login"]!, displayName: sent["name"]!, email: sent["email"]!.nilIfEmpty, roles: roles, organisations: organisations, as: ""
                )
                return try store.inviteUser(added.login, baseURL: publicURL, as: "")
            }
            return redirect("/users")
        } catch let error as StoreError where error.kind == .rejected || error.kind == .conflict || error.kind == .notFound {
            return try await users(request, store: store, person: person, refused: (nil, sent, error.message))
        }
    }
}
