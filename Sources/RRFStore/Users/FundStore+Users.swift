import Foundation
import Postgres
import RRFWorkflow

/// A user as stored (tables `users`, `user_roles`, `user_organisations`).
public struct UserRecord: Codable, Sendable, Equatable {
    public let id: UUID
    public let login: String
    public let displayName: String
    public let email: String?
    public let roles: [Role]
    /// Codes of the organisations the user belongs to.
    public let organisations: [String]
    /// When the user was deactivated; nil while active.
    public let deactivatedAt: Date?
    public let version: Int

    /// Whether the user can act.
    public var active: Bool { deactivatedAt == nil }

    static let select = """
        SELECT u.id, u.login, u.display_name, u.email, u.deactivated_at, u.version,
               coalesce((SELECT json_agg(r.role ORDER BY r.role) FROM user_roles r WHERE r.user_id = u.id), '[]') AS roles,
               coalesce((SELECT json_agg(o.code ORDER BY o.code) FROM user_organisations uo JOIN organisations o ON o.id = uo.organisation_id
                         WHERE uo.user_id = u.id), '[]') AS organisations
        FROM users u
        """

    init(row: Row) throws {
        id = try row.decode("id")
        login = try row.decode("login")
        displayName = try row.decode("display_name")
        email = try row.decode("email")
        roles = try row.decode("roles", as: JSONValue<[Role]>.self).value
        organisations = try row.decode("organisations", as: JSONValue<[String]>.self).value
        deactivatedAt = try row.decode("deactivated_at")
        version = try row.decode("version")
    }

    /// The account's state machine rebuilt from the record.
    var machine: UserAccountMachine {
        let profile = UserProfile(
            userID: UserID(id), displayName: displayName, email: email, roles: Set(roles), organisationCount: organisations.count
        )
        return UserAccountMachine(state: deactivatedAt.map { .deactivated(profile, since: $0) } ?? .active(profile))
    }
}

extension FundStore {
    /// Adds a user with roles and affiliations. Only an administrator adds users, except the very first user,
    /// who is created without an actor (`login == nil`) and must be an administrator.
    /// An `ngo_user` belongs to exactly one organisation.
    public func addUser(
        login newLogin: String, displayName: String, email: String? = nil, roles: Set<Role>, organisations: [String] = [],
        as actorLogin: String?
    ) throws -> UserRecord {
        try transaction("user.add", actorLogin: actorLogin, target: newLogin) { connection, now, refusal in
            // Serialise user creation so that two "first users" cannot both skip the administrator check.
            try connection.execute("SELECT pg_advisory_xact_lock(hashtextextended('rrf:users', 0))")
            let hasUsers = try connection.query("SELECT EXISTS (SELECT 1 FROM users) AS any").single().decode("any", as: Bool.self)
            // Without an actor only trusted code (the operator) adds the first user; a signed-in caller always acts.
            let acting: ActingActor? = if case .trusted = caller, actorLogin == nil { nil } else {
                try actingActor(claimed: actorLogin ?? "", on: connection, at: now)
            }
            refusal.actor = acting?.recordedLogin
            try confine(to: acting?.actor, on: connection)
            let actor = acting?.actor
            let recordedActor = acting?.recordedLogin ?? Self.systemActor
            let login = newLogin.trimmingCharacters(in: .whitespaces).lowercased()
            let name = try Validate.text(displayName, field: "user's name", maximum: 200)
            let email = try email.map { try Validate.text($0, field: "e-mail address", maximum: 254) }
            var organisationIDs: [UUID] = []
            for code in organisations {
                organisationIDs.append(try loadOrganisationForUpdate(code, on: connection).id)
            }
            try UserAccountMachine.register(roles: Set(roles), organisationCount: Set(organisationIDs).count, isFirstUser: !hasUsers, by: actor)
            let id = UUID()
            try connection.query("INSERT INTO users (id, login, display_name, email) VALUES ($1, $2, $3, $4)", [id, login, name, email])
            try connection.query(
                "INSERT INTO user_roles (user_id, role) SELECT $1, unnest($2::text[])", [id, roles.map(\.rawValue).sorted()]
            )
            if !organisationIDs.isEmpty {
                try connection.query(
                    "INSERT INTO user_organisations (user_id, organisation_id) SELECT DISTINCT $1::uuid, unnest($2::uuid[])", [id, organisationIDs]
                )
            }
            let record = try UserRecord(row: connection.query(UserRecord.select + " WHERE u.id = $1", [id]).single())
            try AuditLog.append(stream: Streams.user(login), type: "user.added", actor: recordedActor, at: now, payload: record, on: connection)
            return record
        }
    }

    /// One user by login.
    public func user(_ login: String) throws -> UserRecord {
        try read("user.show") { connection, viewer in
            let notFound = StoreError.notFound("No user has the login \"\(login)\"; list them with `rrfctl user list`.")
            guard let row = try connection.query(UserRecord.select + " WHERE u.login = $1", [login.lowercased()]).first else { throw notFound }
            let user = try UserRecord(row: row)
            try viewer.require(.person(UserID(user.id)), notFound: notFound)
            return user
        }
    }

    /// A page of the users ordered by login, optionally only those holding `role`, after `cursor` (the previous
    /// page's ``Page/next``).
    public func users(role: Role? = nil, limit: Int = 100, after cursor: PageCursor? = nil) throws -> Page<UserRecord> {
        try read("user.list") { connection, viewer in
            try viewer.require(.people, notFound: StoreError(.forbidden, code: "role_required", "Only an administrator, the secretariat or a fund manager can list users."))
            return try connection.page(
                UserRecord.select, where: "$1::text IS NULL OR EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = $1)",
                [role?.rawValue], orderedBy: [PageKey("u.login", "text")], limit: Validate.limit(limit), after: cursor, UserRecord.init(row:)
            )
        }
    }
}
