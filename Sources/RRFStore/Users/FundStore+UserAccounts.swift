import Foundation
import Postgres
import RRFWorkflow

// Changing users after creation (issue 13): edit the name, e-mail and roles; deactivate and reactivate.
// The rules are UserAccountMachine's; a deactivated user is refused by resolveActor.

extension FundStore {
    /// Changes a user's name, e-mail address and/or roles (administrator); audited `user.edited`.
    public func editUser(_ login: String, _ changes: UserChanges, expectedVersion: Int? = nil, as actorLogin: String) throws -> UserRecord {
        try userCommand("user.edit", login, expectedVersion: expectedVersion, as: actorLogin) { machine, loaded, context in
            let profile = try changes.applied(to: machine.state.profile, of: loaded.login)
            return try machine.edit(profile, otherActiveAdministrators: try otherActiveAdministrators(loaded, context), by: context.actor)
        }
    }

    /// Deactivates a user (administrator): they keep their history but can no longer act; audited `user.deactivated`.
    public func deactivateUser(_ login: String, expectedVersion: Int? = nil, as actorLogin: String) throws -> UserRecord {
        try userCommand("user.deactivate", login, expectedVersion: expectedVersion, as: actorLogin) { machine, loaded, context in
            try machine.deactivate(at: context.now, otherActiveAdministrators: try otherActiveAdministrators(loaded, context), by: context.actor)
        }
    }

    /// Reactivates a deactivated user (administrator); audited `user.reactivated`.
    public func reactivateUser(_ login: String, expectedVersion: Int? = nil, as actorLogin: String) throws -> UserRecord {
        try userCommand("user.reactivate", login, expectedVersion: expectedVersion, as: actorLogin) { machine, loaded, context in
            try machine.reactivate(by: context.actor)
        }
    }

    // MARK: Internals

    /// Loads the user `FOR UPDATE`, checks the expected version, asks the machine (`event`), performs its action
    /// (``perform(_:on:context:)``), bumps the version and audits the user as they are now.
    private func userCommand(
        _ name: String, _ login: String, expectedVersion: Int?, as actorLogin: String,
        _ event: (inout UserAccountMachine, UserRecord, CommandContext) throws -> UserAccountMachine.Action
    ) throws -> UserRecord {
        try command(name, as: actorLogin, target: login) { context in
            let normalised = login.trimmingCharacters(in: .whitespaces).lowercased()
            guard let row = try context.connection.query(UserRecord.select + " WHERE u.login = $1 FOR UPDATE OF u", [normalised]).first else {
                throw StoreError.notFound("No user has the login \"\(login)\"; list them with `rrfctl user list`.")
            }
            let loaded = try UserRecord(row: row)
            try context.requireVersion(loaded.version, expected: expectedVersion, of: "The user \(loaded.login)")
            var machine = loaded.machine
            let eventType = try perform(try event(&machine, loaded, context), on: loaded, context: context)
            try context.updateVersioned(
                "UPDATE users SET version = version + 1 WHERE id = $1 AND version = $2", [loaded.id, loaded.version], what: "The user \(loaded.login)"
            )
            let record = try UserRecord(row: context.connection.query(UserRecord.select + " WHERE u.id = $1", [loaded.id]).single())
            try context.audit(Streams.user(record.login), eventType, record)
            return record
        }
    }

    /// The active administrators other than `user`, counted under a lock so that two administrators cannot
    /// remove each other at once.
    private func otherActiveAdministrators(_ user: UserRecord, _ context: CommandContext) throws -> Int {
        try context.connection.execute("SELECT pg_advisory_xact_lock(hashtextextended('rrf:users', 0))")
        return try context.connection.query(
            """
            SELECT count(*)::int AS n FROM users u JOIN user_roles r ON r.user_id = u.id
            WHERE r.role = 'admin' AND u.deactivated_at IS NULL AND u.id <> $1
            """,
            [user.id]
        ).single().decode("n", as: Int.self)
    }

    /// The one place a user account action becomes writes; returns the audit event's type.
    private func perform(_ action: UserAccountMachine.Action, on loaded: UserRecord, context: CommandContext) throws -> String {
        switch action {
        case .storeProfile(let stored):
            try context.connection.query("UPDATE users SET display_name = $2, email = $3 WHERE id = $1", [loaded.id, stored.displayName, stored.email])
            try context.connection.query("DELETE FROM user_roles WHERE user_id = $1", [loaded.id])
            try context.connection.query(
                "INSERT INTO user_roles (user_id, role) SELECT $1, unnest($2::text[])", [loaded.id, stored.roles.map(\.rawValue).sorted()]
            )
            return "user.edited"
        case .recordDeactivation(let instant):
            try context.connection.query("UPDATE users SET deactivated_at = $2 WHERE id = $1", [loaded.id, instant])
            try revokeAllTokens(ofUser: loaded.id, reason: "user deactivated", on: context.connection, at: context.now)
            return "user.deactivated"
        case .recordReactivation:
            try context.connection.query("UPDATE users SET deactivated_at = NULL WHERE id = $1", [loaded.id])
            return "user.reactivated"
        }
    }
}
