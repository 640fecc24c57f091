import Foundation
import Notifications
import Postgres
import RRFWorkflow

/// A one-time link as shown to an administrator (never its secret).
public struct CredentialLinkRecord: Codable, Sendable, Equatable {
    public let login: String
    /// `invitation` or `password_reset`.
    public let purpose: String
    public let expiresAt: Date
}

/// What a person needs to finish setting up a role that signs in with a one-time password: shown once.
public struct Enrolment: Sendable {
    public let login: String
    /// The base32 seed, for apps that take it typed.
    public let secret: String
    /// The `otpauth://` URI an authenticator app scans (the portal renders it as a QR code).
    public let uri: String
    /// Ten single-use recovery codes.
    public let recoveryCodes: [String]
}

extension FundStore {
    /// Sends `login` a one-time invitation link by the notification outbox (72 hours, single use) to set their
    /// password; an earlier unused link stops working. Administrators only; the user needs an e-mail address.
    public func inviteUser(_ login: String, baseURL: String, as actorLogin: String) throws -> CredentialLinkRecord {
        try command("user.invite", as: actorLogin, target: login) { context in
            try TokenRules.requireManager(context.actor, to: "invite people")
            return try sendLink(.invitation, to: login, baseURL: baseURL, context: context.connection, at: context.now, recordedActor: context.recordedActor)
        }
    }

    /// Creates the first administrator's invitation when no administrator has a password yet: the operator, who
    /// holds the database, hands the link over. Trusted callers only (`rrfctl user add` of the first user).
    public func firstAdministratorInvitation(_ login: String) throws -> String {
        guard case .trusted = caller else { throw Self.signInRequired }
        return try transaction("user.invite_first", actorLogin: nil, target: login) { connection, now, _ in
            try confine(to: nil, on: connection)
            let user = try connection.queryPrepared(
                """
                SELECT u.id, EXISTS (SELECT 1 FROM user_roles r WHERE r.user_id = u.id AND r.role = 'admin') AS admin,
                       EXISTS (SELECT 1 FROM user_credentials c JOIN user_roles r ON r.user_id = c.user_id
                               WHERE r.role = 'admin' AND c.password_hash IS NOT NULL) AS any_admin_ready
                FROM users u WHERE u.login = $1
                """,
                [login.lowercased()]
            ).first
            guard let user, try user.decode("admin", as: Bool.self), !(try user.decode("any_admin_ready", as: Bool.self)) else {
                throw StoreError(.rejected, code: "not_first_administrator", "Only the first administrator, before any administrator has a password, is invited this way; otherwise an administrator runs `rrfctl user invite`.")
            }
            return try createLink(.invitation, userID: user.decode("id"), on: connection, at: now)
        }
    }

    /// Sends a password-reset link to the user's e-mail address. Answers the same whether or not the login
    /// exists, so it cannot be used to find accounts.
    public func requestPasswordReset(_ login: String, baseURL: String) throws {
        try transaction("user.password_reset_requested", actorLogin: login, target: login) { connection, now, _ in
            try confine(to: nil, on: connection)
            _ = try? sendLink(.passwordReset, to: login, baseURL: baseURL, context: connection, at: now, recordedActor: login.lowercased())
        }
    }

    /// Sets the password of the link's person (invitation or reset), checked by ``PasswordPolicy``; the link is
    /// used up and every earlier sign-in of the person ends. For a role that needs one, returns the one-time
    /// password enrolment (new at an invitation, or when the person has none).
    public func acceptCredentialLink(token: String, password: String) throws -> Enrolment? {
        try transaction("user.set_password", actorLogin: nil) { connection, now, refusal in
            try confine(to: nil, on: connection)
            guard let link = try connection.queryPrepared(
                """
                SELECT l.id, l.user_id, l.purpose, l.used_at, l.expires_at, u.login, u.display_name, c.totp_enrolled_at,
                       coalesce((SELECT json_agg(role) FROM user_roles r WHERE r.user_id = u.id), '[]') AS roles
                FROM credential_links l JOIN users u ON u.id = l.user_id LEFT JOIN user_credentials c ON c.user_id = u.id
                WHERE l.token_hash = $1 AND u.deactivated_at IS NULL FOR UPDATE OF l
                """,
                [Secrets.hash(token)]
            ).first else {
                throw StoreError(.notFound, code: "link_unknown", "This link is not known; copy the whole link from the message, or ask for a new one.")
            }
            let login: String = try link.decode("login")
            refusal.actor = login
            try TokenRules.checkLink(usedAt: try link.decode("used_at"), expiresAt: try link.decode("expires_at"), at: now)
            try PasswordPolicy.check(password, login: login, displayName: try link.decode("display_name"))
            let userID: UUID = try link.decode("user_id")
            let purpose: String = try link.decode("purpose")
            let roles = Set(try link.decode("roles", as: JSONValue<[Role]>.self).value)
            let enrolled = try link.decode("totp_enrolled_at", as: Date?.self) != nil
            let enrol = SignInMachine.needsOneTimePassword(roles) && (purpose == "invitation" || !enrolled)
            let otp = enrol ? OneTimePassword.generate() : nil
            try connection.queryPrepared("UPDATE credential_links SET used_at = $2 WHERE id = $1", [try link.decode("id", as: UUID.self), now])
            try connection.queryPrepared(
                """
                INSERT INTO user_credentials (user_id, password_hash, password_set_at, totp_secret)
                VALUES ($1, $2, $3, $4)
                ON CONFLICT (user_id) DO UPDATE SET password_hash = $2, password_set_at = $3, failed_attempts = 0, locked_until = NULL,
                    totp_secret = coalesce($4, user_credentials.totp_secret),
                    totp_enrolled_at = CASE WHEN $4::text IS NULL THEN user_credentials.totp_enrolled_at END,
                    totp_last_step = CASE WHEN $4::text IS NULL THEN user_credentials.totp_last_step END
                """,
                [userID, PasswordHash.make(password), now, otp?.base32]
            )
            try revokeAllTokens(ofUser: userID, reason: "password set", on: connection, at: now)
            var codes: [String] = []
            if enrol {
                codes = Secrets.recoveryCodes()
                try connection.queryPrepared("DELETE FROM recovery_codes WHERE user_id = $1", [userID])
                try connection.queryPrepared(
                    "INSERT INTO recovery_codes (user_id, code_hash) SELECT $1, unnest($2::bytea[])", [userID, codes.map(Secrets.hash)]
                )
            }
            try AuditLog.append(
                stream: Streams.user(login), type: "user.password_set", actor: login, at: now,
                payload: PasswordSetEvent(purpose: purpose, oneTimePasswordEnrolled: enrol), on: connection
            )
            return otp.map { Enrolment(login: login, secret: $0.base32, uri: $0.uri(login: login), recoveryCodes: codes) }
        }
    }

    /// Lifts a lock-out after repeated failed sign-ins. Administrators only.
    public func unlockUser(_ login: String, as actorLogin: String) throws {
        try command("user.unlock", as: actorLogin, target: login) { context in
            try TokenRules.requireManager(context.actor, to: "unlock an account")
            let result = try context.connection.queryPrepared(
                """
                UPDATE user_credentials c SET failed_attempts = 0, lockouts = 0, locked_until = NULL
                FROM users u WHERE u.id = c.user_id AND u.login = $1
                """,
                [login.lowercased()]
            )
            guard result.affectedRows == 1 else {
                throw StoreError.notFound("No user with a password has the login \"\(login)\"; list users with `rrfctl user list`.")
            }
            try context.audit(Streams.user(login.lowercased()), "user.unlocked", ["login": login.lowercased()])
        }
    }

    /// Writes a new link for `login` and sends it through the outbox.
    private func sendLink(
        _ purpose: LinkPurpose, to login: String, baseURL: String, context connection: Connection, at now: Date, recordedActor: String
    ) throws -> CredentialLinkRecord {
        let normalised = login.trimmingCharacters(in: .whitespaces).lowercased()
        guard let user = try connection.queryPrepared(
            "SELECT id, display_name, email FROM users WHERE login = $1 AND deactivated_at IS NULL", [normalised]
        ).first else {
            throw StoreError.notFound("No active user has the login \"\(login)\"; list users with `rrfctl user list`.")
        }
        guard let email: String = try user.decode("email") else {
            throw StoreError(.rejected, code: "email_missing", "\(normalised) has no e-mail address to send the link to; add one with `rrfctl user edit \(normalised) --email <address>`.")
        }
        let token = try createLink(purpose, userID: user.decode("id"), on: connection, at: now)
        let name: String = try user.decode("display_name")
        let path = purpose == .invitation ? "invitation" : "password-reset"
        let base = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        try Outbox.enqueue(
            OutboxMessage(
                idempotencyKey: "\(purpose.rawValue)|\(normalised)|\(Int64(now.timeIntervalSince1970 * 1000))",
                recipient: email,
                subject: purpose == .invitation ? "[RRF] You are invited to the Rapid Response Fund" : "[RRF] Reset your password",
                body: """
                    Dear \(name),

                    \(purpose == .invitation ? "An account was created for you (login: \(normalised))." : "Someone asked to reset the password of \(normalised); if it was not you, ignore this message.")
                    Set your password within 72 hours, once, at:
                    \(base)/\(path)/\(token)

                    Or on the command line: rrfctl user set-password --link \(token)
                    """
            ),
            on: connection
        )
        try AuditLog.append(
            stream: Streams.user(normalised), type: purpose == .invitation ? "user.invited" : "user.password_reset_sent", actor: recordedActor, at: now,
            payload: ["login": normalised], on: connection
        )
        return CredentialLinkRecord(login: normalised, purpose: purpose.rawValue, expiresAt: now.addingTimeInterval(TokenRules.linkValidity))
    }

    /// Writes a link's hash (earlier unused links of the same purpose stop working) and returns its secret.
    private func createLink(_ purpose: LinkPurpose, userID: UUID, on connection: Connection, at now: Date) throws -> String {
        try connection.queryPrepared(
            "UPDATE credential_links SET used_at = $3 WHERE user_id = $1 AND purpose = $2 AND used_at IS NULL", [userID, purpose.rawValue, now]
        )
        let token = Secrets.token(prefix: "rrfl_")
        try connection.queryPrepared(
            "INSERT INTO credential_links (id, user_id, purpose, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
            [UUID(), userID, purpose.rawValue, Secrets.hash(token), now, now.addingTimeInterval(TokenRules.linkValidity)]
        )
        return token
    }
}

/// What a one-time link is for.
enum LinkPurpose: String, CaseIterable {
    case invitation
    case passwordReset = "password_reset"
}

/// The audit event of a password being set (never the password).
struct PasswordSetEvent: Encodable {
    let purpose: String
    let oneTimePasswordEnrolled: Bool
}
