import Foundation
import Postgres
import RRFWorkflow

/// A session or API token as listed (never its secret).
public struct AccessTokenRecord: Codable, Sendable, Equatable {
    /// A web or CLI sign-in, or a long-lived token for scripts.
    public enum Kind: String, Codable, Sendable { case session, api }

    public let id: UUID
    public let login: String
    public let kind: Kind
    public let label: String
    public let source: String
    public let createdAt: Date
    public let expiresAt: Date
    public let lastUsedAt: Date?
    public let revokedAt: Date?

    static let select = """
        SELECT t.id, u.login, t.kind, t.label, t.source, t.created_at, t.expires_at, t.last_used_at, t.revoked_at
        FROM access_tokens t JOIN users u ON u.id = t.user_id
        """

    init(row: Row) throws {
        id = try row.decode("id")
        login = try row.decode("login")
        guard let kind = Kind(rawValue: try row.decode("kind")) else { throw StoreError.inconsistentRow("An access token", state: try row.decode("kind")) }
        self.kind = kind
        label = try row.decode("label")
        source = try row.decode("source")
        createdAt = try row.decode("created_at")
        expiresAt = try row.decode("expires_at")
        lastUsedAt = try row.decode("last_used_at")
        revokedAt = try row.decode("revoked_at")
    }
}

extension FundStore {
    /// Ends the caller's own sign-in (the token this store acts with).
    public func signOut() throws {
        guard case .signedIn(let token, _) = caller else { throw Self.signInRequired }
        try transaction("sign_out", actorLogin: nil) { connection, now, _ in
            try confine(to: nil, on: connection)
            try connection.queryPrepared(
                "UPDATE access_tokens SET revoked_at = $2, revoked_reason = 'signed out' WHERE token_hash = $1 AND revoked_at IS NULL",
                [Secrets.hash(token), now]
            )
        }
    }

    /// The person this store acts for.
    public func whoami() throws -> UserRecord {
        try transaction("whoami", actorLogin: nil) { connection, now, _ in
            let login = try actingActor(claimed: "", on: connection, at: now).login
            return try UserRecord(row: connection.queryPrepared(UserRecord.select + " WHERE u.login = $1", [login]).single())
        }
    }

    /// Creates a long-lived API token for the caller (at most 90 days), for scripts.
    public func createAPIToken(label: String, days: Int, as login: String) throws -> IssuedToken {
        try command("token.create", as: login) { context in
            let days = try Validate.number(days, in: 1...90, code: "token_lifetime_invalid", "A token lasts 1 to 90 days; give --days within that.")
            let token = try issueToken(
                userID: context.actor.userID.uuid, kind: .api, label: label, lifetime: TimeInterval(days) * 86_400, on: context.connection, at: context.now
            )
            try context.audit(Streams.user(context.login), "token.created", token.record)
            return token
        }
    }

    /// Live tokens: the caller's own, or with `everyone` (administrators) all of them.
    public func accessTokens(everyone: Bool = false, as login: String) throws -> [AccessTokenRecord] {
        try command("token.list", as: login) { context in
            if everyone { try TokenRules.requireManager(context.actor, to: "list other people's sign-ins") }
            let all = everyone
            return try context.connection.queryPrepared(
                AccessTokenRecord.select + """
                 WHERE t.revoked_at IS NULL AND t.expires_at > $1 AND ($2 OR t.user_id = $3)
                ORDER BY u.login, t.created_at DESC
                """,
                [context.now, all, context.actor.userID.uuid]
            ).rows.map(AccessTokenRecord.init(row:))
        }
    }

    /// Revokes one token: one's own, or anyone's by an administrator.
    public func revokeToken(_ id: UUID, as login: String) throws -> AccessTokenRecord {
        try command("token.revoke", as: login, target: id.uuidString) { context in
            let notFound = StoreError.notFound("No live token has the id \(id); list them with `rrfctl token list`.")
            guard let row = try context.connection.queryPrepared(
                AccessTokenRecord.select + " WHERE t.id = $1 AND t.revoked_at IS NULL FOR UPDATE OF t", [id]
            ).first else { throw notFound }
            let token = try AccessTokenRecord(row: row)
            guard token.login == context.login || TokenRules.canManageOthers(context.actor) else { throw notFound }
            try context.connection.queryPrepared(
                "UPDATE access_tokens SET revoked_at = $2, revoked_reason = $3 WHERE id = $1", [id, context.now, "revoked by \(context.recordedActor)"]
            )
            try context.audit(Streams.user(token.login), "token.revoked", token)
            return try AccessTokenRecord(row: context.connection.queryPrepared(AccessTokenRecord.select + " WHERE t.id = $1", [id]).single())
        }
    }

    /// Ends every live token of a user (on deactivation, password reset).
    func revokeAllTokens(ofUser userID: UUID, reason: String, on connection: Connection, at now: Date) throws {
        try connection.queryPrepared(
            "UPDATE access_tokens SET revoked_at = $2, revoked_reason = $3 WHERE user_id = $1 AND revoked_at IS NULL", [userID, now, reason]
        )
    }
}
