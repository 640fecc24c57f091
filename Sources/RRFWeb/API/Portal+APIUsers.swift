import Foundation
import HTTPTypes
import Hummingbird
import Postgres
import RRFStore
import RRFWorkflow

// The API's people and their credentials: the administrator's users (add, invite, unlock, edit, deactivate,
// reactivate, list, show) and everyone's own sign-ins and API tokens (list, create, revoke). A new token's
// secret is answered once, by its creation; nothing else answers a secret, an invitation's link included.

extension Portal {
    /// The roles of a request body's member `field`.
    /// - Throws: `body_invalid` naming the role that is not one.
    static func roles(_ names: [String], field: String) throws(APIProblem) -> Set<Role> {
        var roles: Set<Role> = []
        for (index, name) in names.enumerated() { roles.insert(try APIInput.word(name, Role.self, field: "\(field)[\(index)]")) }
        return roles
    }

    /// `GET /users?role=` (staff): people by login.
    func apiUsers(_ call: APIRequest) async throws -> Response {
        let role = try call.query("role").map { (name) throws(APIProblem) in
            guard let role = Role(rawValue: name) else {
                throw APIProblem(.badRequest, code: "parameter_invalid", detail: "The role \(name) in the query is not a role.", field: "role")
            }
            return role
        }
        return try await listPage(call, as: APIUser.init) { store, page in try store.users(role: role, limit: page.limit, after: page.after) }
    }

    /// `GET /users/{login}`.
    func apiUser(_ call: APIRequest) async throws -> Response {
        let login = try call.parameter("login")
        return try await respond(call, as: APIUser.init) { try $0.user(login) }
    }

    /// A new user (`POST /users`); an invitation to set a password is sent separately.
    struct UserBody: Decodable {
        let login: String
        let displayName: String
        let email: String?
        let roles: [String]
        /// Exactly one for an NGO user.
        let organisations: [String]?
    }

    /// `POST /users` (administrator): 201 with the user's location.
    func apiAddUser(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(UserBody.self), roles = try Self.roles(body.roles, field: "roles"), store = call.store
        let user = try await runner.run {
            try store.addUser(login: body.login, displayName: body.displayName, email: body.email, roles: roles, organisations: body.organisations ?? [], as: "")
        }
        return try APIJSON.response(APIUser(user), status: .created, headers: [.location: "\(Self.apiBase)/users/\(user.login)"])
    }

    /// Changes to a user: what is given replaces the user's; `roles` replaces every role.
    struct UserChangesBody: Decodable {
        let displayName: String?
        let email: String?
        let roles: [String]?
        let version: Int?
    }

    /// `PATCH /users/{login}` (administrator).
    func apiEditUser(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(UserChangesBody.self), login = try call.parameter("login")
        let changes = UserChanges(
            displayName: body.displayName, email: body.email, roles: try body.roles.map { (names) throws(APIProblem) in try Self.roles(names, field: "roles") }
        )
        return try await respond(call, as: APIUser.init) { try $0.editUser(login, changes, expectedVersion: body.version, as: "") }
    }

    /// `POST /users/{login}/deactivate` and `/reactivate` (administrator), the body optionally holding the version seen.
    func apiUserStep(_ call: APIRequest, _ step: @escaping @Sendable (FundStore, String, Int?) throws -> UserRecord) async throws -> Response {
        let body = try await call.body(APIVersionBody.self), login = try call.parameter("login")
        return try await respond(call, as: APIUser.init) { try step($0, login, body.version) }
    }

    /// `POST /users/{login}/invitation` (administrator): e-mails the user a one-time link to set their password;
    /// the answer says until when it works, never the link.
    func apiInviteUser(_ call: APIRequest) async throws -> Response {
        let login = try call.parameter("login"), base = configuration.publicURL
        return try await respond(call, as: APICredentialLink.init) { try $0.inviteUser(login, baseURL: base, as: "") }
    }

    /// `POST /users/{login}/unlock` (administrator): lifts the lock-out after failed sign-ins; 204.
    func apiUnlockUser(_ call: APIRequest) async throws -> Response {
        let login = try call.parameter("login"), store = call.store
        try await runner.run { try store.unlockUser(login, as: "") }
        return Response(status: .noContent)
    }

    /// `GET /tokens?all=`: the person's live sign-ins and API tokens (an administrator's `all=true`: everyone's), never their secrets.
    func apiTokens(_ call: APIRequest) async throws -> Response {
        let everyone = try call.flag("all")
        return try await wholeListPage(call, as: APIToken.init) { try $0.accessTokens(everyone: everyone, as: "") }
    }

    /// A new API token.
    struct TokenBody: Decodable {
        /// What it is for, e.g. `nightly IATI export`.
        let label: String
        /// 1 to 90.
        let days: Int
    }

    /// `POST /tokens`: 201 with the token and its secret, answered this once.
    func apiCreateToken(_ call: APIRequest) async throws -> Response {
        let body = try await call.body(TokenBody.self)
        return try await respond(call, status: .created, as: APIIssuedToken.init) { try $0.createAPIToken(label: body.label, days: body.days, as: "") }
    }

    /// `DELETE /tokens/{id}`: revokes a sign-in or API token (one's own; an administrator's anyone's); it stops at once.
    func apiRevokeToken(_ call: APIRequest) async throws -> Response {
        let id = try call.uuid("id")
        return try await respond(call, as: APIToken.init) { try $0.revokeToken(id, as: "") }
    }
}
